/**
 * The mod_wsgi daemon process group of the app (daemon mode only): its name (--process-group, an
 * option of the logs feature), its size and its Python environment. The daemon feature adds its
 * tuning (src/features/daemon/resolve.ts).
 */
import type { Context, CoreConfig } from '../config.js';
import type { Options } from '../options/schema.js';

/** The daemon process group's name: --process-group, else HOST:PORT. */
export const daemonNameOf = (opts: Options, host: string) => opts.processGroup ?? `${host}:${opts.port}`;

export interface DaemonInput {
  readonly name: string;
  readonly processes: number;
  readonly threads: number;
  readonly workingDirectory: string;
  readonly pythonHome: string | undefined;
  readonly pythonPath: readonly string[];
  readonly locale: string;
  readonly maxClients: number;
}

export function daemonOf(opts: Options, ctx: Pick<Context, 'uid'>, d: DaemonInput): CoreConfig['daemon'] {
  return {
    name: d.name,
    options: [
      ...(opts.processes !== undefined ? ([['processes', d.processes]] as const) : []),
      ['threads', d.threads],
      ['display-name', opts.processGroup ? `(wsgi:${d.name})` : `(wsgi:${d.name}:${ctx.uid})`],
      ['home', d.workingDirectory],
      ...(d.pythonHome ? ([['python-home', d.pythonHome]] as const) : []),
      ...(d.pythonPath.length ? ([['python-path', d.pythonPath.join(':')]] as const) : []),
      ['lang', d.locale],
      ['locale', d.locale],
      ['maximum-requests', opts.maximumRequests],
      ['socket-timeout', opts.socketTimeout],
      ['queue-timeout', opts.queueTimeout],
      ['request-timeout', opts.requestTimeout],
      // These five are options of the daemon feature (src/features/daemon/), kept in place here.
      ['connect-timeout', opts.connectTimeout],
      ['startup-timeout', opts.startupTimeout],
      ['deadlock-timeout', opts.deadlockTimeout],
      ['graceful-timeout', opts.gracefulTimeout],
      ['shutdown-timeout', opts.shutdownTimeout],
      // Room for every Apache thread: a full backlog makes mod_wsgi retry connecting with
      // growing sleeps, which turned into multi-second waits at 256 connections.
      ['listen-backlog', opts.daemonBacklog ?? Math.max(100, d.maxClients)],
    ] as (readonly [string, string | number])[],
  };
}
