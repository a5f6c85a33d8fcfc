/**
 * Feature 'logs': log file names and rotation, the pid file, what the processes are called (the
 * Apache parent's argv[0], the daemon process group), the Python interpreter's set-up (application
 * group, warnings, egg cache, switch interval, free threading, orphaned interpreters), the shell of
 * apachectl, and two legacy spellings (--lang, --verbose-debugging).
 *
 * Some of these change what the core resolver decides, so src/resolve/ decides them itself
 * (rotation.ts, shell.ts, logs.ts): log file names, the rotation pipe, PidFile, the daemon's name,
 * the application group, the locale and the apachectl shebang.
 * Everything else is printed by templates/features/logs.hbs or added to the WSGIDaemonProcess line.
 */
import { dirname, join, resolve as resolvePath } from 'node:path';

import type { Context, CoreConfig, Discovery, FeatureInput, Host, Options } from '../../config.js';
import { badValue, EnvironmentError, UsageError } from '../../errors.js';
import { isDirectory } from '../../resolve/files.js';
import { findProgram } from '../../resolve/programs.js';
import type { LogsResult, ProcessName } from './types.js';

export interface Rotation {
  readonly executable: string;
  /** Megabytes. */
  readonly maxSize: number;
}

/**
 * mod_wsgi writes a daemon's display name over its inherited argv[0] and cuts it to that length:
 * with argv[0] = /usr/sbin/apache2, "(wsgi:localhost:8000:0)" shows as "(wsgi:localhost:80". So
 * argv[0] is padded to the display name's length: --process-name, or else the httpd path itself.
 */
function processNameOf(
  opts: Options,
  ctx: Context,
  discovery: Discovery,
  core: CoreConfig,
): ProcessName | undefined {
  const display = core.daemon?.displayName ?? '';
  const base = opts.processName ?? core.httpd;
  if (opts.processName === undefined && display.length <= base.length) {
    return undefined;
  }
  const name = base.padEnd(display.length);
  // perl is essential on Debian and Ubuntu (perl-base); elsewhere mod_wsgi's own Python does it.
  const perl = findProgram('perl', ctx, ['/usr/bin', '/bin']);
  if (perl) {
    return {
      name,
      exec: [perl, '-e', 'exec { shift } @ARGV or die "express-wsgi: cannot run $ARGV[0]: $!\\n"'],
    };
  }
  const python = discovery.python ?? findProgram('python3', ctx, ['/usr/bin']);
  if (python) {
    return { name, exec: [python, '-c', 'import os, sys; os.execv(sys.argv[1], sys.argv[2:])'] };
  }
  if (opts.processName === undefined) {
    return undefined; // only cosmetic: ps shows the daemon's name cut short
  }
  throw new EnvironmentError(
    '--process-name needs perl or python3 to set the name httpd runs under; neither was found on PATH.',
  );
}

/** The files express-wsgi writes or Apache keeps in the server root: no log or pid file may be one. */
function generatedFiles(core: CoreConfig): Map<string, string> {
  const { paths } = core;
  return new Map([
    [paths.httpdConf, 'httpd.conf'],
    [paths.apachectl, 'apachectl'],
    [paths.envvars, 'envvars'],
    [paths.rewriteRules, 'rewrite.conf'],
    [paths.handler, 'the handler script'],
    [paths.welcome, 'the welcome app'],
    [join(paths.serverRoot, '.lock'), 'the server root lock'],
  ]);
}

/** Each log file Apache appends to: not a file express-wsgi writes, not the pid file, not a directory. */
function checkLogFiles(opts: Options, core: CoreConfig, host: Host): void {
  if (core.log.toTerminal) {
    return;
  }
  const generated = generatedFiles(core);
  const logs: [string, string, string | undefined][] = [
    ['error-log-name', opts.errorLogName, core.log.errorLog],
    ['access-log-name', opts.accessLogName, core.log.accessLog?.file],
    ['startup-log-name', opts.startupLogName, core.log.startupLog],
  ];
  for (const [option, given, path] of logs) {
    if (path === undefined) {
      continue;
    }
    const taken = generated.get(path) ?? (path === core.paths.pidFile ? 'the pid file' : undefined);
    if (taken) {
      throw badValue(option, given, `a file name of its own (${path} is ${taken})`);
    }
    if (isDirectory(host, path)) {
      throw badValue(option, given, `a file name (${path} is a directory)`);
    }
  }
}

function checkPidFile(opts: Options, path: string, core: CoreConfig, host: Host): void {
  const given = opts.pidFile as string;
  const taken = generatedFiles(core).get(path);
  if (taken) {
    throw badValue('pid-file', given, `a file name of its own (${path} is ${taken})`);
  }
  // Apache overwrites the pid file and deletes it on stop: an existing one must be a pid file.
  const st = host.stat(path);
  if (st?.kind === 'file' && !/^\d*\s*$/.test(host.readFile(path, 'latin1').slice(0, 64))) {
    throw badValue(
      'pid-file',
      given,
      `a new file or an old pid file (${path} holds something else, which Apache would delete)`,
    );
  }
  const parent = dirname(path);
  if (!isDirectory(host, parent)) {
    throw badValue('pid-file', given, `a file in an existing directory (${parent} does not exist)`);
  }
  if (isDirectory(host, path)) {
    throw badValue('pid-file', given, 'a file name (it is a directory)');
  }
  if (!host.canWrite(parent)) {
    throw badValue('pid-file', given, `a file in a directory you can write to (${parent} is not)`);
  }
}

