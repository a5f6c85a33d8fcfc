/**
 * mod_wsgi's daemon processes, found the way `ps` would: children of the Apache parent whose
 * command line mod_wsgi rewrote to the daemon's display name, "(wsgi:…)". They are not in the
 * launcher's process group, so they are signalled one by one. The process table (and the clock a
 * reload waits by) comes in as the first parameter (src/launch/proc.ts), given in src/launch/index.ts.
 */
import type { Mode } from '../config.js';
import type { ProcessSeams, ProcessTable } from './proc.js';

/** How often a reload looks for the replacement of the daemon it signalled. */
export const RELOAD_POLL_MS = 20;

/** Children of the Apache parent whose command line passes `test`. */
function childrenWhere(procs: ProcessTable, apachePid: number, test: (cmdline: string) => boolean): number[] {
  return procs.children(apachePid).filter((pid) => {
    const cmdline = procs.cmdline(pid);
    return cmdline !== undefined && test(cmdline); // undefined: gone meanwhile
  });
}

/** Every daemon process, --service-script ones included. */
const daemonPids = (procs: ProcessTable, apachePid: number) =>
  childrenWhere(procs, apachePid, (c) => c.startsWith('(wsgi:'));

/** The daemons that run the application: not --service-script ones, (wsgi:service:NAME). */
const appDaemonPids = (procs: ProcessTable, apachePid: number) =>
  childrenWhere(procs, apachePid, (c) => c.startsWith('(wsgi:') && !c.startsWith('(wsgi:service:'));

/** Sends `signal` to every daemon process; returns how many got it. */
export function signalDaemons(procs: ProcessTable, apachePid: number, signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of daemonPids(procs, apachePid)) {
    try {
      procs.kill(pid, signal);
      sent++;
    } catch {
      // exited meanwhile
    }
  }
  return sent;
}

/**
 * On a stop, Apache waits for its worker children before it tells mod_wsgi's daemon processes to
 * stop, while a worker proxying a long request waits for its daemon: a stand-off Apache ends with
 * SIGKILL some 10 s later. Stopping the daemons at once (each finishes its requests within
 * --shutdown-timeout) lets the workers go right away.
 */
export function stopDaemons(procs: ProcessTable, apachePid: number): void {
  signalDaemons(procs, apachePid, 'SIGTERM');
}

/**
 * A daemon process is serving once it has started its request threads, which mod_wsgi does after
 * Python is initialised and the application imported: one thread before that, several after.
 */
const serving = (procs: ProcessTable, pid: number) => (procs.threads(pid) ?? 0) > 1;

/**
 * Whether an Apache that has written its pid file (so its listeners are bound and mod_wsgi has
 * forked its daemons) serves: at least one child of its own (a worker, which takes connections)
 * and every application daemon serving. The restart's check of a new generation
 * (src/launch/generations.ts): an HTTP probe cannot tell, the old generation answers on the same port.
 */
export function generationServing(procs: ProcessTable, apachePid: number): boolean {
  const workers = childrenWhere(procs, apachePid, (c) => !c.startsWith('(wsgi:'));
  return workers.length > 0 && appDaemonPids(procs, apachePid).every((pid) => serving(procs, pid));
}

/** reloadApplication with its seams given, as the launcher calls it (src/launch/supervise.ts). */
export type ReloadApplication = (
  apachePid: number,
  mode: Mode,
  report: (line: string) => void,
  timeoutMs: number,
  cancelled?: () => boolean,
) => Promise<void>;

/**
 * SIGUSR2: load the application afresh without failing a request. Apache's graceful restart
 * (SIGUSR1) also restarts mod_wsgi's daemons, but it unlinks their socket while it rereads its
 * configuration and stops them with requests queued, so a loaded server answers some requests
 * with 503 or 500 (bench/restart-under-load.mjs). A daemon told SIGUSR1 itself finishes its requests
 * (--graceful-timeout) and is replaced while Apache keeps the socket open: requests wait instead of
 * failing. One daemon at a time, each once its replacement serves, so that with two or more the
 * others keep answering meanwhile. In embedded mode the application lives in Apache's children,
 * so Apache's graceful restart is the reload, and it fails no request there.
 */
export async function reloadApplication(
  { procs, clock, pause }: ProcessSeams,
  apachePid: number,
  mode: Mode,
  report: (line: string) => void,
  timeoutMs: number,
  // A stop (or Apache's exit) ends a pending reload without a word (issue 11, item 17): the
  // launcher says what happened to Apache, and a reload that cannot finish is no failure then.
  cancelled: () => boolean = () => false,
): Promise<void> {
  // --service-script processes run no application and never start request threads: left alone.
  const daemons = mode === 'daemon' ? appDaemonPids(procs, apachePid) : [];
  if (daemons.length === 0) {
    report('reloading the application: Apache restarts gracefully');
    try {
      procs.kill(apachePid, 'SIGUSR1');
    } catch {
      // Apache has just exited: the launcher is about to report that
    }
    return;
  }
  const plural = daemons.length === 1 ? ' restarts' : 'es restart';
  report(
    `reloading the application: ${daemons.length} mod_wsgi daemon process${plural} gracefully, one at a time`,
  );
  const known = new Set(daemons);
  for (const pid of daemons) {
    if (cancelled()) {
      return;
    }
    try {
      procs.kill(pid, 'SIGUSR1');
    } catch {
      continue; // exited meanwhile; Apache replaces it anyway
    }
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const fresh = appDaemonPids(procs, apachePid).find((p) => !known.has(p) && serving(procs, p));
      if (fresh !== undefined) {
        known.add(fresh);
        break;
      }
      if (cancelled() || !procs.exists(apachePid)) {
        return;
      }
      if (clock.now() > deadline) {
        report(
          `reloading the application: no new daemon process served within ${timeoutMs / 1000} s; see the error log`,
        );
        return;
      }
      await pause(RELOAD_POLL_MS);
    }
  }
  report('reloading the application: done');
}
