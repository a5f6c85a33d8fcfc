/**
 * Feature 'logs': log file names and rotation, the pid file, what the processes are called (the
 * Apache parent's argv[0], the daemon process group), the Python interpreter's set-up (application
 * group, warnings, egg cache, switch interval, free threading, orphaned interpreters), the shell of
 * apachectl, and two legacy spellings (--lang, --verbose-debugging).
 *
 * Some of these change what the core resolver decides, so src/resolve.ts reads them directly or
 * through the helpers exported here (rotationOf, rotatedLog, shellOf): log file names, the rotation
 * pipe, PidFile, the daemon's name, the application group, the locale and the apachectl shebang.
 * Everything else is printed by templates/features/logs.hbs or added to the WSGIDaemonProcess line.
 */
import { accessSync, constants, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';

import type { Discovery } from '../discovery.js';
import { badValue, EnvironmentError, UsageError } from '../errors.js';
import { flag, float, int, LIMITS, list, str } from '../options/define.js';
import type { Options } from '../options/schema.js';
import type { Context, CoreConfig } from '../resolve.js';
import type { FeatureInput, FeatureResult } from './types.js';

const fileName = (v: string) =>
  /^[^/]+$/.test(v) && v !== '.' && v !== '..'
    ? undefined
    : 'a file name without a "/" (give the directory with --log-directory)';

/** Daemon process group names: they appear in ps as (wsgi:NAME) and in `pkill -f wsgi:NAME`. */
// A %{...} process group is expanded per request to a daemon group that must exist; express-wsgi
// defines exactly one, named by this option, so every request would get 500 (as under mod_wsgi-express).
const groupName = (v: string) =>
  /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]*$/.test(v)
    ? undefined
    : v === '%{GLOBAL}'
      ? 'a fixed name of letters, digits and _ . : @ + - (to run the application in the Apache processes themselves, use --embedded-mode)'
      : v.startsWith('%{')
        ? 'a fixed name of letters, digits and _ . : @ + - (a %{...} form would name a different daemon group per request, and only this one exists, so every request would fail)'
        : 'a name of letters, digits and _ . : @ + - (not starting with a punctuation mark)';

/** What mod_wsgi expands in application-group=; anything else is taken literally. */
const EXPANDED_GROUP = /^%\{(GLOBAL|RESOURCE|SERVER|HOST|ENV:[A-Za-z_][A-Za-z0-9_]*)\}$/;
const applicationGroup = (v: string) =>
  EXPANDED_GROUP.test(v) || /^[A-Za-z0-9_][A-Za-z0-9_.:@|/+-]*$/.test(v)
    ? undefined
    : 'a name such as myapp (letters, digits and _ . : @ | / + -), or one of %{GLOBAL}, %{RESOURCE}, %{SERVER}, %{HOST}, %{ENV:VARIABLE}';

const WARNING_ACTIONS = ['default', 'always', 'ignore', 'module', 'once', 'error'];
/** Python's -W syntax, action:message:category:module:lineno, with the action possibly abbreviated. */
const warningSpec = (v: string) => {
  const [action = '', , , , lineno, ...extra] = v.split(':');
  const ok =
    action !== '' &&
    WARNING_ACTIONS.some((a) => a.startsWith(action)) &&
    (lineno === undefined || /^\d*$/.test(lineno)) &&
    extra.length === 0;
  return ok
    ? undefined
    : `a Python -W filter, action[:message[:category[:module[:lineno]]]], with action one of ${WARNING_ACTIONS.join(', ')}`;
};

const locale = (v: string) => (/^[A-Za-z0-9_.@-]+$/.test(v) ? undefined : 'a locale name such as C.UTF-8');

// rotatelogs reads its size argument into a C int of bytes: 2047 MB is the most it takes.
const MAX_LOG_SIZE = 2047;

