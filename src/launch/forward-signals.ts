/**
 * What reaches Apache of the stops the launcher gets: at once and again every second until Apache
 * has exited, to every Apache generation running (src/launch/generations.ts: during a restart, the
 * new one beside the old), each sent by the one `send` that remembers what it sent (so that a
 * signal Apache died of and we never sent is reported as a kill from outside). Restarts are not
 * passed on: the launcher starts a new generation instead (issue 17).
 */
import type { ServerConfig } from '../config.js';
import type { StopSignal } from './early-signals.js';
import type { Timers } from './timers.js';

/** The restarts the launcher takes: for Apache HUP restarts, USR1 restarts gracefully. */
export const RESTARTS = ['SIGHUP', 'SIGUSR1'] as const;
export type RestartSignal = (typeof RESTARTS)[number];

/** How often a stop is sent again until Apache has exited (issue 11, item 5). */
export const STOP_RESEND_MS = 1000;

/**
 * The signal a stop becomes: INT/TERM stop Apache. With --graceful-stop, SIGTERM (docker stop,
 * Kubernetes) becomes Apache's graceful stop, SIGWINCH, so requests in flight finish. Ctrl-C stays
 * a prompt stop: a person at a terminal wants out.
 */
export function signalFor(signal: StopSignal, config: Pick<ServerConfig, 'gracefulStop'>): NodeJS.Signals {
  return signal === 'SIGTERM' && config.gracefulStop ? 'SIGWINCH' : signal;
}

export interface ForwardOptions {
  /** The pids of the Apache generations running (none when the spawn failed: then nothing is sent). */
  readonly pids: () => readonly number[];
  readonly config: Pick<ServerConfig, 'gracefulStop'>;
  /** process.kill: throws when the process is gone. */
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  /** Sent with every prompt stop (src/launch/daemons.ts says why). */
  readonly stopDaemons: (apachePid: number) => void;
  readonly isReady: () => boolean;
  readonly isExited: () => boolean;
  readonly timers: Timers;
}

export interface Forwarder {
  /** A stop the launcher got (`asked`), or one it decided on itself (the ready timeout). */
  stop(signal: StopSignal, asked?: boolean): void;
  /** The signal of the stop under way, as sent to Apache. */
  stopping(): NodeJS.Signals | undefined;
  /** A stop asked for before Apache answered: start-up ended by it (src/launch/exit-status.ts). */
  stopBeforeReady(): StopSignal | undefined;
  /** Whether the launcher ever sent Apache `signal`. */
  sent(signal: string): boolean;
  /** If the launcher dies of an uncaught error, Apache must not run on unsupervised. */
  stopOnExit(): void;
  /** Apache has exited: no more resends. */
  finish(): void;
}

export function forwardSignals(options: ForwardOptions): Forwarder {
  const { pids, kill, timers } = options;
  const signalled = new Set<string>();
  const send = (signal: NodeJS.Signals) => {
    if (options.isExited()) {
      return;
    }
    for (const pid of pids()) {
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
    const deliver = () => {
      send(sent);
      if (sent !== 'SIGWINCH' && !options.isExited()) {
        pids().forEach((pid) => options.stopDaemons(pid));
      }
    };
    deliver();
    timers.clearInterval(resend);
    resend = timers.setInterval(deliver, STOP_RESEND_MS);
  };

  return {
    stop,
    stopping: () => stopping,
    stopBeforeReady: () => stopBeforeReady,
    sent: (signal) => signalled.has(signal),
    stopOnExit: () => {
      for (const pid of options.isExited() ? [] : pids()) {
        try {
          kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
    finish: () => {
      timers.clearInterval(resend);
    },
  };
}
