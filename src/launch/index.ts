/**
 * The launcher: runs Apache in the foreground as a child and supervises it (src/launch/supervise.ts
 * wires the parts), here with the real process, execa, /proc, clock, timers and terminal.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';

import { err, out } from '../log.js';
import type { ServerConfig } from '../config.js';
import { generationServing, reloadApplication, stopDaemons } from './daemons.js';
import type { HeldSignals } from './early-signals.js';
import { diskFullExplains, reportOutcome } from './failure-report.js';
import { killLeftovers } from './leftovers.js';
import { watchForLoadFailure, watchImport } from './load-watch.js';
import { linesSince, sizeOf } from './log-tail.js';
import { removeExitedPidFile, writePidFile } from './pid-file.js';
import { checkPortFree } from './preflight.js';
import { type ProcessSeams, procfs, running } from './proc.js';
import { waitForHttp } from './probe.js';
import { loadExeca } from './spawn-apache.js';
import { steerListeners } from './steer.js';
import { type Seams, supervise } from './supervise.js';
import { realClock, realPause, realTimers } from './timers.js';

/** Reports each failed import the watches find, as one block on stderr. */
const reportLines = (lines: string[]) => err(lines.join('\n'));

/** The other processes, as /proc shows them, and the clock their polling loops wait by. */
const PROCS: ProcessSeams = { procs: procfs, clock: realClock, pause: realPause };

const REAL: Seams = {
  process,
  loadSpawn: loadExeca,
  exists: existsSync,
  kill: (pid, signal) => process.kill(pid, signal),
  stopDaemons: (apachePid) => stopDaemons(procfs, apachePid),
  serving: (apachePid) => generationServing(procfs, apachePid),
  cores: () => cpus().length,
  reloadApplication: (...args) => reloadApplication(PROCS, ...args),
  probe: waitForHttp,
  clock: realClock,
  timers: realTimers,
  logSize: sizeOf,
  logLines: (path, offset) => linesSince(path, offset, 256 * 1024),
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  portFree: checkPortFree,
  groupOf: (pid) => procfs.stat(pid)?.pgid,
  alive: (pid) => running(procfs, pid),
  steer: steerListeners,
  watchLoad: (errorLog, offset, stopped, hangMs) => {
    void watchForLoadFailure(errorLog, offset, stopped, reportLines);
    // Issue 11 item 9: an import that hangs, dies or calls sys.exit() (src/launch/load-watch.ts).
    void watchImport(errorLog, offset, stopped, hangMs, reportLines);
  },
  removePidFile: removeExitedPidFile,
  writePidFile,
  diskFull: (where) => diskFullExplains(where),
  removeFile: (path) => rmSync(path, { force: true }),
  killLeftovers: (pgid, root, uids, scanRoot) => killLeftovers(PROCS, pgid, root, uids, scanRoot),
  report: reportOutcome,
  out,
  err,
};

/**
 * `held`: the signals held since start-up (src/launch/early-signals.ts); `lockFd`: the server
 * root's lock, handed to Apache as fd 9 (src/launch/spawn-apache.ts).
 */
export function launch(config: ServerConfig, held?: HeldSignals, lockFd?: number): Promise<number> {
  return supervise(config, held, lockFd, REAL);
}