export const OPTIONS = [
  // Log files.
  str('error-log-name', 'Logging', 'File name of the error log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'error_log',
    check: fileName,
  }),
  str('access-log-name', 'Logging', 'File name of the access log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'access_log',
    check: fileName,
  }),
  str('startup-log-name', 'Logging', 'File name of the startup log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'startup_log',
    check: fileName,
  }),
  flag(
    'rotate-logs',
    'Logging',
    'Rotate the error and access logs with rotatelogs into NAME.<UTC time> files; NAME stays linked to the newest.',
  ),
  int('max-log-size', 'Logging', 'Size in megabytes at which --rotate-logs starts a new file.', {
    metavar: 'MB',
    default: 5,
    min: 1,
    max: MAX_LOG_SIZE,
  }),
  str('rotatelogs-executable', 'Installation', "The rotatelogs program of Apache's utilities.", {
    metavar: 'FILE-PATH',
    defaultText: 'rotatelogs on PATH, beside httpd, in /usr/sbin or /usr/bin',
  }),
  flag(
    'verbose-debugging',
    'Logging',
    "Legacy: mod_wsgi's WSGIVerboseDebugging (ignored, with a warning, where the module lacks it).",
    { hidden: true },
  ),

  // Processes.
  str('pid-file', 'Server', "File in which Apache records its parent process's PID.", {
    metavar: 'FILE-PATH',
    defaultText: '<server-root>/httpd.pid',
  }),
  str('process-name', 'Server', 'Name the Apache processes show in ps (their argv[0]).', {
    metavar: 'NAME',
    defaultText: 'the httpd path (padded so that daemon names show in full)',
    check: (v) =>
      v !== '' && ![...v].some((c) => c < ' ' || c === '\x7f')
        ? undefined
        : 'a non-empty name without control characters',
  }),
  str(
    'process-group',
    'Processes and capacity',
    'Name of the mod_wsgi daemon process group; ps shows (wsgi:NAME).',
    {
      metavar: 'NAME',
      defaultText: 'HOST:PORT, shown as (wsgi:HOST:PORT:UID)',
      check: groupName,
    },
  ),
  str(
    'shell-executable',
    'Installation',
    'The POSIX shell that runs the generated apachectl (its #! line).',
    {
      metavar: 'FILE-PATH',
      defaultText: '/bin/sh',
    },
  ),

  // The Python interpreter.
  str(
    'application-group',
    'Python',
    'Python sub-interpreter the application runs in; %{GLOBAL} is the main interpreter, %{HOST} one per host name, %{SERVER} one per virtual host, %{RESOURCE} one per host and URL, %{ENV:NAME} named by a variable.',
    { metavar: 'NAME', default: '%{GLOBAL}', check: applicationGroup },
  ),
  flag(
    'orphan-interpreter',
    'Python',
    'Skip destroying the Python interpreter when a process stops (for apps whose threads hang the shutdown).',
  ),
  str('python-eggs', 'Python', 'Directory for the Python egg cache (PYTHON_EGG_CACHE); created if missing.', {
    metavar: 'DIRECTORY',
    defaultText: "Python's own (~/.cache/Python-Eggs of the account the app runs as)",
  }),
  list('python-warnings', 'Python', 'A Python warnings filter, as for python -W (repeatable).', {
    metavar: 'FILTER',
    check: warningSpec,
  }),
  float('switch-interval', 'Python', "Seconds between the Python interpreter's thread switches.", {
    metavar: 'SECONDS',
    defaultText: "Python's own (0.005)",
    // mod_wsgi refuses 0 or less; at most LIMITS.DECIMALS places, so the smallest is one microsecond.
    min: 0.000001,
    max: LIMITS.INT_MAX,
    minModWsgi: '6.0.0',
  }),
  flag('free-threading', 'Python', 'Run without the GIL (needs a free-threaded Python build).', {
    minModWsgi: '6.0.0',
  }),
  str('lang', 'Python', 'Deprecated spelling of --locale (which wins when both are given).', {
    hidden: true,
    metavar: 'NAME',
    check: locale,
  }),
] as const;

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

