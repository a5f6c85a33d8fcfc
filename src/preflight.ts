/**
 * Checks made just before start-server writes anything or starts Apache, so that the two common
 * start-up failures get a plain message instead of Apache's "could not bind" after the fact.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { UsageError } from './errors.js';
import type { ServerConfig } from './resolve.js';

/** The pid in the server root's pid file when that process is an Apache of this server root. */
export function runningApache(config: ServerConfig): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(config.paths.pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    return undefined;
  }
  try {
    // A stale pid file may name a recycled pid: it counts only if it runs this configuration.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(config.paths.httpdConf) ? pid : undefined;
  } catch {
    return undefined;
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
