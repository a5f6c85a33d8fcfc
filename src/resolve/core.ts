/**
 * The core resolver: options + what discovery found → CoreConfig, every decision about the
 * generated server that is no feature's (paths, mode, MPM, capacity, accounts, logs, modules),
 * each made in its own module here. Features decide the rest (src/features/), given this.
 */
import type { Context, CoreConfig, Discovery } from '../config.js';
import { UsageError } from '../errors.js';
import type { Options } from '../options/schema.js';
import { accountsOf } from './accounts.js';
import { appCheckOf } from './app-check.js';
import {
  appOf,
  appPathsOutside,
  applicationGroupOf,
  localeOf,
  pythonHomeOf,
  pythonPathsOf,
  servedOf,
} from './application.js';
import { capacityOf } from './capacity.js';
import { daemonNameOf, daemonOf } from './daemon.js';
import { debugModeOf } from './debug-mode.js';
import { existingFile, othersCanReach } from './files.js';
import { listenerOf, requestReadTimeout } from './http.js';
import { logOf } from './logs.js';
import { coreModules, modWsgiModuleOf } from './modules.js';
import { aliasesOf, pathsOf, serverRootOf } from './paths.js';
import { shellOf } from './shell.js';

export function resolveCore(
  opts: Options,
  discovery: Discovery,
  ctx: Context,
): CoreConfig & { wantedModules: string[] } {
  const warnings: string[] = [];
  const host = opts.host ?? 'localhost';
  const serverRoot = serverRootOf(opts, host, ctx);
  const startedAsRoot = ctx.uid === 0;
  const accounts = accountsOf(opts, ctx);
  warnings.push(...accounts.warnings);

  const debug = debugModeOf(opts);
  const served = servedOf(opts, debug, ctx);
  const { mode } = served;
  const paths = pathsOf(opts, ctx, serverRoot, served);

  if (opts.logToTerminal && opts.logDirectory) {
    throw new UsageError('--log-to-terminal and --log-directory both say where logs go; give one of them.');
  }
  if (opts.reloadOnChanges && mode !== 'daemon') {
    throw new UsageError(
      `--reload-on-changes needs daemon mode; it cannot be combined with ${debug ? 'debug mode (--debug-mode or an --enable-* debugging option)' : '--embedded-mode'}.`,
    );
  }

  const { workingDirectory, pythonPath } = pythonPathsOf(opts, ctx, served, serverRoot);
  const pythonHome = pythonHomeOf(opts, ctx, discovery);
  const locale = localeOf(opts, ctx.host.env);
  const { mpm, processes, threads } = capacityOf(opts, mode, debug, ctx, discovery, warnings);
  const wanted = coreModules(opts);
  const daemonName = daemonNameOf(opts, host);
  const daemon =
    mode === 'daemon'
      ? daemonOf(opts, ctx, {
          name: daemonName,
          processes,
          threads,
          workingDirectory,
          pythonHome,
          pythonPath,
          locale,
        })
      : undefined;
  const app = appOf(opts, served, paths.welcome);
  const appCheck = app
    ? appCheckOf(ctx.host, discovery, { home: pythonHome, path: pythonPath }, mode, {
        process: daemonName,
        application: opts.applicationGroup,
      })
    : undefined;
  const log = logOf(opts, paths.logDirectory, ctx, discovery);

  const envvarsScript = opts.envvarsScript
    ? existingFile(ctx, 'envvars-script', opts.envvarsScript)
    : undefined;
  const includeFiles = opts.includeFile.map((f) => existingFile(ctx, 'include-file', f));

  if (startedAsRoot && mode !== 'static') {
    // Started as root, the app runs as an unprivileged account that cannot see into e.g. /root.
    for (const path of appPathsOutside(served, workingDirectory)) {
      if (path && path !== serverRoot && !othersCanReach(ctx.host, path)) {
        warnings.push(
          `${path} (or a directory above it) may not be readable by ${accounts.user.name}, the account the application runs as; ` +
            'requests will fail if it is not. Move the application, or give --user.',
        );
      }
    }
  }

  return {
    version: ctx.version,
    argv: ctx.argv,
    mode,
    paths,
    httpd: discovery.httpd,
    shell: shellOf(opts, ctx),
    modWsgiVersion: discovery.modWsgi.version.join('.'),
    modWsgiModule: modWsgiModuleOf(discovery, pythonHome),
    modules: [],
    wantedModules: wanted,
    mpm,
    ...listenerOf(opts),
    host: opts.host,
    port: opts.port,
    user: accounts.user,
    group: accounts.group,
    startedAsRoot,
    workingDirectory,
    locale,
    pythonHome,
    pythonPath,
    daemon,
    processGroup: mode === 'daemon' ? daemonName : '%{GLOBAL}',
    ...applicationGroupOf(opts),
    capacity: { processes, threads },
    app,
    appCheck,
    directoryIndex: opts.directoryIndex,
    directoryListing: opts.directoryListing,
    aliases: aliasesOf(opts, ctx),
    compressResponses: opts.compressResponses,
    log,
    timeouts: {
      socket: opts.socketTimeout,
      keepAlive: opts.keepAliveTimeout,
      requestRead: requestReadTimeout(opts),
      limitRequestBody: opts.limitRequestBody,
    },
    chunkedRequest: opts.chunkedRequest,
    socketRotation: discovery.modWsgi.directives.has('WSGISocketRotation'),
    setenv: opts.setenv,
    passenv: opts.passenv,
    includeFiles,
    envvarsScript,
    readyTimeout: opts.readyTimeout,
    gracefulStop: opts.gracefulStop ? { timeout: opts.shutdownTimeout } : undefined,
    setupOnly: opts.setupOnly,
    appExclusions: [],
    warnings,
  };
}
