/**
 * Options + what discovery found → ServerConfig: every decision about the generated server
 * (paths, mode, MPM, capacity, accounts, logs, modules) is made here, so templates only print.
 * Reads the file system to validate (does the app exist?) but never writes.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';

import type { Account, Accounts } from './accounts.js';
import { type MpmSettings, mpmSettings, pickMpm } from './capacity.js';
import { type Discovery, versionAtLeast } from './discovery.js';
import { FEATURES, type Features } from './features/index.js';
import { type Rotation, rotatedLog, rotationOf, shellOf } from './features/logs.js';
import { debugModeOf, debugMpmPreference } from './features/services.js';
import type { FeatureResult } from './features/types.js';
import { APACHE_LIMITS, camel, type Spec } from './options/define.js';
import { badValue, EnvironmentError, UsageError } from './errors.js';
import { type Options, SCHEMA } from './options/schema.js';

export interface Context {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number;
  readonly gid: number;
  /** CPUs this process may use: embedded mode's default number of processes. */
  readonly cpus: number;
  readonly accounts: Accounts;
  /** The command line as typed, recorded in apachectl. */
  readonly argv: readonly string[];
  readonly version: string;
  /** A path with its symlinks resolved (src/real-path.ts), also for a path not created yet. */
  readonly realPath: (path: string) => string;
}

export type Mode = 'daemon' | 'embedded' | 'static';

export interface LoadedModule {
  readonly id: string;
  readonly path: string;
}

export interface UrlAlias {
  readonly url: string;
  readonly path: string;
  /** For a file alias: its directory and name, which get their own access rule. */
  readonly file?: { readonly dir: string; readonly name: string };
}

/** What the core resolver decides; features add to it (src/features/). */
export interface CoreConfig {
  readonly version: string;
  readonly argv: readonly string[];
  readonly mode: Mode;
  readonly paths: {
    readonly serverRoot: string;
    readonly httpdConf: string;
    readonly apachectl: string;
    readonly envvars: string;
    readonly rewriteRules: string;
    readonly handler: string;
    readonly welcome: string;
    readonly pidFile: string;
    readonly documentRoot: string;
    /** True when the document root is ours (<root>/htdocs) and must be created. */
    readonly ownDocumentRoot: boolean;
    readonly logDirectory: string;
    readonly socketPrefix: string;
  };
  readonly httpd: string;
  readonly shell: string;
  readonly modWsgiVersion: string;
  readonly modules: readonly LoadedModule[];
  readonly mpm: MpmSettings;
  readonly listen: string;
  /** --host as given (unset: every interface) and the port, for start-up checks and probes. */
  readonly host?: string;
  readonly port: number;
  readonly serverName: string;
  readonly url: string;
  readonly user: Account;
  readonly group: Account;
  readonly startedAsRoot: boolean;
  readonly workingDirectory: string;
  readonly locale: string;
  readonly pythonHome?: string;
  readonly pythonPath: readonly string[];
  readonly daemon?: {
    readonly name: string;
    readonly options: readonly (readonly [string, string | number])[];
  };
  /** %{GLOBAL} runs in the Apache children (embedded); otherwise the daemon group. */
  readonly processGroup: string;
  /** The Python (sub-)interpreter of the app: --application-group, %{GLOBAL} by default. */
  readonly applicationGroup: string;
  /** Import the app when its process starts (WSGIImportScript): not for a group expanded per request. */
  readonly importAtStart: boolean;
  readonly capacity: { readonly processes: number; readonly threads: number };
  readonly app?: {
    readonly type: 'script' | 'module' | 'paste';
    readonly entryPoint: string;
    readonly callable: string;
    readonly mountPoint: string;
    /** Regex on REQUEST_URI that limits the app to its mount point; undefined at /. */
    readonly mountPattern?: string;
    readonly welcome: boolean;
    readonly reloading: boolean;
    readonly reloadOnChanges: boolean;
  };
  readonly directoryIndex?: string;
  readonly directoryListing: boolean;
  readonly aliases: readonly UrlAlias[];
  readonly compressResponses: boolean;
  readonly log: {
    readonly level: string;
    readonly toTerminal: boolean;
    readonly errorLog: string;
    /** What ErrorLog names: errorLog, or a pipe to rotatelogs (--rotate-logs) that keeps errorLog linked. */
    readonly errorLogTarget: string;
    readonly rotation?: Rotation;
    readonly errorLogFormat?: string;
    readonly accessLog?: { readonly file: string; readonly format: string; readonly custom?: string };
    /** What CustomLog names when there is an access log: its file, or the rotatelogs pipe. */
    readonly accessLogTarget?: string;
    readonly startupLog?: string;
  };
  readonly timeouts: {
    readonly socket: number;
    readonly keepAlive: number;
    readonly requestRead: string;
    readonly limitRequestBody: number;
  };
  readonly chunkedRequest: boolean;
  readonly socketRotation: boolean;
  readonly setenv: readonly (readonly [string, string])[];
  readonly passenv: readonly string[];
  readonly includeFiles: readonly string[];
  readonly envvarsScript?: string;
  readonly mimeTypes?: string;
  readonly readyTimeout: number;
  /** SIGTERM drains requests in flight (Apache's graceful-stop) for at most this many seconds. */
  readonly gracefulStop?: { readonly timeout: number };
  readonly setupOnly: boolean;
  /** URL path prefixes never handed to the application (features add them, e.g. /server-status). */
  readonly appExclusions: readonly string[];
  /** Things worth telling the user that are not errors. */
  readonly warnings: readonly string[];
}

