/**
 * What the launcher asks about other processes, as one small interface: the real one reads /proc
 * (`procfs`, wired in src/launch/index.ts), the unit tests pass a fake table
 * (test/unit/launch/fakes.ts). What is decided from the answers (whether a process still runs,
 * a process group's members, the processes of a server root) is written once here, above it.
 * Every answer tolerates the process vanishing meanwhile.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

import type { Clock, Pause } from './timers.js';

/** The fields of /proc/PID/stat the launcher uses. */
export interface ProcStat {
  /** R, S, D, Z (a zombie), X (dead), ... */
  readonly state: string;
  readonly pgid: number | undefined;
}

export interface ProcessTable {
  /** Every process on the machine, but this one. */
  pids(): number[];
  /** The children of `pid`; none once it is gone. */
  children(pid: number): number[];
  /** Its command line as the kernel keeps it (arguments end with NUL); undefined once it is gone. */
  cmdline(pid: number): string | undefined;
  stat(pid: number): ProcStat | undefined;
  /** Its real uid. */
  owner(pid: number): number | undefined;
  /** How many threads it has. */
  threads(pid: number): number | undefined;
  /** Whether the kernel still has it, a zombie included. */
  exists(pid: number): boolean;
  /** process.kill: throws when it is gone; a negative pid is a process group. */
  kill(pid: number, signal: NodeJS.Signals): void;
}

/**
 * The process table and the clock of the loops that poll it (src/launch/daemons.ts,
 * src/launch/leftovers.ts), their first parameter: the real ones are given in src/launch/index.ts.
 */
export interface ProcessSeams {
  readonly procs: ProcessTable;
  readonly clock: Clock;
  readonly pause: Pause;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // exited meanwhile, or not ours to read
  }
}

/** The fields of /proc/PID/stat after the command name (which may itself hold spaces and parens). */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  const end = stat?.lastIndexOf(')');
  return stat && end !== undefined && end >= 0 ? stat.slice(end + 2).split(' ') : undefined;
}

/** A field of /proc/PID/status, such as `Uid:` (its first number) or `Threads:`. */
function statusNumber(pid: number, field: string): number | undefined {
  const value = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  return value === undefined ? undefined : Number(value);
}

export const procfs: ProcessTable = {
  pids: () =>
    readdirSync('/proc')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid),
  children: (pid) => (read(`/proc/${pid}/task/${pid}/children`) ?? '').split(' ').filter(Boolean).map(Number),
  cmdline: (pid) => read(`/proc/${pid}/cmdline`),
  stat: (pid) => {
    const fields = statFields(pid);
    if (fields?.[0] === undefined) {
      return undefined;
    }
    const pgid = Number(fields[2]);
    return { state: fields[0], pgid: Number.isInteger(pgid) && pgid > 0 ? pgid : undefined };
  },
  owner: (pid) => statusNumber(pid, 'Uid'),
  threads: (pid) => statusNumber(pid, 'Threads'),
  exists: (pid) => existsSync(`/proc/${pid}`),
  kill: (pid, signal) => process.kill(pid, signal),
};

/** Running, and not a zombie waiting for a parent that may never reap it (kill(pid, 0) succeeds on those). */
export function running(procs: ProcessTable, pid: number): boolean {
  const state = procs.stat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The running members of process group `pgid`. */
export function groupMembers(procs: ProcessTable, pgid: number): number[] {
  return procs.pids().filter((pid) => procs.stat(pid)?.pgid === pgid && running(procs, pid));
}

/** Whether the command line of `pid` has `-d ROOT`, as every httpd process of that server root has. */
export function namesServerRoot(procs: ProcessTable, pid: number, root: string): boolean {
  const args = procs.cmdline(pid)?.split('\0') ?? [];
  return args.some((arg, i) => arg === '-d' && args[i + 1] === root);
}

/**
 * Apache processes of the server root `root` owned by one of `uids`, wherever they are: mod_wsgi
 * daemons rewrite argv[0] but keep `-d ROOT` after it. The owner check keeps a process of another
 * account that merely names the path out of reach.
 */
export function serverProcesses(procs: ProcessTable, root: string, uids: ReadonlySet<number>): number[] {
  return procs.pids().filter((pid) => {
    const owner = namesServerRoot(procs, pid, root) ? procs.owner(pid) : undefined;
    return owner !== undefined && uids.has(owner) && running(procs, pid);
  });
}
