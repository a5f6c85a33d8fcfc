/**
 * The launcher's listeners on its own process (the way concurrently's KillOnSignal takes
 * `{ process }`): which signal does what, SIGWINCH swallowed, and every listener removed again
 * when the launcher is done, so that a programmatic caller keeps the process it passed in.
 */
import type { HeldSignal, StopSignal } from './early-signals.js';
import type { RestartSignal } from './forward-signals.js';

/** Reloads the application without failing a request (src/launch/daemons.ts); not passed on to Apache. */
export const RELOAD = 'SIGUSR2';
/**
 * Every terminal resize sends SIGWINCH, which is Apache's graceful stop: swallowed by a no-op
 * listener, which, unlike SIG_IGN, is not inherited by Apache (mod_wsgi issue 105).
 */
export const SWALLOWED = ['SIGWINCH'] as const;

/** What the launcher listens to: its signals and its own exit. */
export interface ProcessEvents {
  on(event: HeldSignal | 'exit', listener: () => void): unknown;
  off(event: HeldSignal | 'exit', listener: () => void): unknown;
}

export interface SignalHandlers {
  stop(signal: StopSignal): void;
  restart(signal: RestartSignal): void;
  reload(): void;
  /** The launcher's process is exiting (an uncaught error, say). */
  exit(): void;
}

export interface Listening {
  /** Handles `signals` (those held before the launcher ran) as if they came now. */
  replay(signals: readonly HeldSignal[]): void;
  remove(): void;
}

export function listenForSignals(proc: ProcessEvents, handlers: SignalHandlers): Listening {
  const listeners = new Map<HeldSignal, () => void>([
    ['SIGINT', () => handlers.stop('SIGINT')],
    ['SIGTERM', () => handlers.stop('SIGTERM')],
    ['SIGHUP', () => handlers.restart('SIGHUP')],
    ['SIGUSR1', () => handlers.restart('SIGUSR1')],
    [RELOAD, () => handlers.reload()],
    ...SWALLOWED.map((signal) => [signal, () => {}] as const),
  ]);
  const onExit = () => handlers.exit();
  for (const [signal, listener] of listeners) {
    proc.on(signal, listener);
  }
  proc.on('exit', onExit);
  return {
    replay: (signals) => {
      for (const signal of signals) {
        listeners.get(signal)?.();
      }
    },
    remove: () => {
      for (const [signal, listener] of listeners) {
        proc.off(signal, listener);
      }
      proc.off('exit', onExit);
    },
  };
}
