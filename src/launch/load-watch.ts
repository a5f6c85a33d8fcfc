/**
 * After Ready: the application is imported when its daemon starts (WSGIImportScript), just after
 * Apache answers. With the log in a file, the user would otherwise only see 500s, so for a while
 * the error log is read for an import that failed, hangs, died or called sys.exit(), and each is
 * said once in plain words (src/launch/load-failure.ts reads the lines).
 */
import { explainLoadFailure, importState } from './load-failure.js';
import { linesSince, tailSince } from './log-tail.js';
import { type Clock, realClock } from './timers.js';

/** What the watches use of the machine, as parameters for the unit tests. */
export interface WatchSeams {
  readonly clock: Clock;
  /** Waits `ms`; must not hold the launcher's exit back once Apache has exited. */
  readonly pause: (ms: number) => Promise<void>;
  readonly linesSince: typeof linesSince;
  readonly tailSince: typeof tailSince;
  /** Whether a process exists (src/launch/load-failure.ts#importState). */
  readonly alive: (pid: number) => boolean;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another account.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const REAL: WatchSeams = {
  clock: realClock,
  // Unreferenced: once Apache has exited, a watch must not hold the launcher's exit back.
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  linesSince,
  tailSince,
  alive: isAlive,
};

/** How often the watches read the log. */
export const WATCH_POLL_MS = 200;
/** How long the watch for a failed import (a traceback) looks. */
export const LOAD_WATCH_MS = 5000;

/** Reports mod_wsgi's "failed to exec" with its exception and innermost frame, within 5 s. */
export async function watchForLoadFailure(
  errorLog: string,
  offset: number,
  stopped: () => boolean,
  report: (lines: string[]) => void,
  seams: WatchSeams = REAL,
): Promise<void> {
  const until = seams.clock.now() + LOAD_WATCH_MS;
  while (seams.clock.now() < until && !stopped()) {
    await seams.pause(WATCH_POLL_MS);
    const failure = explainLoadFailure(seams.tailSince(errorLog, offset, 400));
    if (failure) {
      report([
        `express-wsgi: the application failed to load; requests will get errors until it is fixed:`,
        failure.map((l) => `  ${l}`).join('\n'),
        `  (full traceback in ${errorLog})`,
      ]);
      return;
    }
  }
}

/**
 * Reports an import that never finishes (hangMs), a process that died while importing, or
 * sys.exit() at import (issue 11 item 9); it looks for hangMs + 5 s.
 */
export async function watchImport(
  errorLog: string,
  offset: number,
  stopped: () => boolean,
  hangMs: number,
  report: (lines: string[]) => void,
  seams: WatchSeams = REAL,
): Promise<void> {
  const { clock } = seams;
  const until = clock.now() + hangMs + 5000;
  let pendingSince: { pid: number; at: number } | undefined;
  while (clock.now() < until && !stopped()) {
    await seams.pause(WATCH_POLL_MS);
    const state = importState(seams.linesSince(errorLog, offset, 256 * 1024), seams.alive);
    if (state.exited) {
      report([
        `express-wsgi: the application ${state.exited.file} stopped its own import: ${state.exited.detail}.`,
        `  mod_wsgi keeps the process without an application: every request fails until it is fixed (log: ${errorLog}).`,
      ]);
      return;
    }
    if (state.died && (state.died.restarts > 1 || state.died.code !== undefined)) {
      const how =
        state.died.code === undefined
          ? 'died'
          : `died with exit status or signal ${state.died.code} (as mod_wsgi logs it)`;
      report([
        `express-wsgi: the daemon process (pid ${state.died.pid}) importing ${state.died.file} ${how} before the import finished.`,
        `  mod_wsgi keeps restarting it (${state.died.restarts} tries so far); requests wait and fail until it is fixed (log: ${errorLog}).`,
      ]);
      return;
    }
    if (state.pending) {
      if (pendingSince?.pid !== state.pending.pid) {
        pendingSince = { pid: state.pending.pid, at: clock.now() };
      } else if (clock.now() - pendingSince.at >= hangMs) {
        report([
          `express-wsgi: importing ${state.pending.file} (pid ${state.pending.pid}) has not finished after ${Math.round(hangMs / 1000)} s; it may never.`,
          `  Requests wait for it and then fail; look for what the import blocks on (log: ${errorLog}).`,
        ]);
        return;
      }
    }
  }
}
