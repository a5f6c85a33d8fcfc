/**
 * mod_wsgi's daemon processes, found the way `ps` would: children of the Apache parent whose
 * command line mod_wsgi rewrote to the daemon's display name, "(wsgi:…)". They are not in the
 * launcher's process group, so they are signalled one by one.
 */
import { existsSync, readFileSync } from 'node:fs';

import type { Mode } from '../config.js';

/** Children of the Apache parent whose command line passes `test`. */
function childrenWhere(apachePid: number, test: (cmdline: string) => boolean): number[] {
  let children: string[];
  try {
    children = readFileSync(`/proc/${apachePid}/task/${apachePid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean);
  } catch {
    return [];
  }
  return children.map(Number).filter((pid) => {
    try {
      return test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Every daemon process, --service-script ones included. */
const daemonPids = (apachePid: number) => childrenWhere(apachePid, (c) => c.startsWith('(wsgi:'));

/** The daemons that run the application: not --service-script ones, (wsgi:service:NAME). */
const appDaemonPids = (apachePid: number) =>
  childrenWhere(apachePid, (c) => c.startsWith('(wsgi:') && !c.startsWith('(wsgi:service:'));

/** Sends `signal` to every daemon process; returns how many got it. */
export function signalDaemons(apachePid: number, signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of daemonPids(apachePid)) {
    try {
      process.kill(pid, signal);
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
export function stopDaemons(apachePid: number): void {
  signalDaemons(apachePid, 'SIGTERM');
}

/**
 * A daemon process is serving once it has started its request threads, which mod_wsgi does after
 * Python is initialised and the application imported: one thread before that, several after.
 */
function serving(pid: number): boolean {
  try {
    const threads = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(threads?.[1] ?? 0) > 1;
  } catch {
    return false;
  }
}

/**
 * Whether an Apache that has written its pid file (so its listeners are bound and mod_wsgi has
 * forked its daemons) serves: at least one child of its own (a worker, which takes connections)
 * and every application daemon serving. The restart's check of a new generation
 * (src/launch/generations.ts): an HTTP probe cannot tell, the old generation answers on the same port.
 */
export function generationServing(apachePid: number): boolean {
  const workers = childrenWhere(apachePid, (c) => !c.startsWith('(wsgi:'));
  return workers.length > 0 && appDaemonPids(apachePid).every(serving);
}

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
  apachePid: number,
  mode: Mode,
  report: (line: string) => void,
  timeoutMs: number,
  // A stop (or Apache's exit) ends a pending reload without a word (issue 11, item 17): the
  // launcher says what happened to Apache, and a reload that cannot finish is no failure then.
  cancelled: () => boolean = () => false,
): Promise<void> {
  // --service-script processes run no application and never start request threads: left alone.
  const daemons = mode === 'daemon' ? appDaemonPids(apachePid) : [];
  if (daemons.length === 0) {
    report('reloading the application: Apache restarts gracefully');
    try {
      process.kill(apachePid, 'SIGUSR1');
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
      process.kill(pid, 'SIGUSR1');
    } catch {
      continue; // exited meanwhile; Apache replaces it anyway
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fresh = appDaemonPids(apachePid).find((p) => !known.has(p) && serving(p));
      if (fresh !== undefined) {
        known.add(fresh);
        break;
      }
      if (cancelled() || !existsSync(`/proc/${apachePid}`)) {
        return;
      }
      if (Date.now() > deadline) {
        report(
          `reloading the application: no new daemon process served within ${timeoutMs / 1000} s; see the error log`,
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  report('reloading the application: done');
}
