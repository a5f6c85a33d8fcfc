/** start-server and setup-server: flags → server root on disk → (unless setup only) a running Apache. */
import { availableParallelism } from 'node:os';
import { getgid, getuid } from 'node:process';

import { discover } from '../discovery/discovery.js';
import { systemHost } from '../discovery/host.js';
import { holdSignals } from '../launch/early-signals.js';
import { err, out } from '../log.js';
import { blamingSources, parseOptions } from '../options/parse.js';
import { checkNotRunning, checkPortFree, removeStalePidFile, runningApache } from '../launch/preflight.js';
import { render } from '../render/render.js';
import { resolve } from '../resolve/index.js';
import { lockServerRoot } from '../server-root/server-lock.js';
import { formatSummary, summaryLines } from '../render/summary.js';
import { VERSION } from '../version.js';
import { writeServerRoot } from '../server-root/write.js';

export async function serve(
  raw: Record<string, unknown>,
  setupOnly: boolean,
  argv: readonly string[],
): Promise<number> {
  // Until Apache runs, a signal to restart or reload it must not end the launcher (Node's default).
  const held = holdSignals();
  const opts = parseOptions(raw, process.env);
  const discovery = discover({
    httpdExecutable: opts.httpdExecutable,
    modulesDirectory: opts.modulesDirectory,
    modWsgiModule: opts.modWsgiModule,
    pythonHome: opts.pythonHome,
  });
  const uid = getuid?.() ?? 0;
  const config = blamingSources(opts, () =>
    resolve({ ...opts, setupOnly: setupOnly || opts.setupOnly }, discovery, {
      cwd: process.cwd(),
      uid,
      gid: getgid?.() ?? 0,
      cpus: availableParallelism(),
      argv: ['express-wsgi', ...argv],
      version: VERSION,
      host: systemHost({ env: process.env }),
    }),
  );
  // Render and check everything before writing anything, so every refusal leaves the disk as it was.
  const files = render(config);
  if (!config.setupOnly) {
    checkNotRunning(config);
    await checkPortFree(config.host, config.port);
    if (opts.httpsPort !== undefined) {
      await checkPortFree(config.host, opts.httpsPort, 'https-port');
    }
  }
  // Issue 11 items 7, 8: one start-server/setup-server per server root, locked before anything is
  // written (src/server-root/server-lock.ts); with it held, a pid file naming no Apache of ours is stale.
  const lock = lockServerRoot(
    config,
    uid,
    config.setupOnly ? 'setup-server' : 'start-server',
    () => runningApache(config) !== undefined,
  );
  try {
    writeServerRoot(config, files, uid);
  } catch (error) {
    lock?.abandon();
    throw error;
  }
  if (!config.setupOnly) {
    removeStalePidFile(config);
  }

  out(formatSummary(summaryLines(config, config.setupOnly)));
  for (const warning of config.warnings) {
    err(`express-wsgi: warning: ${warning}`);
  }
  if (config.setupOnly) {
    held.release();
    lock?.release();
    out(`\nStart it with: ${config.paths.apachectl} start   (add -DFOREGROUND to keep it in the foreground)`);
    return 0;
  }
  // Loaded only here: setup-server never pays for execa.
  const { launch } = await import('../launch/index.js');
  return launch(config, held, lock?.fd);
}