// Linux sun_path holds 108 bytes with the NUL; mod_wsgi names sockets PREFIX.PID.uUID.N.sock.
const SOCKET_PATH_MAX = 107;
const SOCKET_SUFFIX_WORST = '.4194304.u4294967295.99.sock'.length;

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

function existingDirectory(option: string, value: string, cwd: string): string {
  const path = resolvePath(cwd, value);
  if (!statOf(path)?.isDirectory()) {
    throw badValue(option, value, 'an existing directory');
  }
  return path;
}

function existingFile(option: string, value: string, cwd: string): string {
  const path = resolvePath(cwd, value);
  const st = statOf(path);
  if (!st) {
    throw badValue(option, value, 'an existing file (no such file)');
  }
  if (!st.isFile()) {
    throw badValue(option, value, `a file (it is a ${st.isDirectory() ? 'directory' : 'special file'})`);
  }
  return path;
}

const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function defaultServerRoot(host: string, port: number, ctx: Context): string {
  const tmp = (ctx.env.TMPDIR || '/tmp').replace(/\/+$/, '') || '/';
  if (!statOf(tmp)?.isDirectory()) {
    throw new UsageError(
      `TMPDIR: ${JSON.stringify(tmp)} is not a directory; set TMPDIR to one, or give --server-root.`,
    );
  }
  return join(tmp, `express-wsgi-${host}:${port}:${ctx.uid}`);
}

function serverRootOf(opts: Options, host: string, ctx: Context): string {
  if (!opts.serverRoot) {
    return defaultServerRoot(host, opts.port, ctx);
  }
  const root = resolvePath(ctx.cwd, opts.serverRoot);
  const parent = dirname(root);
  if (!statOf(parent)?.isDirectory()) {
    throw badValue('server-root', opts.serverRoot, `a directory whose parent exists (${parent} does not)`);
  }
  const st = statOf(root);
  if (st && !st.isDirectory()) {
    throw badValue('server-root', opts.serverRoot, 'a directory (it is a file)');
  }
  return root;
}

function accountsOf(opts: Options, ctx: Context): { user: Account; group: Account; warnings: string[] } {
  const warnings: string[] = [];
  const startedAsRoot = ctx.uid === 0;
  let user: Account | undefined;
  if (opts.user) {
    user = ctx.accounts.user(opts.user);
    if (!user) {
      throw badValue('user', opts.user, 'an existing account name or #uid');
    }
  } else if (startedAsRoot) {
    // Apache refuses to serve as root; pick the distribution's web account, as its own config does.
    user = ctx.accounts.user('www-data') ?? ctx.accounts.user('nobody');
    if (!user) {
      throw new UsageError('--user: running as root needs an unprivileged account; give --user and --group.');
    }
  } else {
    user = ctx.accounts.user(ctx.uid) as Account;
  }
  if (startedAsRoot && user.id === 0) {
    throw badValue(
      'user',
      opts.user ?? 'root',
      'an unprivileged account: Apache does not serve requests as root',
    );
  }
  let group: Account | undefined;
  if (opts.group) {
    group = ctx.accounts.group(opts.group);
    if (!group) {
      throw badValue('group', opts.group, 'an existing group name or #gid');
    }
  } else {
    const gid = user.gid ?? (startedAsRoot ? undefined : ctx.gid);
    group = gid !== undefined ? (ctx.accounts.group(gid) as Account) : ctx.accounts.group('nogroup');
    if (!group) {
      throw new UsageError(`--group: account ${user.name} has no primary group here; give --group.`);
    }
  }
  // Apache would serve with group root (only user root is compiled out), but then the app could
  // read and write whatever root's group may: as careful as refusing user root.
  if (startedAsRoot && group.id === 0) {
    throw badValue(
      'group',
      opts.group ?? `${group.name} (the primary group of ${user.name})`,
      'an unprivileged group: the app must not run with group root (gid 0); give --group, e.g. --group nogroup',
    );
  }
  if (!startedAsRoot && (opts.user || opts.group)) {
    warnings.push('--user and --group only take effect when express-wsgi is started as root.');
  }
  return { user, group, warnings };
}