interface Eggs {
  readonly path: string;
  /** True when express-wsgi creates it (and, started as root, gives it to the run-as account). */
  readonly create: boolean;
}

function eggsOf(opts: Options, ctx: Context): Eggs | undefined {
  if (opts.pythonEggs === undefined) {
    return undefined;
  }
  const path = resolvePath(ctx.cwd, opts.pythonEggs);
  const { host } = ctx;
  const st = host.stat(path);
  if (st) {
    if (st.kind !== 'directory') {
      throw badValue('python-eggs', opts.pythonEggs, 'a directory (it is a file)');
    }
    return { path, create: false };
  }
  if (!isDirectory(host, dirname(path))) {
    throw badValue(
      'python-eggs',
      opts.pythonEggs,
      `a directory whose parent exists (${dirname(path)} does not)`,
    );
  }
  return { path, create: true };
}

export function resolve({ opts, ctx, discovery, core }: FeatureInput): LogsResult {
  const warnings: string[] = [];
  const summary: [string, string][] = [];
  const directives = discovery.modWsgi.directives;
  const daemonMode = core.mode === 'daemon';

  // Logs.
  if (opts.logToTerminal) {
    const ignored = [
      opts.rotateLogs && '--rotate-logs',
      opts.errorLogName !== 'error_log' && '--error-log-name',
      opts.accessLogName !== 'access_log' && '--access-log-name',
      opts.startupLogName !== 'startup_log' && '--startup-log-name',
    ].filter(Boolean);
    if (ignored.length) {
      warnings.push(
        `${ignored.join(', ')}: no effect with --log-to-terminal (the logs go to stdout and stderr).`,
      );
    }
  } else if (!opts.rotateLogs && (opts.rotatelogsExecutable !== undefined || opts.maxLogSize !== 5)) {
    warnings.push('--max-log-size and --rotatelogs-executable only take effect with --rotate-logs.');
  }
  if (opts.accessLog && !opts.logToTerminal && opts.accessLogName === opts.errorLogName) {
    throw badValue('access-log-name', opts.accessLogName, 'a name other than the error log’s');
  }
  checkLogFiles(opts, core, ctx.host);
  const { rotation } = core.log;
  if (rotation) {
    const names = [opts.errorLogName, ...(opts.accessLog ? [opts.accessLogName] : [])];
    summary.push([
      'Log Rotation',
      `${names.map((n) => `${n}.<UTC time>`).join(', ')} every ${rotation.maxSize} MB (${rotation.executable})`,
    ]);
  }
  let verboseDebugging = false;
  if (opts.verboseDebugging) {
    if (directives.has('WSGIVerboseDebugging')) {
      verboseDebugging = true;
    } else {
      warnings.push(
        `--verbose-debugging: ignored; mod_wsgi ${core.modWsgiVersion} has no WSGIVerboseDebugging (it was only ever a diagnostic aid).`,
      );
    }
  }

  // Processes.
  if (opts.pidFile !== undefined) {
    checkPidFile(opts, core.paths.pidFile, core, ctx.host);
    summary.push(['PID File', core.paths.pidFile]);
  }
  const processName = processNameOf(opts, ctx, discovery, core);
  if (opts.processName !== undefined) {
    summary.push(['Process Name', opts.processName]);
  }
  if (opts.processGroup !== undefined && !daemonMode) {
    warnings.push('--process-group: no effect without daemon processes (--embedded-mode or a static site).');
  }

  // The Python interpreter.
  if (opts.applicationGroup !== '%{GLOBAL}') {
    if (core.mode === 'static') {
      warnings.push('--application-group: no effect on a static site.');
    } else {
      summary.push(['Application Group', opts.applicationGroup]);
    }
  }
  if (opts.orphanInterpreter && !directives.has('WSGIDestroyInterpreter')) {
    throw new UsageError(
      `--orphan-interpreter needs a mod_wsgi with the WSGIDestroyInterpreter directive (4.9.0 or later); found ${core.modWsgiVersion}.`,
    );
  }
  let eggs = eggsOf(opts, ctx);
  if (eggs && core.mode === 'static') {
    warnings.push('--python-eggs: no effect on a static site.');
    eggs = undefined;
  }
  if (opts.lang !== undefined) {
    warnings.push(
      opts.locale !== undefined && opts.locale !== opts.lang
        ? `--lang is deprecated and --locale ${opts.locale} wins over it.`
        : '--lang is deprecated; use --locale.',
    );
  }

  return {
    daemonPython: {
      pythonEggs: eggs && daemonMode ? eggs.path : null,
      switchInterval: opts.switchInterval !== undefined && daemonMode ? opts.switchInterval : null,
    },
    directories: eggs?.create ? [{ path: eggs.path, mode: 0o755, owned: true }] : [],
    summary,
    warnings,
    verboseDebugging,
    orphanInterpreter: opts.orphanInterpreter,
    pythonWarnings: opts.pythonWarnings,
    embeddedEggs: eggs && core.mode === 'embedded' ? eggs.path : undefined,
    switchInterval: opts.switchInterval,
    freeThreading: opts.freeThreading,
    processName,
  };
}
