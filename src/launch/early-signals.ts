/**
 * Signals that arrive before Apache runs (issue 11, item 6). Node's default for HUP, USR1 and
 * USR2 is to exit (USR1 even opens the inspector first), so dist/cli.js's first lines
 * (the signal guard in src/bin.ts) already catch them and record them in a set under
 * EARLY_SIGNALS; from the start of start-server/setup-server this module holds them, and INT and
 * TERM too, until the launcher takes over and applies each once Apache can take it (launch.ts).
 * What remains is Node's own bootstrap, before any JavaScript runs: there a signal still has its
 * default action.
 */

/** Where the signal guard (src/bin.ts) records the signals it caught: the same key there. */
export const EARLY_SIGNALS = Symbol.for('express-wsgi.early-signals');

/** Stop signals: held while the server root is written, so that it is written whole or not at all. */
export const STOPS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOPS)[number];
const HELD = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH', ...STOPS] as const;

export type HeldSignal = (typeof HELD)[number];

export interface HeldSignals {
  /** The signals that arrived while held, each once, in the order they first came; forgets them. */
  take(): HeldSignal[];
  /**
   * Stops holding (call once the launcher's own listeners are in place). What came and was not
   * taken is raised again, for those listeners; with none (setup-server) a stop signal ends the
   * process as it would have, only after the server root is complete, and the rest is ignored.
   */
  release(): void;
}

/** What holding needs of the process: its signal events, and raising a signal at itself. */
export interface SignalledProcess {
  readonly pid: number;
  on(signal: HeldSignal, listener: () => void): unknown;
  off(signal: HeldSignal, listener: () => void): unknown;
  kill(pid: number, signal: HeldSignal): unknown;
}

function guardRecord(): Set<string> | undefined {
  return (globalThis as Record<symbol, Set<string> | undefined>)[EARLY_SIGNALS];
}

/** The process and SIGNAL_GUARD's record, as parameters for the unit tests; the real ones by default. */
export interface HoldOptions {
  process?: SignalledProcess;
  guard?: () => Set<string> | undefined;
}

export function holdSignals({ process: proc = process, guard = guardRecord }: HoldOptions = {}): HeldSignals {
  const arrived = new Set<HeldSignal>();
  const listeners = HELD.map((signal) => [signal, () => arrived.add(signal)] as const);
  for (const [signal, listener] of listeners) {
    proc.on(signal, listener);
  }
  const take = (): HeldSignal[] => {
    const early = guard();
    const all = [...(early ?? []), ...arrived].filter((s): s is HeldSignal =>
      (HELD as readonly string[]).includes(s),
    );
    early?.clear();
    arrived.clear();
    return [...new Set(all)];
  };
  return {
    take,
    release: () => {
      const untaken = take();
      for (const [signal, listener] of listeners) {
        proc.off(signal, listener);
      }
      for (const signal of untaken) {
        proc.kill(proc.pid, signal);
      }
    },
  };
}
