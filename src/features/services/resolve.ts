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
 *   (src/resolve.ts, debugModeOf) runs the app embedded with one process and one thread on the
 *   worker or prefork MPM; here come `Define ONE_PROCESS` (Apache serves from a single process)
 *   and `WSGIRestrictStdin Off`, and the Python that wraps the app, printed into handler.wsgi by
 *   the "handler" hook. gdb changes how apachectl starts httpd (templates/apachectl.hbs).
 * - Telemetry (mod_wsgi >= 6.0 only; every option is gated): server-wide directives at the
 *   "server" hook; --enable-telemetry adds the ingester as a service script.
 */
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';

import type { Account, CoreConfig, ExtraDirectory, ExtraFile, FeatureInput, Host } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import { debugModeOf } from '../../resolve/debug-mode.js';
import { existingFile, isDirectory, isFile, othersCanList } from '../../resolve/files.js';
import { findProgram } from '../../resolve/programs.js';
import { rotatedLog } from '../../resolve/rotation.js';
import type { DebugTools, Gdb, Service, ServicesResult, Telemetry } from './types.js';

const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The Python the application runs on: the --python-home environment's, else mod_wsgi's own. */
function appPython({ core, discovery, ctx }: FeatureInput): string | undefined {
  if (core.pythonHome) {
    const inHome = ['python3', 'python'].map((n) => join(core.pythonHome as string, 'bin', n));
    const found = inHome.find((p) => isFile(ctx.host, p));
    if (found) {
      return found;
    }
  }
  return discovery.python;
}