function localeOf(opts: Options, env: NodeJS.ProcessEnv): string {
  // --lang is the deprecated spelling (src/features/logs.ts).
  const given = opts.locale ?? opts.lang;
  if (given) {
    return given;
  }
  const current = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  // C and POSIX make Python's file system encoding ASCII; a UTF-8 locale that always exists is kinder.
  return !current || current === 'C' || current === 'POSIX' ? 'C.UTF-8' : current;
}

function pythonVersionOfHome(home: string): string | undefined {
  try {
    const cfg = readFileSync(join(home, 'pyvenv.cfg'), 'utf8');
    const m = /^\s*version(?:_info)?\s*=\s*(\d+)\.(\d+)/m.exec(cfg);
    if (m) {
      return `${m[1]}.${m[2]}`;
    }
  } catch {
    // not a venv; a plain prefix is recognised by its lib/pythonX.Y below
  }
  const entry = readdirSafe(join(home, 'lib')).find((n) => /^python\d+\.\d+$/.test(n));
  return entry?.slice('python'.length);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** --python-home, checked: an environment of the Python mod_wsgi embeds (also used by the django command). */
export function pythonHomeOf(
  opts: Pick<Options, 'pythonHome'>,
  ctx: Pick<Context, 'cwd'>,
  discovery: Discovery,
): string | undefined {
  if (!opts.pythonHome) {
    return undefined;
  }
  const home = existingDirectory('python-home', opts.pythonHome, ctx.cwd);
  const version = pythonVersionOfHome(home);
  if (!version) {
    throw badValue(
      'python-home',
      opts.pythonHome,
      'a Python virtual environment (no pyvenv.cfg or lib/pythonX.Y)',
    );
  }
  const wanted = discovery.modWsgi.pythonVersion;
  if (wanted && version !== wanted) {
    throw badValue(
      'python-home',
      opts.pythonHome,
      `an environment of Python ${wanted}, the Python mod_wsgi was built for; this one is Python ${version} ` +
        `(make one with: ${discovery.python ?? `python${wanted}`} -m venv DIR)`,
    );
  }
  return home;
}

function mountPointOf(value: string): { mountPoint: string; mountPattern?: string } {
  const withSlash = value.startsWith('/') ? value : `/${value}`;
  const mountPoint = withSlash.replace(/\/+$/, '') || '/';
  if (mountPoint === '/') {
    return { mountPoint };
  }
  return { mountPoint, mountPattern: `^${mountPoint.replace(/[.]/g, '\\.')}(/|$)` };
}

function aliasesOf(opts: Options, cwd: string): UrlAlias[] {
  const aliases = opts.urlAlias.map(([url, target]): UrlAlias => {
    if (!/^\/[A-Za-z0-9._~@/-]*$/.test(url)) {
      throw badValue('url-alias', url, 'a URL path such as /static as the first value');
    }
    const path = resolvePath(cwd, target);
    const st = statOf(path);
    if (!st) {
      throw badValue('url-alias', target, `an existing file or directory to serve at ${url}`);
    }
    return st.isDirectory()
      ? { url, path: target.endsWith('/') ? `${path}/` : path }
      : { url, path, file: { dir: dirname(path), name: basename(path) } };
  });
  // Longer URL prefixes first, so /static/img wins over /static.
  return aliases.sort((a, b) => b.url.localeCompare(a.url));
}

function requestReadTimeout(opts: Options): string {
  const clause = (name: string, t: number, given: number, rate: number) => {
    if (t === 0) {
      return `${name}=0`;
    }
    // A default maximum below a timeout the user raised is no mistake of theirs: no range then.
    const maxByDefault = opts.sources !== undefined && opts.sources.of[`${name}-max-timeout`] === undefined;
    const max = maxByDefault && given !== 0 && given < t ? t : given;
    if (max !== 0 && max < t) {
      throw badValue(`${name}-max-timeout`, max, `0 or at least --${name}-timeout (${t})`);
    }
    if (max > t && rate === 0) {
      // mod_reqtimeout extends the timeout towards the maximum only as data arrives at MinRate,
      // and refuses a range without one ("Must set MinRate option if using timeout range").
      throw badValue(
        `${name}-min-rate`,
        rate,
        `at least 1 byte per second while --${name}-max-timeout (${max}) exceeds --${name}-timeout (${t}), or give --${name}-max-timeout 0`,
      );
    }
    return `${name}=${t}${max > t ? `-${max}` : ''}${rate ? `,MinRate=${rate}` : ''}`;
  };
  return [
    clause('header', opts.headerTimeout, opts.headerMaxTimeout, opts.headerMinRate),
    clause('body', opts.bodyTimeout, opts.bodyMaxTimeout, opts.bodyMinRate),
  ].join(' ');
}

const moduleId = (file: string) => `${file.replace(/^mod_/, '').replace(/\.so$/, '')}_module`;

function modulesOf(discovery: Discovery, mpm: string, wanted: readonly string[]): LoadedModule[] {
  const out: LoadedModule[] = [];
  for (const name of [`mpm_${mpm}`, ...wanted]) {
    const file = `mod_${name}.so`;
    if (discovery.modules.has(file)) {
      out.push({ id: moduleId(file), path: join(discovery.modulesDirectory, file) });
    } else if (!STATIC_OK.has(name)) {
      throw new EnvironmentError(
        `Apache module mod_${name} is missing from ${discovery.modulesDirectory}; it is part of a full Apache 2.4 install.`,
      );
    }
  }
  out.push({ id: 'wsgi_module', path: discovery.modWsgi.path });
  return out;
}

// Compiled into some httpd builds (Debian's has unixd and log_config built in).
const STATIC_OK = new Set(['unixd', 'log_config', 'version']);

const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);

