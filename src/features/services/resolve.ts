/**
 * Feature 'services': service scripts (long-running Python sidecars, each in a daemon process of
 * its own that serves no requests), mod_wsgi 6 telemetry, the documentation at /__wsgi__/docs,
 * and the debugging tools (debug mode, pdb, coverage, profiler, request recorder, gdb).
 *
 * Where the results go:
 * - Service daemons and their WSGIImportScript lines: the "wsgi" hook of templates/features/services.hbs.
 *   A service with its own log file sits in a <VirtualHost> on an address Apache never listens
 *   on: mod_wsgi gives a daemon the error log of the server it is defined in, and such a host
 *   never takes a request from the main server (mod_wsgi-express uses *:PORT, which captures every
 *   request on the port and sends the app's errors to the service's log).
 * - Debug mode (--debug-mode, implied by each --enable-* debugging option): the core resolver
 *   (src/resolve/debug-mode.ts, debugModeOf) runs the app embedded with one process and one thread on the
 *   worker or prefork MPM; here come `Define ONE_PROCESS` (Apache serves from a single process)
 *   and `WSGIRestrictStdin Off`, and the Python that wraps the app, printed into handler.wsgi by
 *   the "handler" hook. gdb changes how apachectl starts httpd (templates/apachectl.hbs).
 * - Telemetry (mod_wsgi >= 6.0 only; every option is gated): server-wide directives at the
 *   "server" hook; --enable-telemetry adds the ingester as a service script.
 */
import { join } from 'node:path';

import type { ExtraDirectory, ExtraFile, FeatureInput } from '../../config.js';
import { UsageError } from '../../errors.js';
import { isDirectory, othersCanList } from '../../resolve/files.js';
import { debugOf } from './debug.js';
import { servicesOf } from './scripts.js';
import { telemetryOf } from './telemetry.js';
import type { ServicesResult } from './types.js';

const DOCS_URL = '/__wsgi__/docs';

function docsOf(input: FeatureInput, warnings: string[]): ServicesResult['docs'] {
  if (!input.opts.enableDocs) {
    return undefined;
  }
  const directory = input.ctx.host.docsDirectory;
  if (!isDirectory(input.ctx.host, directory)) {
    throw new UsageError(
      `--enable-docs: this installation of express-wsgi has no documentation directory (${directory}); ` +
        'read README.md and docs/options.md in its source repository instead.',
    );
  }
  if (input.core.startedAsRoot && !othersCanList(input.ctx.host, directory)) {
    warnings.push(
      `${directory} may not be readable by ${input.core.user.name}, the account Apache serves as; ${DOCS_URL} will answer 403.`,
    );
  }
  return { url: DOCS_URL, directory };
}

export function resolve(input: FeatureInput): ServicesResult {
  const { core } = input;
  const warnings: string[] = [];
  const directories: ExtraDirectory[] = [];
  const files: ExtraFile[] = [];
  const summary: [string, string][] = [];
  const modules: string[] = [];

  const { debug, gdb } = debugOf(input, warnings, directories);
  const {
    telemetry,
    service: telemetryService,
    directory: telemetryDirectory,
  } = telemetryOf(input, warnings);
  if (telemetryDirectory) {
    directories.push(telemetryDirectory);
  }
  const services = servicesOf(input, telemetryService ? [telemetryService] : [], warnings);
  const docs = docsOf(input, warnings);

  if (debug) {
    summary.push([
      'Debug Mode',
      `one Apache process with one thread (${core.mpm.mpm} MPM), application embedded, no reloading`,
    ]);
    if (debug.debugger) {
      summary.push(['Debugger', `pdb on this terminal${debug.debuggerStartup ? ', from start-up' : ''}`]);
    }
    if (debug.coverageDirectory) {
      summary.push(['Coverage Output', join(debug.coverageDirectory, 'index.html')]);
    }
    if (debug.profilerDirectory) {
      summary.push(['Profiler Output', debug.profilerDirectory]);
    }
    if (debug.recorderDirectory) {
      summary.push(['Recorder Output', debug.recorderDirectory]);
    }
    if (gdb) {
      summary.push(['Debugger (gdb)', `${gdb.executable} -x ${gdb.commands}`]);
      files.push({ path: gdb.commands, template: 'services-gdb.cmds', mode: 0o644 });
    }
    if (services.length) {
      warnings.push(
        'In debug mode mod_wsgi starts each service script once and does not restart it if it exits.',
      );
    }
  }
  for (const s of services) {
    summary.push([
      `Service ${s.name}`,
      `${s.script}, process (wsgi:${s.group})${s.logFile ? `, log ${s.logFile}` : ''}`,
    ]);
  }
  if (telemetry) {
    summary.push(['Telemetry', `${telemetry.target} (${telemetry.interval})`]);
    if (telemetry.ingester) {
      summary.push(['Telemetry UI', `http://127.0.0.1:${input.opts.telemetryUiPort}/`]);
      files.push({ path: telemetry.ingester.script, template: 'services-telemetry.py', mode: 0o644 });
    }
  }
  if (docs) {
    modules.push('autoindex');
    summary.push(['Documentation', `${core.url.replace(/\/$/, '')}${docs.url}/`]);
  }

  return {
    services,
    socketPrefix: services.length && !core.app ? core.paths.socketPrefix : undefined,
    debug,
    gdb,
    telemetry,
    docs,
    modules,
    appExclusions: docs ? [docs.url] : [],
    summary,
    files,
    directories,
    warnings,
  };
}
