/**
 * What /proc says about a process: whether it still runs (a zombie does not), its process group,
 * owner and command line. Every read tolerates the process vanishing meanwhile.
 */
import { readdirSync, readFileSync } from 'node:fs';

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

/** Running, and not a zombie waiting for a parent that may never reap it (kill(pid, 0) succeeds on those). */
export function running(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function processGroupOf(pid: number): number | undefined {
  const pgid = Number(statFields(pid)?.[2]);
  return Number.isInteger(pgid) && pgid > 0 ? pgid : undefined;
}

function ownerOf(pid: number): number | undefined {
  const uid = /^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1];
  return uid === undefined ? undefined : Number(uid);
}

/** Every process on the machine, but this one. */
function allPids(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

/** The running members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return allPids().filter((pid) => processGroupOf(pid) === pgid && running(pid));
}

/** Whether the command line of `pid` has `-d ROOT`, as every httpd process of that server root has. */
export function namesServerRoot(pid: number, root: string): boolean {
  const args = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
  return args.some((arg, i) => arg === '-d' && args[i + 1] === root);
}

/**
 * Apache processes of the server root `root` owned by one of `uids`, wherever they are: mod_wsgi
 * daemons rewrite argv[0] but keep `-d ROOT` after it. The owner check keeps a process of another
 * account that merely names the path out of reach.
 */
export function serverProcesses(root: string, uids: ReadonlySet<number>): number[] {
  return allPids().filter((pid) => {
    const owner = namesServerRoot(pid, root) ? ownerOf(pid) : undefined;
    return owner !== undefined && uids.has(owner) && running(pid);
  });
}