/** Refuses an option whose Python package the app's interpreter cannot import. */
function requirePackage(
  option: string,
  module: string,
  pkg: string,
  debianPackage: string | undefined,
  input: FeatureInput,
): void {
  const python = appPython(input);
  if (!python) {
    throw new UsageError(
      `--${option} needs the ${pkg} package, and the Python of mod_wsgi (${input.discovery.modWsgi.pythonVersion ?? 'unknown version'}) was not found to check for it.`,
    );
  }
  if (!input.ctx.host.canImport(python, module, input.core.pythonPath)) {
    const hint =
      debianPackage && !input.core.pythonHome
        ? `apt-get install ${debianPackage} (or: ${python} -m pip install ${pkg})`
        : `${python} -m pip install ${pkg}`;
    throw new UsageError(
      `--${option} needs the ${pkg} package, which ${python} (the application's Python) cannot import. Install it: ${hint}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

interface ServiceSpec {
  readonly name: string;
  readonly script: string;
}

/** The pairs of a --service-* option as a map, each NAME checked against the declared services. */
function perService(
  option: string,
  values: readonly (readonly [string, string])[],
  names: ReadonlySet<string>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of values) {
    if (!names.has(name)) {
      throw badValue(
        option,
        name,
        `the NAME of a --service-script (${names.size ? [...names].join(', ') : 'none is given'})`,
      );
    }
    if (out.has(name)) {
      throw badValue(option, name, 'each service named once');
    }
    out.set(name, value);
  }
  return out;
}

/** Port of the never-used virtual host: one Apache does not listen on. */
const unusedPort = (core: CoreConfig) => (core.port === 1 ? 2 : 1);

function servicesOf(input: FeatureInput, extra: readonly ServiceSpec[], warnings: string[]): Service[] {
  const { opts, ctx, core } = input;
  const specs: ServiceSpec[] = [];
  for (const [name, script] of opts.serviceScript) {
    if (!SERVICE_NAME.test(name)) {
      throw badValue(
        'service-script',
        name,
        'a service NAME of letters, digits, _, . and - (then the script path)',
      );
    }
    if (specs.some((s) => s.name === name) || extra.some((s) => s.name === name)) {
      const why = extra.some((s) => s.name === name)
        ? `a NAME other than ${name}: --enable-telemetry runs a service of that name`
        : 'each service NAME once';
      throw badValue('service-script', name, why);
    }
    specs.push({ name, script: existingFile(ctx, 'service-script', script) });
  }
  specs.push(...extra);
  const names = new Set(specs.map((s) => s.name));
  const users = perService('service-user', opts.serviceUser, names);
  const groups = perService('service-group', opts.serviceGroup, names);
  const logs = perService('service-log-file', opts.serviceLogFile, names);
  if ((users.size || groups.size) && !core.startedAsRoot) {
    warnings.push(
      '--service-user and --service-group only take effect when express-wsgi is started as root.',
    );
  }
  const account = (option: string, value: string, look: (v: string) => Account | undefined): Account => {
    const found = look(value);
    if (!found) {
      throw badValue(
        option,
        value,
        `an existing ${option === 'service-user' ? 'account name or #uid' : 'group name or #gid'}`,
      );
    }
    return found;
  };

  return specs.map((spec): Service => {
    const user = users.has(spec.name)
      ? account('service-user', users.get(spec.name) as string, (v) => ctx.host.accounts.user(v))
      : undefined;
    if (user && user.id === 0) {
      throw badValue(
        'service-user',
        user.name,
        'an unprivileged account: mod_wsgi refuses to run a daemon process as root',
      );
    }
    const group = groups.has(spec.name)
      ? account('service-group', groups.get(spec.name) as string, (v) => ctx.host.accounts.group(v))
      : undefined;
    // As for --group: group root would let the service read and write whatever root's group may.
    if (group && group.id === 0) {
      throw badValue(
        'service-group',
        group.name,
        'an unprivileged group: a service must not run with group root (gid 0)',
      );
    }
    const logFile = logs.has(spec.name)
      ? serviceLogFile(logs.get(spec.name) as string, core, ctx.host)
      : undefined;
    const rotation = core.log.rotation;
    const options: [string, string | number][] = [['display-name', '%{GROUP}']];
    if (core.startedAsRoot && user) {
      options.push(['user', user.name]);
    }
    if (core.startedAsRoot && group) {
      options.push(['group', group.name]);
    }
    options.push(['home', core.workingDirectory], ['threads', 0]);
    if (core.pythonHome) {
      options.push(['python-home', core.pythonHome]);
    }
    if (core.pythonPath.length) {
      options.push(['python-path', core.pythonPath.join(':')]);
    }
    options.push(['lang', core.locale], ['locale', core.locale]);
    return {
      name: spec.name,
      group: `service:${spec.name}`,
      script: spec.script,
      options,
      logFile,
      logTarget: logFile && rotation ? rotatedLog(rotation, logFile) : logFile,
      vhost: logFile ? `127.0.0.1:${unusedPort(core)}` : undefined,
    };
  });
}

function serviceLogFile(value: string, core: CoreConfig, host: Host): string {
  const path = isAbsolute(value) ? value : join(core.paths.logDirectory, value);
  // The server root (the default log directory) is created when the files are written.
  if (dirname(path) !== core.paths.serverRoot && !isDirectory(host, dirname(path))) {
    throw badValue(
      'service-log-file',
      value,
      `a file in an existing directory (${dirname(path)} does not exist)`,
    );
  }
  if (value.endsWith('/') || isDirectory(host, path)) {
    throw badValue('service-log-file', value, 'a file name (it is a directory)');
  }
  if ([core.log.errorLog, core.log.accessLog?.file].includes(path)) {
    throw badValue('service-log-file', value, 'a file other than the main error and access logs');
  }
  return path;
}

// ---------------------------------------------------------------------------------------------

function telemetryOf(
  input: FeatureInput,
  warnings: string[],
): { telemetry: Telemetry | undefined; service: ServiceSpec | undefined } {
  const { opts, ctx, core } = input;
  if (opts.enableTelemetry && opts.telemetryService) {
    throw new UsageError(
      '--enable-telemetry and --telemetry-service both say where telemetry goes: --enable-telemetry runs its own ingester; give one of them.',
    );
  }
  let target: string | undefined;
  let ingester: Telemetry['ingester'];
  if (opts.telemetryService) {
    const m = /^unix:(.+)$/.exec(opts.telemetryService);
    if (!m) {
      throw badValue(
        'telemetry-service',
        opts.telemetryService,
        "unix:/path/of/the/ingester.sock (mod_wsgi no longer sends to remote 'udp:' targets)",
      );
    }
    const socket = resolvePath(ctx.cwd, m[1] as string);
    if (!isDirectory(ctx.host, dirname(socket))) {
      throw badValue(
        'telemetry-service',
        opts.telemetryService,
        `a socket in an existing directory (${dirname(socket)} does not exist)`,
      );
    }
    target = `unix:${socket}`;
  } else if (opts.enableTelemetry) {
    requirePackage('enable-telemetry', 'mod_wsgi.telemetry.server', 'mod_wsgi-telemetry', undefined, input);
    const socket = join(core.paths.serverRoot, 'telemetry.sock');
    target = `unix:${socket}`;
    ingester = {
      script: join(core.paths.serverRoot, 'telemetry-service.py'),
      argv: [
        'mod_wsgi-telemetry',
        '--listen',
        target,
        '--http-host',
        '127.0.0.1',
        '--http-port',
        String(opts.telemetryUiPort),
      ],
    };
  }
  if (!target) {
    if (opts.slowRequests !== undefined) {
      throw new UsageError(
        '--slow-requests needs a telemetry target: give --telemetry-service or --enable-telemetry.',
      );
    }
    for (const [given, option] of [
      [opts.telemetryOptions.length > 0, 'telemetry-options'],
      [opts.telemetryInterval !== 1, 'telemetry-interval'],
      [opts.telemetryUiPort !== 8888, 'telemetry-ui-port'],
    ] as const) {
      if (given) {
        warnings.push(`--${option} has no effect without --telemetry-service or --enable-telemetry.`);
      }
    }
    return { telemetry: undefined, service: undefined };
  }
  if (!ingester && opts.telemetryUiPort !== 8888) {
    warnings.push('--telemetry-ui-port only applies to the ingester --enable-telemetry runs.');
  }
  return {
    telemetry: {
      target,
      interval: `interval=${opts.telemetryInterval}`,
      slowRequests: opts.slowRequests === undefined ? undefined : String(opts.slowRequests),
      options: opts.telemetryOptions.map((v) => v.trim().split(/\s+/)),
      ingester,
    },
    service: ingester && { name: 'telemetry', script: ingester.script },
  };
}

// ---------------------------------------------------------------------------------------------

/** A directory the debugging tools write to: created (and given to the app's account) if missing. */
function outputDirectory(
  option: string,
  given: string | undefined,
  fallback: string,
  input: FeatureInput,
  warnings: string[],
): string {
  if (given === undefined) {
    return fallback;
  }
  const path = resolvePath(input.ctx.cwd, given);
  const { host } = input.ctx;
  const st = host.stat(path);
  if (st && st.kind !== 'directory') {
    throw badValue(option, given, 'a directory (it is a file)');
  }
  if (!st && !isDirectory(host, dirname(path))) {
    throw badValue(option, given, `a directory whose parent exists (${dirname(path)} does not)`);
  }
  const { core } = input;
  if (st && core.startedAsRoot && st.uid !== core.user.id && !(st.mode & 0o002)) {
    warnings.push(
      `${path} (--${option}) may not be writable by ${core.user.name}, the account the application runs as.`,
    );
  }
  return path;
}

function debugOf(
  input: FeatureInput,
  warnings: string[],
  directories: ExtraDirectory[],
): { debug: DebugTools | undefined; gdb: Gdb | undefined } {
  const { opts, core, ctx } = input;
  if (opts.debuggerStartup && !opts.enableDebugger) {
    throw new UsageError('--debugger-startup requires --enable-debugger');
  }
  for (const [given, option, needs] of [
    [opts.coverageDirectory, 'coverage-directory', 'enable-coverage'],
    [opts.profilerDirectory, 'profiler-directory', 'enable-profiler'],
    [opts.recorderDirectory, 'recorder-directory', 'enable-recorder'],
    [opts.gdbExecutable !== 'gdb' ? opts.gdbExecutable : undefined, 'gdb-executable', 'enable-gdb'],
  ] as const) {
    const enabled = {
      'enable-coverage': opts.enableCoverage,
      'enable-profiler': opts.enableProfiler,
      'enable-recorder': opts.enableRecorder,
      'enable-gdb': opts.enableGdb,
    }[needs];
    if (given !== undefined && !enabled) {
      warnings.push(`--${option} has no effect without --${needs}.`);
    }
  }
  if (!debugModeOf(opts)) {
    return { debug: undefined, gdb: undefined };
  }
  const tools = (
    [
      [opts.enableDebugger, 'enable-debugger'],
      [opts.enableCoverage, 'enable-coverage'],
      [opts.enableProfiler, 'enable-profiler'],
      [opts.enableRecorder, 'enable-recorder'],
    ] as const
  ).filter(([on]) => on);
  if (!core.app && tools.length) {
    throw new UsageError(
      `--${tools[0]?.[1]} needs a WSGI application; --application-type static serves files only.`,
    );
  }
  if (opts.processes !== undefined || opts.threads !== undefined) {
    warnings.push(
      '--processes and --threads are ignored in debug mode: Apache runs one process with one thread.',
    );
  }
  const root = core.paths.serverRoot;
  const dir = (on: boolean, option: string, given: string | undefined, name: string) => {
    if (!on) {
      return undefined;
    }
    const path = outputDirectory(option, given, join(root, name), input, warnings);
    directories.push({ path, mode: 0o755, owned: true });
    return path;
  };
  if (opts.enableCoverage) {
    requirePackage('enable-coverage', 'coverage', 'coverage', 'python3-coverage', input);
  }
  let gdb: Gdb | undefined;
  if (opts.enableGdb) {
    const executable = findProgram(opts.gdbExecutable, ctx, ['/usr/bin', '/usr/local/bin']);
    if (!executable) {
      throw badValue(
        'gdb-executable',
        opts.gdbExecutable,
        'an executable gdb, a name on PATH or a path (on Debian: apt-get install gdb)',
      );
    }
    gdb = { executable, commands: join(root, 'gdb.cmds') };
  }
  const coverageDirectory = dir(opts.enableCoverage, 'coverage-directory', opts.coverageDirectory, 'htmlcov');
  const profilerDirectory = dir(opts.enableProfiler, 'profiler-directory', opts.profilerDirectory, 'pstats');
  const recorderDirectory = dir(opts.enableRecorder, 'recorder-directory', opts.recorderDirectory, 'archive');
  const debug = {
    debugger: opts.enableDebugger,
    debuggerStartup: opts.debuggerStartup,
    coverageDirectory,
    profilerDirectory,
    recorderDirectory,
    wrapsApp: Boolean(opts.enableDebugger || coverageDirectory || profilerDirectory || recorderDirectory),
  };
  return { debug, gdb };
}

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

export function resolve(input: FeatureInput): ServicesResult {
  const { core } = input;
  const warnings: string[] = [];
  const directories: ExtraDirectory[] = [];
  const files: ExtraFile[] = [];
  const summary: [string, string][] = [];
  const modules: string[] = [];

  const { debug, gdb } = debugOf(input, warnings, directories);
  const { telemetry, service: telemetryService } = telemetryOf(input, warnings);
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
