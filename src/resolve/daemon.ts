/**
 * The mod_wsgi daemon process group of the app (daemon mode only): its name (--process-group, an
 * option of the logs feature), its size and its Python environment. The daemon feature adds its
 * tuning (src/features/daemon/resolve.ts), the logs feature the interpreter's set-up.
 */
import type { Context, CoreDaemon } from '../config.js';
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
}

export function daemonOf(opts: Options, ctx: Pick<Context, 'uid'>, d: DaemonInput): CoreDaemon {
  return {
    name: d.name,
    processes: opts.processes !== undefined ? d.processes : null,
    threads: d.threads,
    displayName: opts.processGroup ? `(wsgi:${d.name})` : `(wsgi:${d.name}:${ctx.uid})`,
    home: d.workingDirectory,
    pythonHome: d.pythonHome ?? null,
    pythonPath: d.pythonPath.length ? d.pythonPath.join(':') : null,
    lang: d.locale,
    locale: d.locale,
    maximumRequests: opts.maximumRequests,
    socketTimeout: opts.socketTimeout,
    queueTimeout: opts.queueTimeout,
    requestTimeout: opts.requestTimeout,
    shutdownTimeout: opts.shutdownTimeout,
  };
}
