/**
 * What the generated apachectl's `restart`, `graceful` and `graceful-stop` wait for (issue 17):
 * they start a new Apache beside the running one and stop the old one gracefully, as start-server
 * does for SIGHUP and SIGUSR1 (src/launch/generations.ts), in a POSIX shell, so in whole seconds.
 */
import { join } from 'node:path';

import type { Restarts, ServerConfig } from '../config.js';
import type { Options } from '../options/schema.js';

/** The old Apache's time to finish its requests on `graceful` without --graceful-stop's timeout (the launcher's too). */
const DEFAULT_DRAIN_S = 30;
/** After the drain, SIGTERM; this long later, SIGKILL to what is left of its process group. */
const STOP_BOUND_S = 10;

export function restartsOf(
  opts: Pick<Options, 'shutdownTimeout'>,
  config: Pick<ServerConfig, 'readyTimeout' | 'gracefulStop' | 'app' | 'importAtStart' | 'mode'> & {
    paths: { serverRoot: string };
    log: { toTerminal: boolean; level: string };
  },
): Restarts {
  // The handler writes its markers at level error: above it (emerg, alert, crit) none come.
  const importMarkers = !['emerg', 'alert', 'crit'].includes(config.log.level.split(/[\s]/)[0] ?? '');
  return {
    // No bound under --debugger-startup, where pdb holds the start for as long as the user debugs.
    readySeconds: Number.isFinite(config.readyTimeout) ? Math.ceil(config.readyTimeout) : 0,
    // graceful lets long requests finish as a graceful stop would; restart gives the old Apache
    // what any stopping process gets, so that a restart is over within seconds.
    gracefulDrain: config.gracefulStop?.timeout ?? DEFAULT_DRAIN_S,
    restartDrain: opts.shutdownTimeout,
    stopBound: STOP_BOUND_S,
    // Two names in turn: a new Apache's pid file must not be the running one's, which Apache would
    // take for a server already running, and which the old one removes when it exits.
    pidFiles: [1, 2].map((n) => join(config.paths.serverRoot, `.httpd.generation-${n}.pid`)) as [
      string,
      string,
    ],
    // A new Apache's daemons serve whether or not the application imported (WSGIImportScript):
    // only the error log can tell, and only when it is a file.
    importCheck: !config.app
      ? 'none'
      : !config.importAtStart
        ? 'first-request'
        : config.log.toTerminal
          ? 'terminal'
          : 'log',
    awaitImport: config.mode === 'embedded' && importMarkers,
    importMarkers,
  };
}