const isExecutable = (path: string): boolean => {
  if (!statOf(path)?.isFile()) {
    return false;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A program by path (relative to cwd) or by bare name on PATH; undefined when not executable. */
function findProgram(given: string, ctx: Context, extra: readonly string[] = []): string | undefined {
  if (given.includes('/')) {
    const path = resolvePath(ctx.cwd, given);
    return isExecutable(path) ? path : undefined;
  }
  const dirs = [...(ctx.env.PATH ?? '').split(delimiter).filter(isAbsolute), ...extra];
  return dirs.map((d) => join(d, given)).find(isExecutable);
}

export interface Rotation {
  readonly executable: string;
  /** Megabytes. */
  readonly maxSize: number;
}

/** --rotate-logs: the rotatelogs program and size, or undefined when logs are not rotated. */
export function rotationOf(
  opts: Options,
  ctx: Context,
  discovery: Pick<Discovery, 'httpd'>,
): Rotation | undefined {
  if (!opts.rotateLogs || opts.logToTerminal) {
    return undefined;
  }
  if (opts.rotatelogsExecutable) {
    const executable = findProgram(opts.rotatelogsExecutable, ctx);
    if (!executable) {
      throw badValue('rotatelogs-executable', opts.rotatelogsExecutable, 'an existing executable file');
    }
    return { executable, maxSize: opts.maxLogSize };
  }
  const executable = findProgram('rotatelogs', ctx, [dirname(discovery.httpd), '/usr/sbin', '/usr/bin']);
  if (!executable) {
    throw new EnvironmentError(
      '--rotate-logs needs rotatelogs, which was not found on PATH, beside httpd, in /usr/sbin or /usr/bin ' +
        '(Debian and Ubuntu: apt-get install apache2-utils; it is part of httpd elsewhere); or give --rotatelogs-executable.',
    );
  }
  return { executable, maxSize: opts.maxLogSize };
}

/**
 * One argument of a piped log command. Apache 2.4 runs "|command" without a shell, splitting it
 * with apr_tokenize_to_argv: double quotes group, and a backslash escapes the next character.
 */
function pipeArgument(value: string): string {
  if (value.includes('\\')) {
    // apr_tokenize_to_argv mistakes a backslash before a quote for an escaped quote.
    throw new UsageError(
      `--rotate-logs: ${JSON.stringify(value)} has a backslash, which Apache cannot pass to rotatelogs; ` +
        'choose a --log-directory (or --server-root) without one.',
    );
  }
  return /^[^\s"']+$/.test(value) ? value : `"${value.replace(/"/g, '\\"')}"`;
}

/**
 * The ErrorLog/CustomLog target for a rotated log: rotatelogs writes FILE.<UTC time> and keeps FILE
 * hard-linked to the newest, so `tail -F FILE` (and the launcher's start-up checks) still work.
 */
export function rotatedLog(rotation: Rotation, file: string): string {
  // rotatelogs passes the name through strftime: a literal % must be doubled.
  const pattern = `${file.replace(/%/g, '%%')}.%Y-%m-%d-%H_%M_%S`;
  const args = [rotation.executable, '-f', '-L', file, pattern, `${rotation.maxSize}M`];
  return `|${args.map(pipeArgument).join(' ')}`;
}

// Shells that run a POSIX sh script as one, by the name they are installed under.
const POSIX_SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'ksh',
  'ksh93',
  'mksh',
  'lksh',
  'pdksh',
  'yash',
  'posh',
]);
// Linux reads at most 127 bytes of a #! line on older kernels.
const SHEBANG_MAX = 120;

/** The apachectl shebang: --shell-executable (a path, or a name on PATH) checked to be a POSIX shell. */
export function shellOf(opts: Options, ctx: Context): string {
  const given = opts.shellExecutable;
  if (given === undefined) {
    return '/bin/sh';
  }
  const path = findProgram(given, ctx);
  if (!path) {
    throw badValue(
      'shell-executable',
      given,
      'an existing executable POSIX shell such as /bin/sh or /bin/bash',
    );
  }
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // checked above; a race is caught when apachectl runs
  }
  if (!POSIX_SHELLS.has(basename(path)) && !POSIX_SHELLS.has(basename(real))) {
    throw badValue(
      'shell-executable',
      given,
      `a POSIX shell (${[...POSIX_SHELLS].join(', ')}); ${basename(real)} is not one`,
    );
  }
  if (/\s/.test(path) || path.length > SHEBANG_MAX) {
    throw badValue(
      'shell-executable',
      given,
      `a path without spaces of at most ${SHEBANG_MAX} characters, as a #! line needs (link it somewhere shorter)`,
    );
  }
  return path;
}

/** How apachectl starts httpd under another argv[0], keeping the PID (POSIX sh has no `exec -a`). */
export interface ProcessName {
  /** argv[0], right-padded with spaces to the length of the daemon's display name. */
  readonly name: string;
  /** The command, before "$HTTPD" NAME ARGS..., that execs httpd with argv[0] set to NAME. */
  readonly exec: readonly string[];
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
  const display = String(core.daemon?.options.find(([key]) => key === 'display-name')?.[1] ?? '');
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
function checkLogFiles(opts: Options, core: CoreConfig): void {
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
    if (statOf(path)?.isDirectory()) {
      throw badValue(option, given, `a file name (${path} is a directory)`);
    }
  }
}

function checkPidFile(opts: Options, path: string, core: CoreConfig): void {
  const given = opts.pidFile as string;
  const taken = generatedFiles(core).get(path);
  if (taken) {
    throw badValue('pid-file', given, `a file name of its own (${path} is ${taken})`);
  }
  // Apache overwrites the pid file and deletes it on stop: an existing one must be a pid file.
  const st = statOf(path);
  if (st?.isFile() && !/^\d*\s*$/.test(readFileSync(path, 'latin1').slice(0, 64))) {
    throw badValue(
      'pid-file',
      given,
      `a new file or an old pid file (${path} holds something else, which Apache would delete)`,
    );
  }
  const parent = dirname(path);
  if (!statOf(parent)?.isDirectory()) {
    throw badValue('pid-file', given, `a file in an existing directory (${parent} does not exist)`);
  }
  if (statOf(path)?.isDirectory()) {
    throw badValue('pid-file', given, 'a file name (it is a directory)');
  }
  try {
    accessSync(parent, constants.W_OK);
  } catch {
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
  const st = statOf(path);
  if (st) {
    if (!st.isDirectory()) {
      throw badValue('python-eggs', opts.pythonEggs, 'a directory (it is a file)');
    }
    return { path, create: false };
  }
  if (!statOf(dirname(path))?.isDirectory()) {
    throw badValue(
      'python-eggs',
      opts.pythonEggs,
      `a directory whose parent exists (${dirname(path)} does not)`,
    );
  }
  return { path, create: true };
}

export interface LogsResult extends FeatureResult {
  /** WSGIVerboseDebugging On (only where the module has the directive). */
  readonly verboseDebugging: boolean;
  /** WSGIDestroyInterpreter Off. */
  readonly orphanInterpreter: boolean;
  readonly pythonWarnings: readonly string[];
  /** WSGIPythonEggs, for embedded mode (daemons get python-eggs=). */
  readonly embeddedEggs?: string;
  readonly switchInterval?: number;
  readonly freeThreading: boolean;
  /** Read by templates/apachectl.hbs. */
  readonly processName?: ProcessName;
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
  checkLogFiles(opts, core);
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
    checkPidFile(opts, core.paths.pidFile, core);
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

  const daemonOptions: (readonly [string, string | number])[] = [];
  if (eggs && daemonMode) {
    daemonOptions.push(['python-eggs', eggs.path]);
  }
  if (opts.switchInterval !== undefined && daemonMode) {
    daemonOptions.push(['switch-interval', opts.switchInterval]);
  }

  return {
    daemonOptions,
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
