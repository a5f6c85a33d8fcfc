import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../src/config.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import type { ServerConfig } from '../../src/config.js';
import { resolve } from '../../src/resolve/index.js';
import { daemonLine } from './helpers/daemon-line.js';
import { chmodSync, mkdirSync, removeDir, symlinkSync, tempDir, writeFileSync } from './helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  MODULES_DIR,
  options,
  type ContextChanges,
} from './helpers/fakes.js';

type Raw = Record<string, unknown>;

let dir: string;
let accounts: Accounts;

beforeAll(() => {
  dir = tempDir('ew-resolve-');
  accounts = fakeAccounts(dir);
  for (const d of ['static/img', 'logs', 'pylib', 'work', 'docroot', 'with:colon/sub', 'empty']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'site.ini'), '[app:main]\nuse = egg:x\n');
  writeFileSync(join(dir, 'favicon.ico'), 'icon');
  writeFileSync(join(dir, 'extra.conf'), '# extra\n');
  writeFileSync(join(dir, 'env.sh'), 'export A=1\n');
  mkdirSync(join(dir, 'venv39'));
  writeFileSync(
    join(dir, 'venv39', 'pyvenv.cfg'),
    'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.2\n',
  );
  mkdirSync(join(dir, 'venv311'));
  writeFileSync(join(dir, 'venv311', 'pyvenv.cfg'), 'home = /usr/bin\nversion = 3.11.2\n');
  mkdirSync(join(dir, 'uvvenv'));
  writeFileSync(join(dir, 'uvvenv', 'pyvenv.cfg'), 'home = /usr/bin\nversion_info = 3.11.4.final.0\n');
  mkdirSync(join(dir, 'prefix311', 'lib', 'python3.11'), { recursive: true });
  mkdirSync(join(dir, 'prefix39', 'lib', 'python3.9'), { recursive: true });
});

afterAll(() => removeDir(dir));

function run(
  raw: Raw = {},
  ctx: ContextChanges & { accounts?: Accounts; cwd?: string } = {},
  discovery: Parameters<typeof fakeDiscovery>[0] = {},
): ServerConfig {
  const { accounts: acc, cwd, ...rest } = ctx;
  return resolve(options(raw), fakeDiscovery(discovery), fakeContext(acc ?? accounts, cwd ?? dir, rest));
}

/** The error resolve() throws, checked to be of the given class. */
function failure(
  raw: Raw,
  ctx: Parameters<typeof run>[1] = {},
  discovery: Parameters<typeof run>[2] = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  try {
    run(raw, ctx, discovery);
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`resolve accepted ${JSON.stringify(raw)}`);
}

describe('server root', () => {
  it.each([
    ['a trailing slash', (d: string) => `${d}/`],
    ['several trailing slashes', (d: string) => `${d}///`],
    ['no trailing slash', (d: string) => d],
  ])('defaults to $TMPDIR/express-wsgi-HOST:PORT:UID, with %s stripped', (_what, tmpdir) => {
    const config = run({}, { env: { TMPDIR: tmpdir(dir) } });
    expect(config.paths.serverRoot).toBe(`${dir}/express-wsgi-localhost:8000:1000`);
  });

  it('names the host, port and uid', () => {
    const config = run({ host: '127.0.0.1', port: '8081' }, { uid: 0, gid: 0 });
    expect(config.paths.serverRoot).toBe(`${dir}/express-wsgi-127.0.0.1:8081:0`);
  });

  it('uses /tmp when TMPDIR is unset or empty', () => {
    expect(run({}, { env: {} }).paths.serverRoot).toBe('/tmp/express-wsgi-localhost:8000:1000');
    expect(run({}, { env: { TMPDIR: '' } }).paths.serverRoot).toBe('/tmp/express-wsgi-localhost:8000:1000');
  });

  it('refuses a TMPDIR that is not a directory, naming it', () => {
    const missing = join(dir, 'no-such-dir');
    expect(failure({}, { env: { TMPDIR: missing } })).toBe(
      `TMPDIR: ${JSON.stringify(missing)} is not a directory; set TMPDIR to one, or give --server-root.`,
    );
  });

  it.each([
    ['relative to the current directory', 'root', () => join(dir, 'root')],
    ['absolute', () => join(dir, 'abs'), () => join(dir, 'abs')],
    ['with a trailing slash', 'root/', () => join(dir, 'root')],
  ])('--server-root %s', (_what, given, expected) => {
    const value = typeof given === 'function' ? given() : given;
    expect(run({ 'server-root': value }).paths.serverRoot).toBe(expected());
  });

  it('puts every generated file in the server root', () => {
    const root = join(dir, 'root');
    const { paths } = run({ 'server-root': root });
    expect(paths).toMatchObject({
      serverRoot: root,
      httpdConf: `${root}/httpd.conf`,
      apachectl: `${root}/apachectl`,
      envvars: `${root}/envvars`,
      rewriteRules: `${root}/rewrite.conf`,
      handler: `${root}/handler.wsgi`,
      welcome: `${root}/welcome.wsgi`,
      pidFile: `${root}/httpd.pid`,
      documentRoot: `${root}/htdocs`,
      ownDocumentRoot: true,
      logDirectory: root,
      socketPrefix: `${root}/wsgi`,
    });
  });

  it('refuses a --server-root whose parent is missing', () => {
    expect(failure({ 'server-root': 'a/b' })).toBe(
      `--server-root: "a/b" is not valid; expected a directory whose parent exists (${dir}/a does not).`,
    );
  });

  it('refuses a --server-root that is a file', () => {
    expect(failure({ 'server-root': 'app.wsgi' })).toBe(
      '--server-root: "app.wsgi" is not valid; expected a directory (it is a file).',
    );
  });
});