/**
 * Apache serves everything under the document root: one that is, or holds, the server root would
 * hand out envvars, the logs and the configuration. (A document root inside the server root is
 * fine: <server-root>/htdocs is the default.) Compared as real paths, so a symlink cannot hide it.
 */
function checkDocumentRootApart(what: string, documentRoot: string, serverRoot: string, ctx: Context): void {
  const doc = ctx.realPath(documentRoot);
  const root = ctx.realPath(serverRoot);
  if (within(root, doc)) {
    const how = doc === root ? 'is' : 'contains';
    throw new UsageError(
      `${what} ${how} the server root ${JSON.stringify(serverRoot)}, so Apache would serve its envvars, ` +
        'logs and configuration; give a --server-root outside the directory served (or serve another one).',
    );
  }
}

/**
 * The same for --url-alias: a target that holds the server root, or lies in it (outside the document
 * root kept there, such as the default htdocs), would serve envvars, the logs and the configuration.
 */
function checkAliasesApart(
  aliases: readonly UrlAlias[],
  documentRoot: string,
  serverRoot: string,
  ctx: Context,
): void {
  const root = ctx.realPath(serverRoot);
  const doc = ctx.realPath(documentRoot);
  for (const alias of aliases) {
    const target = ctx.realPath(alias.path);
    const how = within(root, target)
      ? target === root
        ? 'is'
        : 'contains'
      : within(target, root) && !within(target, doc)
        ? 'is inside'
        : undefined;
    if (how) {
      throw new UsageError(
        `--url-alias ${alias.url} ${JSON.stringify(alias.path)} ${how} the server root ${JSON.stringify(serverRoot)}, ` +
          'so Apache would serve its envvars, logs and configuration; give a --server-root outside it (or alias another path).',
      );
    }
  }
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => statOf(p)?.isFile());
}

