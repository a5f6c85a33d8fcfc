/**
 * SIGUSR2 (reload-app): one reload at a time; one asked for meanwhile runs after it, so that it
 * sees the latest code. Before Apache answers, a reload waits: a SIGUSR1 that reached Apache (or
 * apachectl) before it had set up its signal handlers would kill it. A stop cancels a pending
 * reload (issue 11, item 17).
 */

/**
 * - idle: nothing asked;
 * - waiting: asked before Apache answered, runs once it does (resume);
 * - running: one reload under way;
 * - running, again: one under way and another asked for, which runs when it is done.
 * Once the server stops or Apache has exited (`isOver`), asking does nothing.
 */
export type ReloadState = 'idle' | 'waiting' | 'running' | 'running, again';

export interface ReloadQueueOptions {
  /** One reload (src/launch/daemons.ts#reloadApplication). */
  readonly run: () => Promise<void>;
  readonly isReady: () => boolean;
  /** Stopping, or Apache has exited. */
  readonly isOver: () => boolean;
  readonly onError: (error: unknown) => void;
}

export interface ReloadQueue {
  ask(): void;
  /** Apache answers now: a reload that waited for that runs. */
  resume(): void;
  state(): ReloadState;
}

export function reloadQueue(options: ReloadQueueOptions): ReloadQueue {
  let reloading: Promise<void> | undefined;
  let again = false;
  const ask = () => {
    if (options.isOver()) {
      return;
    }
    if (reloading || !options.isReady()) {
      again = true;
      return;
    }
    reloading = options
      .run()
      .catch(options.onError)
      .finally(() => {
        reloading = undefined;
        resume();
      });
  };
  const resume = () => {
    if (again) {
      again = false;
      ask();
    }
  };
  return {
    ask,
    resume,
    state: () => (reloading ? (again ? 'running, again' : 'running') : again ? 'waiting' : 'idle'),
  };
}