describe('accounts', () => {
  it('started as root, runs Apache as www-data', () => {
    const config = run({}, { uid: 0, gid: 0 });
    expect(config.startedAsRoot).toBe(true);
    expect(config.user).toEqual({ name: 'www-data', id: 33, gid: 33 });
    expect(config.group).toEqual({ name: 'www-data', id: 33 });
  });

  it('started as root without www-data, falls back to nobody:nogroup', () => {
    const config = run({}, { uid: 0, gid: 0, accounts: fakeAccounts(join(dir, 'no-www'), ['www-data']) });
    expect(config.user.name).toBe('nobody');
    expect(config.group.name).toBe('nogroup');
  });

  it('started as root with neither www-data nor nobody, asks for --user', () => {
    const bare = fakeAccounts(join(dir, 'bare'), ['www-data', 'nobody']);
    expect(failure({}, { uid: 0, gid: 0, accounts: bare })).toContain('--user: running as root needs');
  });

  it('not root, runs as its own account and primary group', () => {
    const config = run({}, { uid: 1000, gid: 1001 });
    expect(config.startedAsRoot).toBe(false);
    expect(config.user).toEqual({ name: 'alice', id: 1000, gid: 1001 });
    expect(config.group).toEqual({ name: 'alice', id: 1001 });
    expect(config.warnings).toEqual([]);
  });

  it('not root with a uid that has no passwd entry (containers), uses #uid and #gid', () => {
    const config = run({}, { uid: 4242, gid: 4343 });
    expect(config.user).toEqual({ name: '#4242', id: 4242 });
    expect(config.group).toEqual({ name: '#4343', id: 4343 });
  });

  it.each(['root', '#0'])('refuses --user %s when started as root', (user) => {
    expect(failure({ user }, { uid: 0, gid: 0 })).toBe(
      `--user: ${JSON.stringify(user)} is not valid; expected an unprivileged account: Apache does not serve requests as root.`,
    );
  });

  it.each(['root', '#0'])('refuses --group %s when started as root, as --user root is', (group) => {
    expect(failure({ group }, { uid: 0, gid: 0 })).toBe(
      `--group: ${JSON.stringify(group)} is not valid; expected an unprivileged group: the app must not run with group root (gid 0); give --group, e.g. --group nogroup.`,
    );
    expect(failure({ user: 'bob', group }, { uid: 0, gid: 0 })).toContain('--group: ');
  });

  it('--group root started as an ordinary user only warns that it has no effect', () => {
    expect(run({ group: 'root' }).warnings).toContain(
      '--user and --group only take effect when express-wsgi is started as root.',
    );
  });

  it.each([
    [{ user: 'bob' }, 'bob', 'bob'],
    [{ user: 'bob', group: 'staff' }, 'bob', 'staff'],
    [{ user: '#1002', group: '#50' }, 'bob', 'staff'],
    [{ user: '#5000' }, '#5000', 'nogroup'],
    [{ group: 'staff' }, 'www-data', 'staff'],
  ])('as root, %j runs as %s:%s', (raw, user, group) => {
    const config = run(raw, { uid: 0, gid: 0 });
    expect([config.user.name, config.group.name]).toEqual([user, group]);
  });

  it.each([
    [{ user: 'mallory' }, '--user: "mallory" is not valid; expected an existing account name or #uid.'],
    [{ group: 'wheel' }, '--group: "wheel" is not valid; expected an existing group name or #gid.'],
  ])('refuses an unknown account: %j', (raw, message) => {
    expect(failure(raw, { uid: 0, gid: 0 })).toBe(message);
  });

  it('not root, warns that --user has no effect', () => {
    expect(run({ user: 'bob' }).warnings).toContain(
      '--user and --group only take effect when express-wsgi is started as root.',
    );
  });

  it('as root, warns when the application directory is closed to the account it runs as', () => {
    const closed = join(dir, 'closed');
    mkdirSync(closed, { recursive: true, mode: 0o700 });
    chmodSync(closed, 0o700);
    writeFileSync(join(closed, 'app.wsgi'), '');
    const config = run({ app: 'closed/app.wsgi' }, { uid: 0, gid: 0 });
    expect(config.warnings.join('\n')).toContain(
      `${closed}/app.wsgi (or a directory above it) may not be readable by www-data`,
    );
  });
});