function resolveCore(
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

  // What to serve.
  const given = opts.entryPoint ?? opts.app;
  const type = opts.applicationType as 'script' | 'module' | 'paste' | 'static';
  // Debug mode (src/features/services.ts): one Apache process with one thread, the app embedded.
  const debug = debugModeOf(opts);
  const mode: Mode = type === 'static' ? 'static' : opts.embeddedMode || debug ? 'embedded' : 'daemon';
  let entryPoint: string | undefined;
  let documentRootOption = opts.documentRoot;
  if (type === 'static') {
    documentRootOption ??= given ?? ctx.cwd;
  } else if (given === undefined) {
    entryPoint = undefined; // the welcome app
  } else if (type === 'module') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(given)) {
      throw badValue('entry-point', given, 'a dotted Python module name such as mysite.wsgi');
    }
    entryPoint = given;
  } else {
    entryPoint = existingFile('entry-point', given, ctx.cwd);
  }

  const paths = {
    serverRoot,
    httpdConf: join(serverRoot, 'httpd.conf'),
    apachectl: join(serverRoot, 'apachectl'),
    envvars: join(serverRoot, 'envvars'),
    rewriteRules: join(serverRoot, 'rewrite.conf'),
    handler: join(serverRoot, 'handler.wsgi'),
    welcome: join(serverRoot, 'welcome.wsgi'),
    pidFile: opts.pidFile ? resolvePath(ctx.cwd, opts.pidFile) : join(serverRoot, 'httpd.pid'),
    documentRoot: documentRootOption
      ? existingDirectory('document-root', documentRootOption, ctx.cwd)
      : join(serverRoot, 'htdocs'),
    ownDocumentRoot: !documentRootOption,
    logDirectory: opts.logDirectory
      ? existingDirectory('log-directory', opts.logDirectory, ctx.cwd)
      : serverRoot,
    socketPrefix: opts.socketPrefix ? resolvePath(ctx.cwd, opts.socketPrefix) : join(serverRoot, 'wsgi'),
  };
  if (opts.socketPrefix && !statOf(dirname(paths.socketPrefix))?.isDirectory()) {
    throw badValue(
      'socket-prefix',
      opts.socketPrefix,
      `a path in an existing directory (${dirname(paths.socketPrefix)} does not exist)`,
    );
  }
  if (documentRootOption) {
    const what = opts.documentRoot
      ? `--document-root ${JSON.stringify(opts.documentRoot)}`
      : given !== undefined
        ? `the static directory ${JSON.stringify(given)}`
        : `the current directory ${JSON.stringify(ctx.cwd)} (served with --application-type static)`;
    checkDocumentRootApart(what, paths.documentRoot, serverRoot, ctx);
  }
  checkAliasesApart(aliasesOf(opts, ctx.cwd), paths.documentRoot, serverRoot, ctx);
  // sun_path is bytes: a non-ASCII root takes more of it than its JavaScript length says.
  if (mode !== 'static' && Buffer.byteLength(paths.socketPrefix) + SOCKET_SUFFIX_WORST > SOCKET_PATH_MAX) {
    const option = opts.socketPrefix ? 'socket-prefix' : 'server-root';
    throw badValue(
      option,
      opts.socketPrefix ?? serverRoot,
      `a shorter path: daemon socket paths would exceed the ${SOCKET_PATH_MAX + 1}-byte UNIX socket limit; ` +
        'give --socket-prefix /tmp/wsgi (or a shorter --server-root)',
    );
  }

  if (opts.logToTerminal && opts.logDirectory) {
    throw new UsageError('--log-to-terminal and --log-directory both say where logs go; give one of them.');
  }
  if (opts.reloadOnChanges && mode !== 'daemon') {
    throw new UsageError(
      `--reload-on-changes needs daemon mode; it cannot be combined with ${debug ? 'debug mode (--debug-mode or an --enable-* debugging option)' : '--embedded-mode'}.`,
    );
  }

  // The welcome page needs no directory of the user's; the server root is always readable by Apache.
  const workingDirectory = opts.workingDirectory
    ? existingDirectory('working-directory', opts.workingDirectory, ctx.cwd)
    : given === undefined && type !== 'static'
      ? serverRoot
      : ctx.cwd;
  const pythonPath = opts.pythonPath.map((p) => {
    const dir = existingDirectory('python-path', p, ctx.cwd);
    if (dir.includes(':')) {
      // mod_wsgi takes the path as one ':'-separated string.
      throw badValue('python-path', p, `a directory whose path has no ":" (${dir} has one)`);
    }
    return dir;
  });
  const pythonHome = pythonHomeOf(opts, ctx, discovery);
  const locale = localeOf(opts, ctx.env);

  // MPM and capacity.
  const mpm = pickMpm(
    opts.embeddedMode || debug,
    debug ? debugMpmPreference(opts.serverMpm) : opts.serverMpm,
    (m) => discovery.modules.has(`mod_mpm_${m}.so`),
  );
  if (!mpm) {
    throw badValue(
      'server-mpm',
      opts.serverMpm.join(','),
      `an MPM installed in ${discovery.modulesDirectory} (none of ${opts.serverMpm.join(', ') || 'event, worker, prefork'} is)`,
    );
  }
  // Embedded mode runs Python in Apache's children: one per CPU gives each its own GIL, and with the
  // worker MPM each thread holds one client connection, so 5 would make the sixth client wait
  // (p99 146 ms at 16 connections, against 15 ms with 2 x 16; docs/performance.md).
  // With prefork every "thread" is a process with its own interpreter: keep mod_wsgi-express's 1 x 5.
  const embeddedDefaults = mode === 'embedded' && !debug && mpm !== 'prefork';
  const processes = debug
    ? 1
    : (opts.processes ?? (embeddedDefaults ? Math.min(Math.max(ctx.cpus, 1), 8) : 1));
  const threads = debug ? 1 : (opts.threads ?? (embeddedDefaults ? 25 : 5));
  // In embedded mode --threads is Apache's ThreadsPerChild; mod_wsgi 4.8.0's notes say the event MPM
  // does not handle fewer than 3 properly. Raising it would change the app's concurrency: refuse.
  if (mpm === 'event' && mode === 'embedded' && threads < 3) {
    throw badValue(
      'threads',
      threads,
      '3 or more with the event MPM in embedded mode (it does not handle fewer threads per process properly), or --server-mpm worker or prefork',
    );
  }
  const mpmConfig = mpmSettings({
    mpm,
    embedded: mode === 'embedded' || debug,
    processes,
    threads,
    maxClients: opts.maxClients,
    maximumRequests: opts.maximumRequests,
    // Fractions from the daemon feature (src/features/daemon.ts checks their range).
    initialWorkers: opts.initialWorkers,
    minimumSpareWorkers: opts.minimumSpareWorkers,
    maximumSpareWorkers: opts.maximumSpareWorkers,
  });
  checkMpmLimits(mpmConfig, opts);
  // Said rather than done silently: Apache is sized by the application's own capacity here.
  if (opts.maxClients !== undefined && (mode === 'embedded' || debug)) {
    warnings.push(
      `--max-clients: no effect in embedded mode, where Apache's capacity is --processes × --threads (${processes * threads}).`,
    );
  } else if (opts.maxClients !== undefined && opts.maxClients < processes * threads) {
    warnings.push(
      `--max-clients ${opts.maxClients}: raised to ${processes * threads}, the requests the daemon processes take at once (--processes × --threads).`,
    );
  }

  const wanted = [
    'unixd',
    'authz_core',
    'authz_host',
    'mime',
    'dir',
    'alias',
    'rewrite',
    'reqtimeout',
    'log_config',
  ];
  if (opts.directoryListing) {
    wanted.push('autoindex');
  }
  if (opts.compressResponses) {
    wanted.push('filter', 'deflate');
  }
  if (opts.setenv.length || opts.passenv.length) {
    wanted.push('env');
  }

  const listenHost = opts.host ? urlHost(opts.host) : undefined;
  const listen = listenHost ? `${listenHost}:${opts.port}` : String(opts.port);
  const shownHost =
    !opts.host || opts.host === '0.0.0.0' || opts.host === '::' || opts.host === '[::]'
      ? 'localhost'
      : urlHost(opts.host);
  // With --server-name (feature https) other host names are refused, so the URL uses that name.
  const url = `http://${opts.serverName ?? shownHost}${opts.port === 80 ? '' : `:${opts.port}`}/`;
  const daemonName = opts.processGroup ?? `${host}:${opts.port}`;

  const daemon =
    mode === 'daemon'
      ? {
          name: daemonName,
          options: [
            ...(opts.processes !== undefined ? ([['processes', processes]] as const) : []),
            ['threads', threads],
            ['display-name', opts.processGroup ? `(wsgi:${daemonName})` : `(wsgi:${daemonName}:${ctx.uid})`],
            ['home', workingDirectory],
            ...(pythonHome ? ([['python-home', pythonHome]] as const) : []),
            ...(pythonPath.length ? ([['python-path', pythonPath.join(':')]] as const) : []),
            ['lang', locale],
            ['locale', locale],
            ['maximum-requests', opts.maximumRequests],
            ['socket-timeout', opts.socketTimeout],
            ['queue-timeout', opts.queueTimeout],
            ['request-timeout', opts.requestTimeout],
            // These five are options of the daemon feature (src/features/daemon.ts), kept in place here.
            ['connect-timeout', opts.connectTimeout],
            ['startup-timeout', opts.startupTimeout],
            ['deadlock-timeout', opts.deadlockTimeout],
            ['graceful-timeout', opts.gracefulTimeout],
            ['shutdown-timeout', opts.shutdownTimeout],
            // Room for every Apache thread: a full backlog makes mod_wsgi retry connecting with
            // growing sleeps, which turned into multi-second waits at 256 connections.
            ['listen-backlog', opts.daemonBacklog ?? Math.max(100, mpmConfig.maxClients)],
          ] as (readonly [string, string | number])[],
        }
      : undefined;

  const { mountPoint, mountPattern } = mountPointOf(opts.mountPoint);
  const app =
    mode === 'static'
      ? undefined
      : {
          type: entryPoint === undefined ? ('script' as const) : (type as 'script' | 'module' | 'paste'),
          entryPoint: entryPoint ?? paths.welcome,
          callable: entryPoint === undefined ? 'application' : opts.callableObject,
          mountPoint,
          mountPattern,
          welcome: entryPoint === undefined,
          reloading: mode === 'daemon' && !opts.disableReloading,
          reloadOnChanges: opts.reloadOnChanges,
        };

  const logFile = (name: string, terminal: string) =>
    opts.logToTerminal ? terminal : join(paths.logDirectory, name);
  const standardFormat = opts.accessLogFormat === 'common' || opts.accessLogFormat === 'combined';
  // File names and rotation are options of the logs feature (src/features/logs.ts).
  const rotation = rotationOf(opts, ctx, discovery);
  const logTarget = (file: string) => (rotation ? rotatedLog(rotation, file) : file);
  const errorLog = logFile(opts.errorLogName, '/dev/stderr');
  const accessLog = logFile(opts.accessLogName, '/dev/stdout');
  const log = {
    level: opts.logLevel,
    toTerminal: opts.logToTerminal,
    errorLog,
    errorLogTarget: logTarget(errorLog),
    rotation,
    errorLogFormat: opts.errorLogFormat,
    accessLog: opts.accessLog
      ? {
          file: accessLog,
          format: standardFormat ? opts.accessLogFormat : 'custom',
          custom: standardFormat ? undefined : opts.accessLogFormat,
        }
      : undefined,
    accessLogTarget: opts.accessLog ? logTarget(accessLog) : undefined,
    startupLog: opts.startupLog ? logFile(opts.startupLogName, '/dev/stderr') : undefined,
  };

  const envvarsScript = opts.envvarsScript
    ? existingFile('envvars-script', opts.envvarsScript, ctx.cwd)
    : undefined;
  const includeFiles = opts.includeFile.map((f) => existingFile('include-file', f, ctx.cwd));

  if (startedAsRoot && mode !== 'static') {
    // Started as root, the app runs as an unprivileged account that cannot see into e.g. /root.
    for (const path of [entryPoint && isAbsolute(entryPoint) ? entryPoint : undefined, workingDirectory]) {
      if (path && path !== serverRoot && !readableByOthers(path)) {
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
    modules: [],
    wantedModules: wanted,
    mpm: mpmConfig,
    listen,
    host: opts.host,
    port: opts.port,
    // ServerName takes a host name; an IPv6 literal there is refused.
    serverName: `${shownHost.startsWith('[') ? 'localhost' : shownHost}:${opts.port}`,
    url,
    user: accounts.user,
    group: accounts.group,
    startedAsRoot,
    workingDirectory,
    locale,
    pythonHome,
    pythonPath,
    daemon,
    processGroup: mode === 'daemon' ? daemonName : '%{GLOBAL}',
    applicationGroup: opts.applicationGroup,
    // mod_wsgi cannot import into a group it names only per request (%{RESOURCE}, %{SERVER}, %{ENV:…}).
    importAtStart: !opts.applicationGroup.includes('%{') || opts.applicationGroup === '%{GLOBAL}',
    capacity: { processes, threads },
    app,
    directoryIndex: opts.directoryIndex,
    directoryListing: opts.directoryListing,
    aliases: aliasesOf(opts, ctx.cwd),
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
    // --mime-types is an option of the handlers feature (src/features/handlers.ts).
    mimeTypes: opts.mimeTypes
      ? existingFile('mime-types', opts.mimeTypes, ctx.cwd)
      : firstExisting(['/etc/mime.types', '/etc/httpd/mime.types', '/etc/apache2/mime.types']),
    // Under --debugger-startup, pdb holds Apache's start for as long as the user debugs.
    readyTimeout: opts.debuggerStartup ? Number.POSITIVE_INFINITY : opts.readyTimeout,
    gracefulStop: opts.gracefulStop ? { timeout: opts.shutdownTimeout } : undefined,
    setupOnly: opts.setupOnly,
    appExclusions: [],
    warnings,
  };
}

export interface ServerConfig extends CoreConfig {
  readonly features: Features;
}

/** Refuses an option the installed mod_wsgi is too old for, or one only accepted to be refused. */
function checkSupported(opts: Options, discovery: Discovery): void {
  for (const spec of SCHEMA as readonly Spec[]) {
    const value = (opts as unknown as Record<string, unknown>)[camel(spec.name)];
    const given = Array.isArray(value)
      ? value.length > 0
      : value !== undefined && value !== false && value !== spec.default;
    if (!given) {
      continue;
    }
    if (spec.refused) {
      throw new UsageError(`--${spec.name} is not supported: ${spec.refused}`);
    }
    if (spec.minModWsgi && !versionAtLeast(discovery.modWsgi.version, spec.minModWsgi)) {
      throw new UsageError(
        `--${spec.name} needs mod_wsgi >= ${spec.minModWsgi}, found ${discovery.modWsgi.version.join('.')} (${discovery.modWsgi.path}).`,
      );
    }
  }
}

/**
 * Each option is within its own range (the schema), but processes x threads x headroom can still
 * need more Apache processes than the MPM can have; Apache would then lower ServerLimit with a
 * warning and serve fewer clients than asked. Refused up front instead, naming what to lower.
 */
function checkMpmLimits(settings: MpmSettings, opts: Options): void {
  const value = (name: string) => settings.directives.find(([d]) => d === name)?.[1] ?? 0;
  const serverLimit = APACHE_LIMITS.serverLimit[settings.mpm];
  const threadLimit = APACHE_LIMITS.threadLimit[settings.mpm];
  const given = ['processes', 'threads', 'max-clients']
    .filter((name) => (opts as unknown as Record<string, unknown>)[camel(name)] !== undefined)
    .map((name) => `--${name} ${(opts as unknown as Record<string, number>)[camel(name)]}`);
  const asked = given.length ? given.join(' with ') : 'the defaults';
  if (value('ServerLimit') > serverLimit || value('ThreadLimit') > threadLimit) {
    throw new UsageError(
      `${asked} needs ServerLimit ${value('ServerLimit')} and ThreadLimit ${value('ThreadLimit')}, ` +
        `more than Apache's ${settings.mpm} MPM allows (ServerLimit ${serverLimit}, ThreadLimit ` +
        `${threadLimit}); give fewer processes, threads or clients.`,
    );
  }
}

export function resolve(opts: Options, discovery: Discovery, ctx: Context): ServerConfig {
  checkSupported(opts, discovery);
  const { wantedModules, ...core } = resolveCore(opts, discovery, ctx);
  const features = Object.fromEntries(
    Object.entries(FEATURES).map(([name, feature]) => [
      name,
      feature.resolve({ opts, ctx, discovery, core }),
    ]),
  ) as unknown as Features;
  const results = Object.values(features) as FeatureResult[];
  const extraModules = results.flatMap((r) => r.modules ?? []);
  const modules = modulesOf(discovery, core.mpm.mpm, [...new Set([...wantedModules, ...extraModules])]);
  const daemon = core.daemon && {
    ...core.daemon,
    options: [...core.daemon.options, ...results.flatMap((r) => r.daemonOptions ?? [])],
  };
  return {
    ...core,
    modules,
    daemon,
    appExclusions: results.flatMap((r) => r.appExclusions ?? []),
    warnings: [...core.warnings, ...results.flatMap((r) => r.warnings ?? [])],
    features,
  };
}

/** Whether "others" can reach and read a path: every directory above it searchable, the file readable. */
function readableByOthers(path: string): boolean {
  let p = path;
  const target = statOf(p);
  if (!target || !(target.mode & (target.isDirectory() ? 0o001 : 0o004))) {
    return false;
  }
  while ((p = dirname(p)) !== '/') {
    const st = statOf(p);
    if (!st || !(st.mode & 0o001)) {
      return false;
    }
  }
  return true;
}
