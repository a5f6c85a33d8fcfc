/**
 * Checks made just before start-server writes anything or starts Apache, so that the two common
 * start-up failures get a plain message instead of Apache's "could not bind" after the fact.
 */
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

import { UsageError } from '../errors.js';
import type { ServerConfig } from '../config.js';

/**
 * Whether `pid` is an Apache (or one of its processes) of this server root: its command line has the
 * exact arguments `-d ROOT` (mod_wsgi daemons rename argv[0] but keep them), and, where we may read
 * it, its executable is the httpd binary. A pid file can name a recycled pid (containers reuse small
 * ones): Apache's own check of the pid file would then report "already running" and start nothing.
 */
export function isApacheOf(pid: number, config: Pick<ServerConfig, 'paths' | 'httpd'>): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  if (!args.some((arg, i) => arg === '-d' && args[i + 1] === config.paths.serverRoot)) {
    return false;
  }
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return true; // another user's process (Apache started as root): its command line must do
  }
  // Under --enable-gdb the pid file still names httpd itself, gdb's child.
  return exe === realpathOr(config.httpd);
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function pidInFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid in the server root's pid file when that process is an Apache of this server root. */
export function runningApache(config: Pick<ServerConfig, 'paths' | 'httpd'>): number | undefined {
  const pid = pidInFile(config.paths.pidFile);
  return pid !== undefined && isApacheOf(pid, config) ? pid : undefined;
}

/**
 * Removes a pid file that names no Apache of this server root, so that Apache's own check of it
 * cannot mistake an unrelated process for itself. Called with the server root's lock held, when
 * no start of this root can be under way.
 */
export function removeStalePidFile(config: Pick<ServerConfig, 'paths' | 'httpd'>): void {
  if (existsSync(config.paths.pidFile) && runningApache(config) === undefined) {
    rmSync(config.paths.pidFile, { force: true });
  }
}

export function checkNotRunning(config: ServerConfig): void {
  const pid = runningApache(config);
  if (pid) {
    throw new UsageError(
      `an Apache of this server root is already running (pid ${pid}); stop it with ${config.paths.apachectl} stop, ` +
        'or give another --port or --server-root.',
    );
  }
}

/** Binds the address for a moment, as Apache is about to. */
export function checkPortFree(host: string | undefined, port: number, option = 'port'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host ?? '*'}:${port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new UsageError(
            `--${option}: ${port} is already in use on ${where}; stop what listens there or give another --${option}.`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new UsageError(
            `--${option}: ${port} needs root to listen on (ports below 1024 are privileged); give a port of 1024 or above.`,
          ),
        );
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(new UsageError(`--host: ${JSON.stringify(host)} is not an address of this machine.`));
      } else {
        reject(new UsageError(`--${option}: cannot listen on ${where}: ${error.message}`));
      }
    });
    server.listen({ host: host?.replace(/^\[|\]$/g, ''), port, exclusive: true }, () =>
      server.close(() => resolve()),
    );
  });
}