describe('operating mode', () => {
  it('daemon by default, with the welcome app and reloading', () => {
    const config = run();
    expect(config.mode).toBe('daemon');
    expect(config.processGroup).toBe('localhost:8000');
    expect(config.daemon?.name).toBe('localhost:8000');
    expect(config.app).toEqual({
      type: 'script',
      entryPoint: config.paths.welcome,
      callable: 'application',
      mountPoint: '/',
      mountPattern: undefined,
      welcome: true,
      reloading: true,
      reloadOnChanges: false,
    });
    expect(config.mpm.mpm).toBe('event');
    expect(config.capacity).toEqual({ processes: 1, threads: 5 });
  });

  it('daemon options: no processes= unless given (one process, not multiprocess), then the tuning', () => {
    const options = daemonLine(run({ app: 'app.wsgi' }));
    expect(options.has('processes')).toBe(false);
    expect(Object.fromEntries(options)).toMatchObject({
      threads: 5,
      'display-name': '(wsgi:localhost:8000:1000)',
      home: dir,
      lang: 'C.UTF-8',
      locale: 'C.UTF-8',
      'maximum-requests': 0,
      'socket-timeout': 60,
      'queue-timeout': 45,
      'request-timeout': 60,
      'listen-backlog': 320,
    });
    const given = daemonLine(run({ app: 'app.wsgi', processes: '3', threads: '7' }));
    expect([given.get('processes'), given.get('threads')]).toEqual([3, 7]);
  });

  it('embedded: no daemon, the global process group, worker MPM, no reloading', () => {
    const config = run({ app: 'app.wsgi', 'embedded-mode': true, 'python-path': 'pylib' });
    expect(config.mode).toBe('embedded');
    expect(config.daemon).toBeUndefined();
    expect(config.processGroup).toBe('%{GLOBAL}');
    expect(config.mpm.mpm).toBe('worker');
    expect(config.app?.reloading).toBe(false);
    // handler.wsgi puts the working directory on sys.path itself: WSGIPythonPath would split a ':' in it.
    expect(config.pythonPath).toEqual([join(dir, 'pylib')]);
    expect(config.workingDirectory).toBe(dir);
  });

  it.each([
    // CPUs, --processes, --threads, expected processes x threads
    [2, undefined, undefined, 2, 25],
    [1, undefined, undefined, 1, 25],
    [32, undefined, undefined, 8, 25],
    [2, '3', '4', 3, 4],
  ])('embedded with %p CPUs, --processes %p --threads %p: %p x %p', (cpus, processes, threads, p, t) => {
    const config = run({ app: 'app.wsgi', 'embedded-mode': true, processes, threads }, { cpus });
    expect(config.capacity).toEqual({ processes: p, threads: t });
    expect(config.mpm.maxClients).toBe(p * t);
  });

  it('embedded mode on prefork keeps 1 x 5: each "thread" would be a process with its own Python', () => {
    const config = run({ app: 'app.wsgi', 'embedded-mode': true, 'server-mpm': 'prefork' }, { cpus: 8 });
    expect(config.capacity).toEqual({ processes: 1, threads: 5 });
  });

  it('daemon mode keeps 1 x 5 whatever the CPUs', () => {
    expect(run({ app: 'app.wsgi' }, { cpus: 16 }).capacity).toEqual({ processes: 1, threads: 5 });
  });

  it('static: no application, the directory is the document root', () => {
    const config = run({ app: 'static', 'application-type': 'static' });
    expect(config.mode).toBe('static');
    expect(config.app).toBeUndefined();
    expect(config.daemon).toBeUndefined();
    expect(config.paths.documentRoot).toBe(join(dir, 'static'));
    expect(config.paths.ownDocumentRoot).toBe(false);
  });

  describe('a document root that is or holds the server root is refused (Apache would serve envvars and logs)', () => {
    const tail =
      ', so Apache would serve its envvars, logs and configuration; give a --server-root outside the directory served (or serve another one).';
    it('--document-root holding the server root', () => {
      const root = join(dir, 'docroot', 'server');
      expect(failure({ 'document-root': 'docroot', 'server-root': root })).toBe(
        `--document-root "docroot" contains the server root ${JSON.stringify(root)}${tail}`,
      );
    });
    it('--document-root that is the server root', () => {
      expect(failure({ 'document-root': 'docroot', 'server-root': 'docroot' })).toBe(
        `--document-root "docroot" is the server root ${JSON.stringify(join(dir, 'docroot'))}${tail}`,
      );
    });
    it('through a symlink to the document root', () => {
      symlinkSync(join(dir, 'docroot'), join(dir, 'docroot-link'));
      expect(failure({ 'document-root': 'docroot-link', 'server-root': 'docroot/server' })).toContain(
        '--document-root "docroot-link" contains the server root',
      );
    });
    it('a static site in the directory that holds the default server root ($TMPDIR)', () => {
      const cwd = join(dir, 'static');
      expect(failure({ 'application-type': 'static' }, { cwd, env: { TMPDIR: cwd } })).toContain(
        `the current directory ${JSON.stringify(cwd)} (served with --application-type static) contains the server root`,
      );
      expect(failure({ app: '.', 'application-type': 'static' }, { cwd, env: { TMPDIR: cwd } })).toContain(
        'the static directory "." contains the server root',
      );
    });
    it('a document root inside the server root is fine (<server-root>/htdocs is the default)', () => {
      mkdirSync(join(dir, 'sr', 'site'), { recursive: true });
      const config = run({ 'server-root': 'sr', 'document-root': 'sr/site' });
      expect(config.paths.documentRoot).toBe(join(dir, 'sr', 'site'));
    });
  });

  describe('a --url-alias to, around or into the server root is refused', () => {
    it.each([
      ['the server root', 'ar', 'is'],
      ['its parent', '.', 'contains'],
      ['a directory inside it', 'ar/logs', 'is inside'],
      ['a file inside it', 'ar/envvars', 'is inside'],
    ])('%s', (_what, target, how) => {
      mkdirSync(join(dir, 'ar', 'logs'), { recursive: true });
      writeFileSync(join(dir, 'ar', 'envvars'), 'export A=b\n');
      expect(failure({ 'server-root': 'ar', 'url-alias': ['/x', target] })).toBe(
        `--url-alias /x ${JSON.stringify(join(dir, target).replace(/\/\.$/, ''))} ${how} the server root ${JSON.stringify(join(dir, 'ar'))}, so Apache would serve its envvars, logs and configuration; give a --server-root outside it (or alias another path).`,
      );
    });
    it('but one into the document root kept in the server root is fine, and so is one elsewhere', () => {
      mkdirSync(join(dir, 'ar2', 'site', 'img'), { recursive: true });
      const config = run({
        'server-root': 'ar2',
        'document-root': 'ar2/site',
        'url-alias': ['/img', 'ar2/site/img'],
      });
      expect(config.aliases.map((a) => a.url)).toEqual(['/img']);
      expect(run({ 'url-alias': ['/s', 'static'] }).aliases.map((a) => a.url)).toEqual(['/s']);
    });
  });

  it('static without a directory serves the current one', () => {
    const cwd = join(dir, 'static');
    const config = run({ 'application-type': 'static' }, { cwd, env: { TMPDIR: dir, LANG: 'C' } });
    expect(config.paths.documentRoot).toBe(cwd);
  });

  it.each([
    [{ app: 'app.wsgi' }, 'script', () => join(dir, 'app.wsgi')],
    [{ app: 'pkg.sub.wsgi', 'application-type': 'module' }, 'module', () => 'pkg.sub.wsgi'],
    [{ app: 'site.ini', 'application-type': 'paste' }, 'paste', () => join(dir, 'site.ini')],
  ])('entry point %j is a %s: %s', (raw, type, entry) => {
    const config = run(raw);
    expect(config.app).toMatchObject({ type, entryPoint: entry(), welcome: false });
  });

  it.each([
    [
      { app: 'missing.wsgi' },
      '--entry-point: "missing.wsgi" is not valid; expected an existing file (no such file).',
    ],
    [{ app: 'static' }, '--entry-point: "static" is not valid; expected a file (it is a directory).'],
    [
      { app: 'pkg/mod.py', 'application-type': 'module' },
      '--entry-point: "pkg/mod.py" is not valid; expected a dotted Python module name such as mysite.wsgi.',
    ],
    [
      { app: 'app.wsgi', 'embedded-mode': true, 'reload-on-changes': true },
      '--reload-on-changes needs daemon mode; it cannot be combined with --embedded-mode.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure(raw)).toBe(message);
  });

  it.each([
    [{ app: 'app.wsgi' }, () => dir],
    [{ app: 'app.wsgi', 'working-directory': 'work' }, () => join(dir, 'work')],
  ])('working directory for %j', (raw, expected) => {
    expect(run(raw).workingDirectory).toBe(expected());
  });
});

describe('mount point', () => {
  it.each([
    ['/', '/', undefined],
    ['//', '/', undefined],
    ['app', '/app', '^/app(/|$)'],
    ['/app/', '/app', '^/app(/|$)'],
    ['/a/b//', '/a/b', '^/a/b(/|$)'],
    ['/v1.2', '/v1.2', '^/v1\\.2(/|$)'],
  ])('%p is mounted at %p', (given, mountPoint, mountPattern) => {
    const app = run({ app: 'app.wsgi', 'mount-point': given }).app;
    expect(app?.mountPoint).toBe(mountPoint);
    expect(app?.mountPattern).toBe(mountPattern);
  });

  it('the pattern matches the mount point and below, not a longer name', () => {
    const pattern = new RegExp(run({ app: 'app.wsgi', 'mount-point': '/v1.2' }).app?.mountPattern as string);
    expect(['/v1.2', '/v1.2/', '/v1.2/x'].map((u) => pattern.test(u))).toEqual([true, true, true]);
    expect(['/v1.20', '/v1x2', '/', '/other/v1.2'].map((u) => pattern.test(u))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('url aliases', () => {
  it('sorts longer URL prefixes first and tells files from directories', () => {
    const config = run({
      'url-alias': [
        '/static',
        'static',
        '/favicon.ico',
        'favicon.ico',
        '/static/img',
        'static/img',
        '/docs',
        'static/',
      ],
    });
    expect(config.aliases).toEqual([
      { url: '/static/img', path: join(dir, 'static/img') },
      { url: '/static', path: join(dir, 'static') },
      { url: '/favicon.ico', path: join(dir, 'favicon.ico'), file: { dir, name: 'favicon.ico' } },
      // A directory given with a trailing slash keeps it (Apache then maps /docs/x, not /docsx).
      { url: '/docs', path: `${join(dir, 'static')}/` },
    ]);
  });

  it('whatever the order given, a prefix comes after every longer alias it is a prefix of', () => {
    const urls = ['/a', '/a/b', '/a/b/c', '/a-b', '/A', '/a.b', '/a/b-c', '/ab'];
    const raw = urls.flatMap((u) => [u, 'static']);
    const sorted = run({ 'url-alias': raw }).aliases.map((a) => a.url);
    for (const [i, url] of sorted.entries()) {
      for (const later of sorted.slice(i + 1)) {
        expect(later.startsWith(`${url}/`)).toBe(false);
      }
    }
    expect([...sorted].sort()).toEqual([...urls].sort());
  });

  it.each([
    [
      ['/x', 'nothing-here'],
      '--url-alias: "nothing-here" is not valid; expected an existing file or directory to serve at /x.',
    ],
    [
      ['static', 'static'],
      '--url-alias: "static" is not valid; expected a URL path such as /static as the first value.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure({ 'url-alias': raw })).toBe(message);
  });
});

describe('logs', () => {
  it.each([
    [{}, 'error_log', undefined, undefined],
    [
      { 'access-log': true },
      'error_log',
      { file: 'access_log', format: 'common', custom: undefined },
      undefined,
    ],
    [
      { 'access-log': true, 'access-log-format': 'combined' },
      'error_log',
      { file: 'access_log', format: 'combined', custom: undefined },
      undefined,
    ],
    [
      { 'access-log': true, 'access-log-format': '%h "%r" %>s' },
      'error_log',
      { file: 'access_log', format: 'custom', custom: '%h "%r" %>s' },
      undefined,
    ],
    [{ 'startup-log': true }, 'error_log', undefined, 'startup_log'],
  ])('in the server root: %j', (raw, errorLog, accessLog, startupLog) => {
    const config = run({ 'server-root': 'root', ...raw });
    const root = join(dir, 'root');
    expect(config.log.errorLog).toBe(join(root, errorLog));
    expect(config.log.accessLog).toEqual(accessLog && { ...accessLog, file: join(root, accessLog.file) });
    expect(config.log.startupLog).toBe(startupLog && join(root, startupLog));
    expect(config.log.toTerminal).toBe(false);
  });

  it('--log-to-terminal: errors and startup to stderr, access to stdout', () => {
    const config = run({ 'log-to-terminal': true, 'access-log': true, 'startup-log': true });
    expect(config.log).toMatchObject({
      toTerminal: true,
      errorLog: '/dev/stderr',
      accessLog: { file: '/dev/stdout', format: 'common' },
      startupLog: '/dev/stderr',
    });
  });

  it('--log-directory holds every log file', () => {
    const config = run({ 'log-directory': 'logs', 'access-log': true, 'startup-log': true });
    expect(config.paths.logDirectory).toBe(join(dir, 'logs'));
    expect(config.log).toMatchObject({
      errorLog: join(dir, 'logs', 'error_log'),
      accessLog: { file: join(dir, 'logs', 'access_log') },
      startupLog: join(dir, 'logs', 'startup_log'),
    });
  });

  it.each([
    [{ 'log-directory': 'nope' }, '--log-directory: "nope" is not valid; expected an existing directory.'],
    [
      { 'log-directory': 'logs', 'log-to-terminal': true },
      '--log-to-terminal and --log-directory both say where logs go; give one of them.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure(raw)).toBe(message);
  });

  it('keeps the level and error log format', () => {
    const config = run({ 'log-level': 'info rewrite:trace3', 'error-log-format': '[%t] %M' });
    expect(config.log.level).toBe('info rewrite:trace3');
    expect(config.log.errorLogFormat).toBe('[%t] %M');
  });
});

describe('--python-home', () => {
  it.each([
    ['a venv of the same Python', 'venv311'],
    ['a venv whose pyvenv.cfg says version_info', 'uvvenv'],
    ['a prefix with lib/python3.11', 'prefix311'],
  ])('accepts %s', (_what, home) => {
    const config = run({ app: 'app.wsgi', 'python-home': home });
    expect(config.pythonHome).toBe(join(dir, home));
    expect(daemonLine(config).get('python-home')).toBe(join(dir, home));
  });

  it.each(['venv39', 'prefix39'])('refuses %s, made with another Python, naming both versions', (home) => {
    const message = failure({ app: 'app.wsgi', 'python-home': home });
    expect(message).toContain(`--python-home: ${JSON.stringify(home)} is not valid`);
    expect(message).toContain('Python 3.11, the Python mod_wsgi was built for');
    expect(message).toContain('this one is Python 3.9');
    expect(message).toContain('/usr/bin/python3.11 -m venv DIR');
  });

  it.each([
    ['empty', 'a Python virtual environment (no pyvenv.cfg or lib/pythonX.Y)'],
    ['missing', 'an existing directory'],
  ])('refuses the %s directory', (home, expected) => {
    expect(failure({ 'python-home': home })).toBe(
      `--python-home: "${home}" is not valid; expected ${expected}.`,
    );
  });

  it('accepts any version when the module does not say which Python it embeds', () => {
    expect(run({ 'python-home': 'venv39' }, {}, { pythonVersion: '' }).pythonHome).toBe(join(dir, 'venv39'));
  });
});

describe('daemon socket paths', () => {
  // Linux sun_path is 108 bytes with the NUL; mod_wsgi appends .PID.uUID.ID.sock to the prefix.
  const WORST_SUFFIX = '.4194304.u4294967295.99.sock'.length;
  const longRoot = () => join(dir, 'r'.repeat(100));

  it('refuses a server root so long that socket paths would not fit, suggesting --socket-prefix', () => {
    const message = failure({ 'server-root': longRoot() });
    expect(message).toContain(
      `--server-root: ${JSON.stringify(longRoot())} is not valid; expected a shorter path`,
    );
    expect(message).toContain('--socket-prefix');
  });

  it('counts the socket path in UTF-8 bytes, not UTF-16 units (issue 11, item 13)', () => {
    // As many "ü" as fit by JavaScript length: each is two bytes in sun_path, so it cannot fit.
    const count = 107 - WORST_SUFFIX - join(dir, '/wsgi').length - 1;
    expect(count).toBeGreaterThan(0);
    const root = join(dir, 'ü'.repeat(count));
    expect(`${root}/wsgi`.length + WORST_SUFFIX).toBeLessThanOrEqual(107);
    expect(failure({ 'server-root': root })).toContain(
      `--server-root: ${JSON.stringify(root)} is not valid; expected a shorter path`,
    );
  });

  it('accepts that server root with a short --socket-prefix', () => {
    const config = run({ 'server-root': longRoot(), 'socket-prefix': join(dir, 'w') });
    expect(config.paths.socketPrefix).toBe(join(dir, 'w'));
  });

  it('accepts that server root in static mode, which has no daemon', () => {
    const raw = { app: 'static', 'server-root': longRoot(), 'application-type': 'static' };
    expect(run(raw).mode).toBe('static');
  });

  it('refuses a long --socket-prefix, naming it', () => {
    const prefix = join(dir, 's'.repeat(100));
    expect(failure({ 'socket-prefix': prefix })).toContain(
      `--socket-prefix: ${JSON.stringify(prefix)} is not valid`,
    );
  });

  it('refuses a --socket-prefix in a missing directory', () => {
    expect(failure({ 'socket-prefix': 'nodir/wsgi' })).toBe(
      `--socket-prefix: "nodir/wsgi" is not valid; expected a path in an existing directory (${dir}/nodir does not exist).`,
    );
  });

  it('draws the line where the longest socket path fills sun_path exactly', () => {
    const fits = 107 - WORST_SUFFIX;
    const rootOf = (prefixLength: number) =>
      `${dir}/${'x'.repeat(prefixLength - dir.length - '/'.length - '/wsgi'.length)}`;
    expect(run({ 'server-root': rootOf(fits) }).paths.socketPrefix).toHaveLength(fits);
    expect(failure({ 'server-root': rootOf(fits + 1) })).toContain('UNIX socket limit');
  });
});

describe('timeouts', () => {
  it.each([
    [{}, 'header=15-30,MinRate=500 body=15,MinRate=500'],
    [{ 'header-timeout': '0' }, 'header=0 body=15,MinRate=500'],
    [{ 'body-timeout': '0' }, 'header=15-30,MinRate=500 body=0'],
    [{ 'header-min-rate': '0', 'header-max-timeout': '0', 'body-min-rate': '0' }, 'header=15 body=15'],
    [{ 'header-max-timeout': '0' }, 'header=15,MinRate=500 body=15,MinRate=500'],
    [{ 'header-max-timeout': '15' }, 'header=15,MinRate=500 body=15,MinRate=500'],
    [{ 'body-max-timeout': '40' }, 'header=15-30,MinRate=500 body=15-40,MinRate=500'],
  ])('%j gives RequestReadTimeout %s', (raw, expected) => {
    expect(run(raw).timeouts.requestRead).toBe(expected);
  });

  it('refuses a timeout range without a minimum rate, which mod_reqtimeout refuses', () => {
    expect(failure({ 'header-min-rate': '0' })).toBe(
      '--header-min-rate: 0 is not valid; expected at least 1 byte per second while --header-max-timeout (30) exceeds --header-timeout (15), or give --header-max-timeout 0.',
    );
    expect(failure({ 'body-min-rate': '0', 'body-max-timeout': '40' })).toContain('--body-min-rate: 0');
  });

  it('refuses a maximum below its timeout', () => {
    expect(failure({ 'header-max-timeout': '10' })).toBe(
      '--header-max-timeout: 10 is not valid; expected 0 or at least --header-timeout (15).',
    );
  });

  it('passes the rest through', () => {
    const config = run({ 'keep-alive-timeout': '0', 'socket-timeout': '9', 'limit-request-body': '0' });
    expect(config.timeouts).toMatchObject({ keepAlive: 0, socket: 9, limitRequestBody: 0 });
  });
});

describe('listen address and URL', () => {
  it.each([
    [{}, '8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '127.0.0.1', port: '8080' }, '127.0.0.1:8080', 'http://127.0.0.1:8080/', '127.0.0.1:8080'],
    // Apache refuses an IPv6 literal in ServerName ('[' reads as a wildcard), so the name is localhost.
    [{ host: '::1' }, '[::1]:8000', 'http://[::1]:8000/', 'localhost:8000'],
    [{ host: '[::1]' }, '[::1]:8000', 'http://[::1]:8000/', 'localhost:8000'],
    [{ host: '0.0.0.0' }, '0.0.0.0:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '::' }, '[::]:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '[::]' }, '[::]:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ port: '80' }, '80', 'http://localhost/', 'localhost:80'],
  ])('%j listens on %s, shown as %s', (raw, listen, url, serverName) => {
    const config = run(raw);
    expect([config.listen, config.url, config.serverName]).toEqual([listen, url, serverName]);
  });
});

describe('locale', () => {
  it.each([
    [{}, {}, 'C.UTF-8'],
    [{}, { LANG: 'C' }, 'C.UTF-8'],
    [{}, { LANG: 'POSIX' }, 'C.UTF-8'],
    [{}, { LANG: 'en_US.UTF-8' }, 'en_US.UTF-8'],
    [{}, { LANG: 'C', LC_CTYPE: 'C.UTF-8' }, 'C.UTF-8'],
    [{}, { LANG: 'C', LC_ALL: 'de_DE.UTF-8' }, 'de_DE.UTF-8'],
    [{ locale: 'fr_FR.UTF-8' }, { LC_ALL: 'de_DE.UTF-8' }, 'fr_FR.UTF-8'],
  ])('%j with environment %j gives %s', (raw, env, expected) => {
    expect(run(raw, { env: { TMPDIR: dir, ...env } }).locale).toBe(expected);
  });
});

describe('modules', () => {
  const ids = (config: ServerConfig) => config.modules.map((m) => m.id);

  it('loads the MPM first and mod_wsgi last, from the discovered paths', () => {
    const config = run();
    expect(config.modules[0]).toEqual({ id: 'mpm_event_module', path: `${MODULES_DIR}/mod_mpm_event.so` });
    expect(config.modules.at(-1)).toEqual({ id: 'wsgi_module', path: `${MODULES_DIR}/mod_wsgi.so` });
    expect(ids(config)).toEqual(
      expect.arrayContaining([
        'authz_core_module',
        'mime_module',
        'dir_module',
        'alias_module',
        'rewrite_module',
      ]),
    );
    // Built into Debian's httpd: not in the modules directory, so not loaded.
    expect(ids(config)).not.toContain('unixd_module');
    expect(ids(config)).not.toContain('log_config_module');
    expect(ids(config)).not.toContain('deflate_module');
  });

  it('loads a built-in module when the modules directory has it', () => {
    expect(ids(run({}, {}, { modules: [...ALL_MODULES, 'mod_unixd.so'] }))).toContain('unixd_module');
  });

  it.each([
    [{ 'compress-responses': true }, ['filter_module', 'deflate_module']],
    [{ 'directory-listing': true }, ['autoindex_module']],
    [{ setenv: ['A', 'b'] }, ['env_module']],
    [{ passenv: 'HOME' }, ['env_module']],
    [{ 'server-mpm': 'prefork' }, ['mpm_prefork_module']],
  ])('%j loads %j', (raw, wanted) => {
    expect(ids(run(raw))).toEqual(expect.arrayContaining(wanted));
  });

  it('a missing module is an environment problem that names it', () => {
    const modules = ALL_MODULES.filter((m) => m !== 'mod_deflate.so');
    const message = failure({ 'compress-responses': true }, {}, { modules }, EnvironmentError);
    expect(message).toBe(
      `Apache module mod_deflate is missing from ${MODULES_DIR}; it is part of a full Apache 2.4 install.`,
    );
  });

  it.each(['1', '2'])(
    'embedded mode on the event MPM refuses --threads %s (fewer than it handles)',
    (threads) => {
      const raw = { app: 'app.wsgi', 'embedded-mode': true, 'server-mpm': 'event', threads };
      expect(failure(raw)).toBe(
        `--threads: ${threads} is not valid; expected 3 or more with the event MPM in embedded mode (it does not handle fewer threads per process properly), or --server-mpm worker or prefork.`,
      );
    },
  );

  it('the event MPM takes 3 threads in embedded mode, and any count in daemon mode', () => {
    expect(run({ app: 'app.wsgi', 'embedded-mode': true, 'server-mpm': 'event', threads: '3' }).mpm.mpm).toBe(
      'event',
    );
    expect(run({ app: 'app.wsgi', 'server-mpm': 'event', threads: '1' }).mpm.mpm).toBe('event');
  });

  it("embedded mode keeps to each MPM's own ThreadLimit (worker 20000, event 100000)", () => {
    const raw = { app: 'app.wsgi', 'embedded-mode': true, processes: '1' };
    expect(failure({ ...raw, 'server-mpm': 'worker', threads: '20001' })).toBe(
      "--processes 1 with --threads 20001 needs ServerLimit 2 and ThreadLimit 20001, more than Apache's worker MPM allows (ServerLimit 20000, ThreadLimit 20000); give fewer processes, threads or clients.",
    );
    expect(run({ ...raw, 'server-mpm': 'worker', threads: '20000' }).mpm.mpm).toBe('worker');
    expect(run({ ...raw, 'server-mpm': 'event', threads: '20001' }).mpm.mpm).toBe('event');
  });

  it("says when --max-clients is raised to the daemons' capacity, or has no effect in embedded mode", () => {
    expect(run({ app: 'app.wsgi', 'max-clients': '1', processes: '5', threads: '5' }).warnings).toContain(
      '--max-clients 1: raised to 25, the requests the daemon processes take at once (--processes × --threads).',
    );
    const embedded = run({
      app: 'app.wsgi',
      'embedded-mode': true,
      'max-clients': '500',
      processes: '2',
      threads: '4',
    });
    expect(embedded.warnings).toContain(
      "--max-clients: no effect in embedded mode, where Apache's capacity is --processes × --threads (8).",
    );
    expect(run({ app: 'app.wsgi', 'max-clients': '400' }).warnings.join('\n')).not.toContain('--max-clients');
  });

  it('no usable MPM is refused, naming --server-mpm', () => {
    const modules = ALL_MODULES.filter((m) => !m.startsWith('mod_mpm_'));
    expect(failure({}, {}, { modules })).toContain('--server-mpm');
    expect(failure({ 'server-mpm': 'worker' }, {}, { modules: ['mod_mpm_event.so'] })).toContain(
      'none of worker is',
    );
  });

  it.each([
    [['WSGISocketRotation'], true],
    [[], false],
  ])('socket rotation directive %j known: %p', (directives, expected) => {
    expect(run({}, {}, { directives }).socketRotation).toBe(expected);
  });
});

describe('files, paths and the environment', () => {
  it('resolves --include-file, --envvars-script and --python-path against the current directory', () => {
    const config = run({
      app: 'app.wsgi',
      'include-file': 'extra.conf',
      'envvars-script': 'env.sh',
      'python-path': ['pylib', 'work'],
    });
    expect(config.includeFiles).toEqual([join(dir, 'extra.conf')]);
    expect(config.envvarsScript).toBe(join(dir, 'env.sh'));
    expect(config.pythonPath).toEqual([join(dir, 'pylib'), join(dir, 'work')]);
    expect(daemonLine(config).get('python-path')).toBe(`${join(dir, 'pylib')}:${join(dir, 'work')}`);
  });

  it.each([
    [
      { 'include-file': 'none.conf' },
      '--include-file: "none.conf" is not valid; expected an existing file (no such file).',
    ],
    [
      { 'envvars-script': 'pylib' },
      '--envvars-script: "pylib" is not valid; expected a file (it is a directory).',
    ],
    [{ 'python-path': 'nope' }, '--python-path: "nope" is not valid; expected an existing directory.'],
    [{ 'document-root': 'nope' }, '--document-root: "nope" is not valid; expected an existing directory.'],
    [
      { 'working-directory': 'nope' },
      '--working-directory: "nope" is not valid; expected an existing directory.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure(raw)).toBe(message);
  });

  // mod_wsgi splits python-path= and WSGIPythonPath on ':', so such a directory would silently become two.
  it('refuses a --python-path directory whose name contains ":"', () => {
    expect(failure({ app: 'app.wsgi', 'python-path': 'with:colon' })).toContain('--python-path');
  });

  it('refuses a relative --python-path that resolves under a directory whose name contains ":"', () => {
    expect(failure({ app: '../app.wsgi', 'python-path': 'sub' }, { cwd: join(dir, 'with:colon') })).toContain(
      '--python-path',
    );
  });

  it('passes --setenv, --passenv, --document-root and the directory options through', () => {
    const config = run({
      setenv: ['A', 'x "y" z', 'B', ''],
      passenv: ['HOME', 'LANG'],
      'document-root': 'docroot',
      'directory-index': 'index.html',
      'directory-listing': true,
      'compress-responses': true,
      'chunked-request': true,
    });
    expect(config.setenv).toEqual([
      ['A', 'x "y" z'],
      ['B', ''],
    ]);
    expect(config.passenv).toEqual(['HOME', 'LANG']);
    expect(config.paths.documentRoot).toBe(join(dir, 'docroot'));
    expect(config.paths.ownDocumentRoot).toBe(false);
    expect(config).toMatchObject({
      directoryIndex: 'index.html',
      directoryListing: true,
      compressResponses: true,
      chunkedRequest: true,
    });
  });

  it('records the command line and version given in the context', () => {
    const config = run({}, { argv: ['express-wsgi', 'setup-server', '--port', '9'], version: '9.9.9' });
    expect(config.argv).toEqual(['express-wsgi', 'setup-server', '--port', '9']);
    expect(config.version).toBe('9.9.9');
    expect(config.httpd).toBe('/usr/sbin/apache2');
    expect(config.modWsgiVersion).toBe('4.9.4');
  });
});
