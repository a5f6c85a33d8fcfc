/** What is served and how: mode, mount point, Python environment (src/resolve/application.ts). */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { daemonLine } from '../helpers/daemon-line.js';
import { mkdirSync, symlinkSync, writeFileSync } from '../helpers/fake-fs.js';
import { dir, failure, run } from '../helpers/resolve-setup.js';

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
    [2, undefined, undefined, 2, 160],
    [1, undefined, undefined, 1, 320],
    [32, undefined, undefined, 8, 40],
    // Threads for 320 connections (the daemon-mode front's), at least 25 per process.
    [2, '4', undefined, 4, 80],
    [2, '16', undefined, 16, 25],
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

  // How the module was chosen says what to do: another environment, another module, or pip.
  it.each([
    [
      { kind: 'python-home' },
      'pip-installed in --python-home',
      "reinstall mod_wsgi with this environment's pip, or make one with: /usr/bin/python3.11 -m venv DIR",
    ],
    [
      { kind: 'option' },
      'given with --mod-wsgi-module',
      'make one with: /usr/bin/python3.11 -m venv DIR, or give a mod_wsgi built for Python 3.9',
    ],
    [
      { kind: 'modules-directory' },
      "in Apache's modules directory; none pip-installed in --python-home, no mod_wsgi-express on PATH",
      'make one with: /usr/bin/python3.11 -m venv DIR, or pip install mod_wsgi into this one',
    ],
  ] as const)(
    'refuses a module for Python 3.11 chosen by %j with an environment of 3.9',
    (source, why, remedy) => {
      const path = join(
        dir,
        'venv39',
        'lib',
        'python3.9',
        'site-packages',
        'mod_wsgi',
        'server',
        'mod_wsgi-py311.so',
      );
      expect(failure({ app: 'app.wsgi', 'python-home': 'venv39' }, {}, { modWsgi: { path, source } })).toBe(
        '--python-home: "venv39" is not valid; expected an environment of Python 3.11, the Python mod_wsgi was built for ' +
          `(${path}, ${why}); this one is Python 3.9 (${remedy}).`,
      );
    },
  );

  it('accepts the module pip-installed in the environment itself', () => {
    const path = join(
      dir,
      'venv311',
      'lib',
      'python3.11',
      'site-packages',
      'mod_wsgi',
      'server',
      'mod_wsgi-py311.so',
    );
    const config = run(
      { app: 'app.wsgi', 'python-home': 'venv311' },
      {},
      { modWsgi: { path, source: { kind: 'python-home' } } },
    );
    expect(config.pythonHome).toBe(join(dir, 'venv311'));
    expect(config.modules.at(-1)?.path).toBe(path);
  });

  it('accepts any version when the module does not say which Python it embeds', () => {
    expect(run({ 'python-home': 'venv39' }, {}, { pythonVersion: '' }).pythonHome).toBe(join(dir, 'venv39'));
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
