/**
 * Runs Apache in the foreground as a child and supervises it: forwards the signals Apache acts on,
 * swallows SIGWINCH (Apache's graceful-stop, sent by every terminal resize), reports readiness
 * and start-up failure, and exits with Apache's status the way a shell would.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';

import { reloadApplication, signalDaemons } from './daemons.js';
import { type HeldSignal, type HeldSignals, STOPS } from './early-signals.js';
import { apacheErrors, diskFullReason } from './exit-reason.js';
import { killLeftovers } from './leftovers.js';
import { explainLoadFailure, importHangMs, watchImport } from './load-failure.js';
import { err, out } from '../log.js';
import { probeHost, waitForHttp } from './probe.js';
import { catches } from './proc.js';
import type { ServerConfig } from '../resolve.js';

/**
 * Signals passed on to Apache: INT/TERM stop it, HUP restarts, USR1 restarts gracefully; SIGWINCH
 * (every terminal resize; Apache's graceful stop) is swallowed.
 * With --graceful-stop, SIGTERM (docker stop, Kubernetes) becomes Apache's graceful stop, SIGWINCH,
 * so requests in flight finish. Ctrl-C stays a prompt stop: a person at a terminal wants out.
 */
export function signalFor(
  signal: (typeof STOPS)[number],
  config: Pick<ServerConfig, 'gracefulStop'>,
): NodeJS.Signals {
  return signal === 'SIGTERM' && config.gracefulStop ? 'SIGWINCH' : signal;
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

/** Reloads the application without failing a request (src/daemons.ts); not passed on to Apache. */
const RELOAD = 'SIGUSR2';

/**
 * How long replacing one daemon may take: it drains its requests (--eviction-timeout, else
 * --graceful-timeout), stops (--shutdown-timeout), and its successor starts (--startup-timeout),
 * plus a margin for importing the application.
 */
function reloadTimeoutMs(config: Pick<ServerConfig, 'daemon'>): number {
  const option = (name: string) => Number(config.daemon?.options.find(([key]) => key === name)?.[1] ?? 0);
  const drain = option('eviction-timeout') || option('graceful-timeout');
  return (drain + option('shutdown-timeout') + (option('startup-timeout') || 15) + 15) * 1000;
}

/** The shell's convention: the child's code, or 128 + N when it died of signal N. */
export function exitStatus(exitCode: number | undefined, signal: string | undefined): number {
  if (typeof exitCode === 'number') {
    return exitCode;
  }
  const number = signal ? constants.signals[signal as keyof typeof constants.signals] : undefined;
  return number ? 128 + number : 1;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What Apache wrote to a log file since `offset`: the lines that explain a failed start. */
export function tailSince(path: string, offset: number, maxLines = 20): string[] {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      const length = Math.min(size - offset, 64 * 1024);
      if (length <= 0) {
        return [];
      }
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').split('\n').filter(Boolean).slice(-maxLines);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

/**
 * util-linux setpriv sets a parent-death signal that survives the exec of apachectl and httpd:
 * if the launcher is killed outright (SIGKILL, OOM), Apache gets SIGTERM instead of running on.
 */
function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', command, ...args]] : [command, args];
}

/**
 * The app is imported when its process starts (WSGIImportScript), just after Apache answers. For
 * a few seconds, look for mod_wsgi reporting that import failed and say so plainly: with the log
 * in a file, the user would otherwise only see 500s.
 */
async function watchForLoadFailure(errorLog: string, offset: number, stopped: () => boolean): Promise<void> {
  const until = Date.now() + LOAD_WATCH_MS;
  while (Date.now() < until && !stopped()) {
    // Unreferenced: once Apache has exited, this watch must not hold the launcher's exit back.
    await new Promise((r) => setTimeout(r, 200).unref());
    const failure = explainLoadFailure(tailSince(errorLog, offset, 400));
    if (failure) {
      err(`express-wsgi: the application failed to load; requests will get errors until it is fixed:`);
      err(failure.map((l) => `  ${l}`).join('\n'));
      err(`  (full traceback in ${errorLog})`);
      return;
    }
  }
}

const LOAD_WATCH_MS = 5000;

/**
 * Apache removes its pid file on a clean stop, but not when it died or could no longer delete it
 * (debug mode as root runs as www-data by then); a stale one would only confuse the next start.
 */
function removeStalePidFile(pidFile: string, pid: number | undefined): void {
  try {
    if (pid && Number(readFileSync(pidFile, 'utf8').trim()) === pid) {
      rmSync(pidFile, { force: true });
    }
  } catch {
    // no pid file: nothing to do
  }
}

/** How often a stop is sent again until Apache has exited (issue 11, item 5). */
const STOP_RESEND_MS = 1000;
/** How often to look whether Apache has installed the handler for a restart signal it is owed. */
const HANDLER_POLL_MS = 10;

const isStop = (signal: string): signal is (typeof STOPS)[number] =>
  (STOPS as readonly string[]).includes(signal);

/**
 * `lockFd`: the server root's lock (src/server-lock.ts), handed to apachectl and httpd as fd 9 so
 * that apachectl's own lock check passes and Apache holds the lock as long as it runs.
 */
export async function launch(config: ServerConfig, held?: HeldSignals, lockFd?: number): Promise<number> {
  // A stop that came while the server root was written ends start-up here: the root is complete,
  // nothing runs, and the status is what a shell reports for a process that signal ended.
  const early = held?.take() ?? [];
  const earlyStop = early.find(isStop);
  if (earlyStop) {
    held?.release();
    return 128 + constants.signals[earlyStop];
  }

  const errorLog = config.log.toTerminal ? undefined : config.log.errorLog;
  const logOffset = errorLog ? sizeOf(errorLog) : 0;

  const [file, args] = withParentDeathSignal(config.paths.apachectl, ['start', '-DFOREGROUND']);
  // Loaded here, not at the top: setup-server and --help never pay for execa.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    // Its own session and process group: a terminal's Ctrl-C and resize reach only the launcher,
    // and the group holds every process of the server, to be taken down with it (leftovers.ts).
    detached: true,
    // The lock goes in as fd 9. execa's types name only our fds 3 to 9, but any open fd is passed
    // to child_process.spawn as it is.
    stdio:
      lockFd === undefined
        ? 'inherit'
        : ['inherit', 'inherit', 'inherit', ...Array<'ignore'>(6).fill('ignore'), lockFd as 9],
    reject: false,
    // We forward signals ourselves; execa's SIGKILL escalation would cut a graceful stop short.
    forceKillAfterDelay: false,
    cleanup: false,
  });
  const pid = child.pid;

  let exited = false;
  let ready = false;
  const signalled = new Set<string>();
  const send = (signal: NodeJS.Signals) => {
    if (!exited && pid) {
      signalled.add(signal);
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile: the launcher is about to report it
      }
    }
  };

  // A stop is sent at once (before Apache has its handlers it simply ends it) and again every
  // second until Apache has exited: Apache drops one that comes while it rereads its configuration
  // in a restart (issue 11, item 5). A repeat is harmless, Apache ignores a stop already under way.
  let stopping: NodeJS.Signals | undefined;
  let stopBeforeReady: (typeof STOPS)[number] | undefined;
  let resend: NodeJS.Timeout | undefined;
  const stop = (signal: (typeof STOPS)[number], asked = true) => {
    const sent = signalFor(signal, config);
    // A prompt stop (Ctrl-C) overrides a graceful one under way, never the other way round.
    if (stopping && stopping !== 'SIGWINCH') {
      return;
    }
    if (asked && !ready) {
      stopBeforeReady ??= signal;
    }
    stopping = sent;
    owed.clear();
    const deliver = () => {
      send(sent);
      if (sent !== 'SIGWINCH' && pid && !exited) {
        stopDaemons(pid);
      }
    };
    deliver();
    clearInterval(resend);
    resend = setInterval(deliver, STOP_RESEND_MS);
  };

  // HUP and USR1 (restarts) before Apache has installed its handlers would kill it (issue 11,
  // item 6): each is owed until Apache catches it, then sent once. One that came before Apache ran
  // is applied too, not dropped: Apache may have read its configuration (or opened its logs, for
  // logrotate) before the change the signal announces.
  const owed = new Set<NodeJS.Signals>();
  let owedPoll: NodeJS.Timeout | undefined;
  const payOwed = () => {
    for (const signal of owed) {
      if (pid && catches(pid, signal)) {
        owed.delete(signal);
        send(signal);
      }
    }
    if (owed.size === 0) {
      clearInterval(owedPoll);
      owedPoll = undefined;
    }
  };
  const restart = (signal: NodeJS.Signals) => {
    if (exited || stopping) {
      return;
    }
    owed.add(signal);
    payOwed();
    if (owed.size > 0 && !owedPoll) {
      owedPoll = setInterval(payOwed, HANDLER_POLL_MS);
    }
  };

  // One reload at a time; one asked for meanwhile runs after it, so that it sees the latest code.
  // Before Apache answers, a reload waits: a SIGUSR1 that reached Apache (or apachectl) before it
  // had set up its signal handlers would kill it. A stop cancels a pending reload (item 17).
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  const reload = () => {
    if (exited || stopping || !pid) {
      return;
    }
    if (reloading || !ready) {
      reloadAgain = true;
      return;
    }
    reloading = reloadApplication(
      pid,
      config.mode,
      (line) => out(`express-wsgi: ${line}.`),
      reloadTimeoutMs(config),
      () => exited || stopping !== undefined,
    )
      .catch((error: unknown) => err(`express-wsgi: reloading the application failed: ${String(error)}`))
      .finally(() => {
        reloading = undefined;
        if (reloadAgain) {
          reloadAgain = false;
          reload();
        }
      });
  };

  const listeners = new Map<HeldSignal, () => void>([
    ['SIGINT', () => stop('SIGINT')],
    ['SIGTERM', () => stop('SIGTERM')],
    ['SIGHUP', () => restart('SIGHUP')],
    ['SIGUSR1', () => restart('SIGUSR1')],
    [RELOAD, reload],
    // Swallowed: a no-op listener, unlike SIG_IGN, is not inherited by Apache.
    ['SIGWINCH', () => {}],
  ]);
  for (const [signal, listener] of listeners) {
    process.on(signal, listener);
  }
  held?.release();
  // What came while the server root was written, applied as if it came now.
  for (const signal of early) {
    listeners.get(signal)?.();
  }
  // If the launcher dies of an uncaught error, Apache must not run on unsupervised.
  const stopOnExit = () => {
    if (!exited && pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', stopOnExit);

  const host = probeHost(config.host);
  const port = config.port;
  const deadline = Date.now() + config.readyTimeout * 1000;
  let timedOut = false;
  void waitForHttp(host, port, () => exited || (timedOut = Date.now() > deadline)).then((answered) => {
    if (answered && !stopping) {
      out(`Ready: Apache is answering on ${config.url} (pid ${pid}). Press Ctrl-C to stop.`);
      ready = true;
      if (reloadAgain) {
        reloadAgain = false;
        reload();
      }
      if (errorLog && config.app) {
        void watchForLoadFailure(errorLog, logOffset, () => exited);
        // Issue 11 item 9: an import that hangs, dies or calls sys.exit() (src/load-failure.ts).
        void watchImport(
          errorLog,
          logOffset,
          () => exited,
          importHangMs(config),
          (lines) => err(lines.join('\n')),
        );
      }
    } else if (timedOut && !exited) {
      err(
        `express-wsgi: Apache did not answer on ${host}:${port} within ${config.readyTimeout} s (--ready-timeout); stopping it.`,
      );
      stop('SIGTERM', false);
    }
  });

  const result = await child;
  exited = true;
  clearInterval(resend);
  clearInterval(owedPoll);
  removeStalePidFile(config.paths.pidFile, pid);
  // Whatever of the server outlived its parent goes now (issue 11, item 4); signals meanwhile are
  // still taken by the listeners above, so none ends the launcher before that is done.
  const leftovers = pid
    ? await killLeftovers(pid, config.paths.serverRoot, new Set([process.getuid?.() ?? 0, config.user.id]))
    : [];
  for (const [signal, listener] of listeners) {
    process.off(signal, listener);
  }
  process.off('exit', stopOnExit);

  const status = statusOf(result, { timedOut, stopBeforeReady });
  // Killed from outside (OOM killer, kill -9): say so; its logs cannot explain it.
  if (result.signal && !signalled.has(result.signal)) {
    err(`express-wsgi: Apache (pid ${pid}) was killed by ${result.signal}; exiting with status ${status}.`);
  } else if (status !== 0 && !stopping) {
    explainExit(status, config, errorLog, logOffset);
  }
  if (leftovers.length) {
    const count = leftovers.length === 1 ? '1 process' : `${leftovers.length} processes`;
    err(`express-wsgi: killed ${count} of the server that outlived Apache (pid ${leftovers.join(', ')}).`);
  }
  return status;
}

/**
 * The launcher's status: Apache's, as a shell reports it; 1 for a server that never became ready,
 * whatever status its stop gave; and 128+N for start-up stopped by signal N before Apache
 * answered, whether Apache had its handlers yet (and exited 0) or not (and died of the signal).
 */
function statusOf(
  result: { exitCode?: number; signal?: string },
  how: { timedOut: boolean; stopBeforeReady?: (typeof STOPS)[number] },
): number {
  if (how.stopBeforeReady) {
    return 128 + constants.signals[how.stopBeforeReady];
  }
  const stopped = exitStatus(result.exitCode, result.signal);
  return how.timedOut && stopped === 0 ? 1 : stopped;
}

function explainExit(
  status: number,
  config: ServerConfig,
  errorLog: string | undefined,
  logOffset: number,
): void {
  const disk = diskFullReason(apacheErrors(errorLog ? tailSince(errorLog, logOffset, 1000) : []), [
    config.paths.serverRoot,
    ...(errorLog ? [dirname(errorLog)] : []),
  ]);
  if (disk) {
    err(`express-wsgi: Apache exited with status ${status}: ${disk}`);
  }
  if (!errorLog) {
    return;
  }
  const lines = tailSince(errorLog, logOffset);
  if (lines.length) {
    err(`express-wsgi: Apache exited with status ${status}. The error log (${errorLog}) says:`);
    err(lines.map((l) => `  ${l}`).join('\n'));
  } else {
    err(`express-wsgi: Apache exited with status ${status}; what it said is above (its log: ${errorLog}).`);
  }
}
