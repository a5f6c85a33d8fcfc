/**
 * Runs Apache in the foreground as a child and supervises it: forwards the signals Apache acts on,
 * swallows SIGWINCH (Apache's graceful-stop, sent by every terminal resize), reports readiness
 * and start-up failure, and exits with Apache's status the way a shell would.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { constants } from 'node:os';

import { reloadApplication, signalDaemons } from './daemons.js';
import type { HeldSignals } from './early-signals.js';
import { explainLoadFailure, importHangMs, watchImport } from './load-failure.js';
import { err, out } from './log.js';
import type { ServerConfig } from './resolve.js';

/** Signals passed on to Apache: INT/TERM stop it, HUP restarts, USR1 restarts gracefully. */
export const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1'] as const;
/**
 * With --graceful-stop, SIGTERM (docker stop, Kubernetes) becomes Apache's graceful stop, SIGWINCH,
 * so requests in flight finish. Ctrl-C stays a prompt stop: a person at a terminal wants out.
 */
export function signalFor(
  signal: (typeof FORWARDED)[number],
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

/** Signals the launcher absorbs. A no-op listener, unlike SIG_IGN, is not inherited by Apache. */
export const SWALLOWED = ['SIGWINCH'] as const;

/** Reloads the application without failing a request (src/daemons.ts); not passed on to Apache. */
export const RELOAD = 'SIGUSR2';

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

/**
 * Resolves true once Apache answers an HTTP request on host:port, false when stopped first.
 * `OPTIONS *` is answered by Apache's core without reaching the application, and a status line
 * (not just an accepted connection) means the server finished starting.
 */
function waitForHttp(host: string, port: number, until: () => boolean): Promise<boolean> {
  // A refused connection costs next to nothing; Apache is typically up within 50 ms.
  const POLL_MS = 10;
  return new Promise((resolve) => {
    const attempt = () => {
      if (until()) {
        resolve(false);
        return;
      }
      let answer = '';
      const socket = connect({ host, port });
      socket.setTimeout(2000);
      socket.once('connect', () => socket.write(`OPTIONS * HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.length >= 5) {
          socket.destroy();
          if (answer.startsWith('HTTP/')) {
            resolve(true);
          } else {
            setTimeout(attempt, POLL_MS);
          }
        }
      });
      const retry = () => {
        socket.destroy();
        setTimeout(attempt, POLL_MS);
      };
      socket.once('error', retry);
      socket.once('timeout', retry);
      socket.once('end', () => answer.length < 5 && retry());
    };
    attempt();
  });
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

/** Where to knock to see Apache answer: the listen address, or loopback when it listens everywhere. */
function probeHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0') {
    return '127.0.0.1';
  }
  return host === '::' ? '::1' : host;
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

/**
 * `lockFd`: the server root's lock (src/server-lock.ts), handed to apachectl and httpd as fd 9 so
 * that apachectl's own lock check passes and Apache holds the lock as long as it runs.
 */
export async function launch(config: ServerConfig, held?: HeldSignals, lockFd?: number): Promise<number> {
  const errorLog = config.log.toTerminal ? undefined : config.log.errorLog;
  const logOffset = errorLog ? sizeOf(errorLog) : 0;

  const [file, args] = withParentDeathSignal(config.paths.apachectl, ['start', '-DFOREGROUND']);
  // Loaded here, not at the top: setup-server and --help never pay for execa.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    // Its own session and process group: a terminal's Ctrl-C and resize reach only the launcher.
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

  let exited = false;
  const signalled = new Set<string>();
  const forward = (signal: NodeJS.Signals) => () => {
    if (!exited && child.pid) {
      signalled.add(signal);
      process.kill(child.pid, signal);
      if (signal === 'SIGTERM' || signal === 'SIGINT') {
        stopDaemons(child.pid);
      }
    }
  };
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const signal of FORWARDED) {
    listeners.set(signal, forward(signalFor(signal, config)));
  }
  for (const signal of SWALLOWED) {
    listeners.set(signal, () => {});
  }
  // One reload at a time; one asked for meanwhile runs after it, so that it sees the latest code.
  // Before Apache answers, a reload waits: a SIGUSR1 that reached Apache (or apachectl) before it
  // had set up its signal handlers would kill it.
  let ready = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  const reload = () => {
    if (exited || !child.pid) {
      return;
    }
    if (reloading || !ready) {
      reloadAgain = true;
      return;
    }
    reloading = reloadApplication(
      child.pid,
      config.mode,
      (line) => out(`express-wsgi: ${line}.`),
      reloadTimeoutMs(config),
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
  const readyNow = () => {
    ready = true;
    if (reloadAgain) {
      reloadAgain = false;
      reload();
    }
  };
  listeners.set(RELOAD, reload);
  for (const [signal, listener] of listeners) {
    process.on(signal, listener);
  }
  // A reload asked for while the server root was being generated runs once Apache answers.
  reloadAgain = held?.reloadRequested() ?? false;
  held?.release();
  // If the launcher dies of an uncaught error, Apache must not run on unsupervised.
  const stopOnExit = () => {
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGTERM');
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
  void waitForHttp(host, port, () => exited || (timedOut = Date.now() > deadline)).then((ready) => {
    if (ready) {
      out(`Ready: Apache is answering on ${config.url} (pid ${child.pid}). Press Ctrl-C to stop.`);
      readyNow();
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
      forward('SIGTERM')();
    }
  });

  const result = await child;
  exited = true;
  removeStalePidFile(config.paths.pidFile, child.pid);
  for (const [signal, listener] of listeners) {
    process.off(signal, listener);
  }
  process.off('exit', stopOnExit);

  // A server that never became ready has failed, whatever status its stop gave.
  const stopped = exitStatus(result.exitCode, result.signal);
  const status = timedOut && stopped === 0 ? 1 : stopped;
  // Killed from outside (OOM killer, kill -9): say so; its logs cannot explain it.
  if (result.signal && !signalled.has(result.signal)) {
    err(
      `express-wsgi: Apache (pid ${child.pid}) was killed by ${result.signal}; exiting with status ${status}.`,
    );
  } else if (status !== 0 && errorLog) {
    const lines = tailSince(errorLog, logOffset);
    if (lines.length) {
      err(`express-wsgi: Apache exited with status ${status}. The error log (${errorLog}) says:`);
      err(lines.map((l) => `  ${l}`).join('\n'));
    } else {
      err(`express-wsgi: Apache exited with status ${status}; what it said is above (its log: ${errorLog}).`);
    }
  }
  return status;
}
