/**
 * Issue 11, item 4: once the Apache parent has exited, nothing of its server may run on. When it
 * dies abnormally (the OOM killer's SIGKILL, a segfault) its children and mod_wsgi daemons are
 * orphaned and keep answering on the port, unsupervised; when a restart fails (a full disk),
 * a daemon can stay behind. Apache leads its own process group (launch.ts spawns it detached)
 * and every process it forks stays in that group (mod_wsgi's daemons too; checked with /proc),
 * so the group finds them; a scan for the server root on command lines finds any that left it.
 */
import { groupMembers, namesServerRoot, type ProcessSeams, serverProcesses } from './proc.js';

/** How often killLeftovers looks again. */
export const LEFTOVER_POLL_MS = 20;

/** Polls `done` every 20 ms until it holds or `ms` pass; whether it held. */
async function until({ clock, pause }: ProcessSeams, done: () => boolean, ms: number): Promise<boolean> {
  const deadline = clock.now() + ms;
  while (!done()) {
    if (clock.now() > deadline) {
      return false;
    }
    await pause(LEFTOVER_POLL_MS);
  }
  return true;
}

/**
 * Kills what is left of the server whose parent (leader of group `pgid`) has exited, and waits
 * (bounded) until it is gone. Apache's own processes (`-d ROOT`, owned by one of `uids`) get
 * SIGKILL at once: without their parent nothing stops them in order. Other members of the group
 * (apachectl's log relays, which finish when the last writer is gone; programs the application
 * started) get a moment to end by themselves first. Returns the PIDs it had to kill.
 * `scanRoot` false: only the group, for one Apache generation of several (src/launch/generations.ts),
 * whose siblings of the same server root run on.
 */
export async function killLeftovers(
  seams: ProcessSeams,
  pgid: number,
  root: string,
  uids: ReadonlySet<number>,
  scanRoot = true,
  graceMs = 2000,
): Promise<number[]> {
  const { procs } = seams;
  const kill = (pid: number, signal: NodeJS.Signals) => {
    try {
      procs.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  };
  const members = () => groupMembers(procs, pgid);
  const killed = new Set<number>();
  // Members of the group are the server's whoever owns them; elsewhere only the expected owners'.
  const server = () => [
    ...new Set([
      ...(scanRoot ? serverProcesses(procs, root, uids) : []),
      ...members().filter((pid) => namesServerRoot(procs, pid, root)),
    ]),
  ];
  const killAll = (pids: number[]) => {
    for (const pid of pids) {
      killed.add(pid);
      kill(pid, 'SIGKILL');
    }
  };
  // Re-read each round: a dying parent's last fork may appear after the first look.
  await until(
    seams,
    () => {
      const left = server();
      killAll(left);
      return left.length === 0;
    },
    5000,
  );
  if (!(await until(seams, () => members().length === 0, graceMs))) {
    for (const pid of members()) {
      killed.add(pid);
    }
    kill(-pgid, 'SIGKILL');
    await until(seams, () => members().length === 0, 5000);
  }
  return [...killed];
}
