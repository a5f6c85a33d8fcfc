/**
 * What reaches Apache of the signals the launcher gets: a stop at once and again every second
 * until Apache has exited, a restart once Apache can take it, each sent by the one `send` that
 * remembers what it sent (so that a signal Apache died of and we never sent is reported as a kill
 * from outside).
 */
import type { ServerConfig } from '../config.js';
import type { StopSignal } from './early-signals.js';
import type { Timers } from './timers.js';

/** Apache's restarts: HUP restarts, USR1 restarts gracefully. */
export const RESTARTS = ['SIGHUP', 'SIGUSR1'] as const;
export type RestartSignal = (typeof RESTARTS)[number];

/** How often a stop is sent again until Apache has exited (issue 11, item 5). */
export const STOP_RESEND_MS = 1000;
/** How often to look whether Apache has installed the handler for a restart signal it is owed. */
export const HANDLER_POLL_MS = 10;

/**
 * The signal a stop becomes: INT/TERM stop Apache. With --graceful-stop, SIGTERM (docker stop,
 * Kubernetes) becomes Apache's graceful stop, SIGWINCH, so requests in flight finish. Ctrl-C stays
 * a prompt stop: a person at a terminal wants out.
 */
export function signalFor(signal: StopSignal, config: Pick<ServerConfig, 'gracefulStop'>): NodeJS.Signals {
  return signal === 'SIGTERM' && config.gracefulStop ? 'SIGWINCH' : signal;
}

export interface ForwardOptions {
  /** Apache's pid (undefined when the spawn failed: then nothing is sent). */
  readonly pid: number | undefined;
  readonly config: Pick<ServerConfig, 'gracefulStop'>;
  /** process.kill: throws when the process is gone. */
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  /** Whether Apache has its own handler for `signal` yet (src/launch/proc.ts). */
  readonly catches: (pid: number, signal: NodeJS.Signals) => boolean;
  /** Sent with every prompt stop (src/launch/daemons.ts says why). */
  readonly stopDaemons: (apachePid: number) => void;
  readonly isReady: () => boolean;
  readonly isExited: () => boolean;
  readonly timers: Timers;
}

export interface Forwarder {
  /** A stop the launcher got (`asked`), or one it decided on itself (the ready timeout). */
  stop(signal: StopSignal, asked?: boolean): void;
  restart(signal: RestartSignal): void;
  /** The signal of the stop under way, as sent to Apache. */
  stopping(): NodeJS.Signals | undefined;
  /** A stop asked for before Apache answered: start-up ended by it (src/launch/exit-status.ts). */
  stopBeforeReady(): StopSignal | undefined;
  /** Whether the launcher ever sent Apache `signal`. */
  sent(signal: string): boolean;
  /** If the launcher dies of an uncaught error, Apache must not run on unsupervised. */
  stopOnExit(): void;
  /** Apache has exited: no more resends or polls. */
  finish(): void;
}

export function forwardSignals(options: ForwardOptions): Forwarder {
  const { pid, kill, timers } = options;
  const signalled = new Set<string>();
  const send = (signal: NodeJS.Signals) => {
    if (!options.isExited() && pid) {
      signalled.add(signal);
      try {
        kill(pid, signal);
      } catch {
        // exited meanwhile: the launcher is about to report it
      }
    }
  };

  // A stop is sent at once (before Apache has its handlers it simply ends it) and again every
  // second until Apache has exited: Apache drops one that comes while it rereads its configuration
  // in a restart (issue 11, item 5). A repeat is harmless, Apache ignores a stop already under way.
  let stopping: NodeJS.Signals | undefined;
  let stopBeforeReady: StopSignal | undefined;
  let resend: unknown;
  const stop = (signal: StopSignal, asked = true) => {
    const sent = signalFor(signal, options.config);
    // A prompt stop (Ctrl-C) overrides a graceful one under way, never the other way round.
    if (stopping && stopping !== 'SIGWINCH') {
      return;
    }
    if (asked && !options.isReady()) {
      stopBeforeReady ??= signal;
    }
    stopping = sent;
    owed.clear();
    const deliver = () => {
      send(sent);
      if (sent !== 'SIGWINCH' && pid && !options.isExited()) {
        options.stopDaemons(pid);
      }
    };
    deliver();
    timers.clearInterval(resend);
    resend = timers.setInterval(deliver, STOP_RESEND_MS);
  };

  // HUP and USR1 (restarts) before Apache has installed its handlers would kill it (issue 11,
  // item 6): each is owed until Apache catches it, then sent once. One that came before Apache ran
  // is applied too, not dropped: Apache may have read its configuration (or opened its logs, for
  // logrotate) before the change the signal announces.
  const owed = new Set<RestartSignal>();
  let owedPoll: unknown;
  const payOwed = () => {
    for (const signal of owed) {
      if (pid && options.catches(pid, signal)) {
        owed.delete(signal);
        send(signal);
      }
    }
    if (owed.size === 0) {
      timers.clearInterval(owedPoll);
      owedPoll = undefined;
    }
  };
  const restart = (signal: RestartSignal) => {
    if (options.isExited() || stopping) {
      return;
    }
    owed.add(signal);
    payOwed();
    if (owed.size > 0 && !owedPoll) {
      owedPoll = timers.setInterval(payOwed, HANDLER_POLL_MS);
    }
  };

  return {
    stop,
    restart,
    stopping: () => stopping,
    stopBeforeReady: () => stopBeforeReady,
    sent: (signal) => signalled.has(signal),
    stopOnExit: () => {
      if (!options.isExited() && pid) {
        try {
          kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
    finish: () => {
      timers.clearInterval(resend);
      timers.clearInterval(owedPoll);
    },
  };
}
