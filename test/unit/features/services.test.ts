/**
 * The services feature: service scripts, debug mode and its tools (pdb, coverage, profiler,
 * recorder, gdb), telemetry (mod_wsgi 6 only), the docs at /__wsgi__/docs and the refused
 * --with-php5. Every option goes through parse → resolve, and through render where it prints
 * something; the Python put into handler.wsgi is compiled by a real Python.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import type { Discovery } from '../../../src/discovery/discovery.js';
import { systemHost } from '../../../src/discovery/host.js';
import { UsageError } from '../../../src/errors.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import {
  chmodSync,
  DOCS_DIRECTORY,
  mkdirSync,
  removeDir,
  tempDir,
  writeFileSync,
} from '../helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  type ContextChanges,
} from '../helpers/fakes.js';

type Raw = Record<string, unknown>;
type Version = readonly [number, number, number];

let dir: string;
let accounts: Accounts;
/** Python stand-ins: one that imports anything, one that imports nothing. */
let importsAll: string;
let importsNothing: string;

beforeAll(() => {
  dir = tempDir('ew-services-');
  accounts = fakeAccounts(dir);
  for (const d of ['static', 'logs', 'out', 'bin', 'venv/bin', 'venv/lib/python3.11']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'service.py'), 'import time\nwhile True:\n    time.sleep(1)\n');
  writeFileSync(join(dir, 'other.py'), 'pass\n');
  writeFileSync(join(dir, 'a-file'), 'not a directory\n');
  writeFileSync(join(dir, 'venv', 'pyvenv.cfg'), 'version = 3.11.2\n');
  importsAll = join(dir, 'bin', 'python-all');
  importsNothing = join(dir, 'bin', 'python-none');
  writeFileSync(importsAll, '#!/bin/sh\nexit 0\n');
  writeFileSync(importsNothing, '#!/bin/sh\nexit 1\n');
  const gdb = join(dir, 'bin', 'gdb');
  writeFileSync(gdb, '#!/bin/sh\nexit 0\n');
  for (const f of [importsAll, importsNothing, gdb]) {
    chmodSync(f, 0o755);
  }
  mkdirSync(DOCS_DIRECTORY, { recursive: true });
});

afterAll(() => removeDir(dir));

function discoveryOf(version: Version | undefined, python: string | undefined): Discovery {
  const d = fakeDiscovery();
  return { ...d, python, modWsgi: { ...d.modWsgi, version: version ?? d.modWsgi.version } };
}

interface RunOptions {
  readonly version?: Version;
  readonly python?: string | undefined;
  readonly ctx?: ContextChanges;
  /** No application: --application-type static. */
  readonly noApp?: boolean;
}

function run(raw: Raw = {}, o: RunOptions = {}): ServerConfig {
  const base = o.noApp ? { 'application-type': 'static', 'document-root': 'static' } : { app: 'app.wsgi' };
  const python = 'python' in o ? o.python : importsAll;
  return resolve(options({ ...base, 'server-root': 'root', ...raw }), discoveryOf(o.version, python), {
    ...fakeContext(accounts, dir, o.ctx),
  });
}

const AS_ROOT = { ctx: { uid: 0, gid: 0 } } as const;
const SIX: Version = [6, 0, 5];

/** The message of the UsageError that parsing or resolving `raw` throws. */
function refusal(raw: Raw, o: RunOptions = {}): string {
  try {
    run(raw, o);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${JSON.stringify(raw)}`);
}

const fileOf = (config: ServerConfig, path: string) => {
  const file = render(config).find((f) => f.path === path);
  if (!file) {
    throw new Error(`${path} was not rendered`);
  }
  return file.content;
};
const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf);
const handler = (config: ServerConfig) => fileOf(config, config.paths.handler);
const apachectl = (config: ServerConfig) => fileOf(config, config.paths.apachectl);
const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
const svc = (config: ServerConfig) => config.features.services;
const root = () => join(dir, 'root');

/** Compiles Python source with the system python3: a syntax error fails the test with its message. */
function compilesAsPython(source: string): void {
  const result = spawnSync(
    'python3',
    ['-c', 'import sys; compile(sys.stdin.read(), "handler.wsgi", "exec")'],
    {
      input: source,
      encoding: 'utf8',
    },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

describe('nothing asked for', () => {
  it('adds nothing to httpd.conf, handler.wsgi or apachectl', () => {
    const config = run();
    expect(svc(config)).toMatchObject({
      services: [],
      debug: undefined,
      gdb: undefined,
      telemetry: undefined,
      docs: undefined,
    });
    expect(httpdConf(config)).not.toMatch(/ONE_PROCESS|service:|WSGITelemetry|__wsgi__/);
    expect(handler(config)).not.toContain('MOD_WSGI_DEBUG_MODE');
    expect(apachectl(config)).not.toContain('gdb');
    expect(config.mode).toBe('daemon');
  });
});

describe('--service-script and friends', () => {
  it('runs the script in a daemon of its own, named service:NAME, with threads=0', () => {
    const config = run({ 'service-script': ['tick', 'service.py'] });
    const [service] = svc(config).services;
    expect(service).toMatchObject({ name: 'tick', group: 'service:tick', script: join(dir, 'service.py') });
    const opts = new Map(service?.options);
    expect(opts.get('display-name')).toBe('%{GROUP}');
    expect(opts.get('threads')).toBe(0);
    expect(opts.get('home')).toBe(dir);
    expect(opts.has('user')).toBe(false);
    const conf = httpdConf(config);
    expect(conf).toMatch(/^WSGIDaemonProcess "service:tick" display-name="%\{GROUP\}" .*threads="0"/m);
    expect(conf).toContain(
      `WSGIImportScript "${join(dir, 'service.py')}" process-group="service:tick" application-group="%{GLOBAL}"`,
    );
    // The main application's daemon is still there, and the service is not its process group.
    expect(conf).toMatch(/^WSGIDaemonProcess "localhost:8000"/m);
    expect(summary(config).get('Service tick')).toBe(
      `${join(dir, 'service.py')}, process (wsgi:service:tick)`,
    );
  });

  it('several services, in order, each with the python path and home of the app', () => {
    const config = run({
      'service-script': ['one', 'service.py', 'two', 'other.py'],
      'python-path': 'logs',
      'python-home': 'venv',
    });
    expect(svc(config).services.map((s) => s.group)).toEqual(['service:one', 'service:two']);
    const opts = new Map(svc(config).services[1]?.options);
    expect(opts.get('python-path')).toBe(join(dir, 'logs'));
    expect(opts.get('python-home')).toBe(join(dir, 'venv'));
  });

  it('services run in embedded mode too', () => {
    const conf = httpdConf(run({ 'service-script': ['tick', 'service.py'], 'embedded-mode': true }));
    expect(conf).toMatch(/^WSGIDaemonProcess "service:tick"/m);
    expect(conf).not.toMatch(/^WSGIDaemonProcess "localhost/m);
  });

  it('without a WSGI app (static files) the daemon sockets still get a prefix', () => {
    const config = run({ 'service-script': ['tick', 'service.py'] }, { noApp: true });
    expect(svc(config).socketPrefix).toBe(join(root(), 'wsgi'));
    expect(httpdConf(config)).toContain(`WSGISocketPrefix "${join(root(), 'wsgi')}"`);
    expect(svc(run({ 'service-script': ['tick', 'service.py'] })).socketPrefix).toBeUndefined();
  });

  it.each([
    [['bad name', 'service.py'], '--service-script: "bad name" is not valid; expected a service NAME'],
    [['tick', 'missing.py'], '--service-script: "missing.py" is not valid; expected an existing file'],
    [['tick', 'static'], '--service-script: "static" is not valid; expected a file (it is a directory)'],
    [
      ['tick', 'service.py', 'tick', 'other.py'],
      '--service-script: "tick" is not valid; expected each service NAME once',
    ],
  ])('refuses %j', (value, message) => {
    expect(refusal({ 'service-script': value })).toContain(message);
  });

  it('--service-user and --service-group set user= and group= when started as root', () => {
    const config = run(
      {
        'service-script': ['tick', 'service.py', 'tock', 'other.py'],
        'service-user': ['tick', 'alice'],
        'service-group': ['tick', 'staff'],
      },
      AS_ROOT,
    );
    const [tick, tock] = svc(config).services.map((s) => new Map(s.options));
    expect(tick?.get('user')).toBe('alice');
    expect(tick?.get('group')).toBe('staff');
    expect(tock?.has('user')).toBe(false);
    expect(httpdConf(config)).toMatch(/^WSGIDaemonProcess "service:tick" .*user="alice" group="staff"/m);
    expect(svc(config).warnings).toEqual([]);
  });

  it('#uid and #gid work for accounts without an entry', () => {
    const config = run(
      {
        'service-script': ['tick', 'service.py'],
        'service-user': ['tick', '#4242'],
        'service-group': ['tick', '#4243'],
      },
      AS_ROOT,
    );
    const opts = new Map(svc(config).services[0]?.options);
    expect([opts.get('user'), opts.get('group')]).toEqual(['#4242', '#4243']);
  });

  it('not started as root, --service-user is only a warning and nothing is written', () => {
    const config = run({ 'service-script': ['tick', 'service.py'], 'service-user': ['tick', 'alice'] });
    expect(new Map(svc(config).services[0]?.options).has('user')).toBe(false);
    expect(config.warnings).toContain(
      '--service-user and --service-group only take effect when express-wsgi is started as root.',
    );
  });

  it.each([
    [
      'service-user',
      ['nope', 'alice'],
      '--service-user: "nope" is not valid; expected the NAME of a --service-script (tick)',
    ],
    [
      'service-user',
      ['tick', 'mallory'],
      '--service-user: "mallory" is not valid; expected an existing account name or #uid',
    ],
    [
      'service-user',
      ['tick', 'root'],
      '--service-user: "root" is not valid; expected an unprivileged account: mod_wsgi refuses to run a daemon process as root',
    ],
    ['service-user', ['tick', '#0'], 'expected an unprivileged account'],
    [
      'service-group',
      ['tick', 'nogroupatall'],
      '--service-group: "nogroupatall" is not valid; expected an existing group name or #gid',
    ],
    ['service-group', ['tock', 'staff'], 'expected the NAME of a --service-script (tick)'],
    [
      'service-group',
      ['tick', 'root'],
      '--service-group: "root" is not valid; expected an unprivileged group: a service must not run with group root (gid 0)',
    ],
    ['service-group', ['tick', '#0'], 'expected an unprivileged group'],
    ['service-log-file', ['tock', 'x.log'], 'expected the NAME of a --service-script (tick)'],
    [
      'service-user',
      ['tick', 'alice', 'tick', 'bob'],
      '--service-user: "tick" is not valid; expected each service named once',
    ],
  ])('--%s %j is refused', (option, value, message) => {
    expect(refusal({ 'service-script': ['tick', 'service.py'], [option]: value }, AS_ROOT)).toContain(
      message,
    );
  });

  it('a --service-* option for a service that was never declared names none', () => {
    expect(refusal({ 'service-user': ['tick', 'alice'] })).toContain(
      'expected the NAME of a --service-script (none is given)',
    );
  });

  it('--service-log-file: the service gets its own ErrorLog in a virtual host that never serves', () => {
    const config = run({
      'service-script': ['tick', 'service.py'],
      'service-log-file': ['tick', 'tick.log'],
    });
    const [service] = svc(config).services;
    expect(service?.logFile).toBe(join(root(), 'tick.log'));
    expect(service?.vhost).toBe('127.0.0.1:1');
    const conf = httpdConf(config);
    const block = /<VirtualHost 127\.0\.0\.1:1>\n([\s\S]*?)<\/VirtualHost>/.exec(conf)?.[1] ?? '';
    expect(block).toContain(`ErrorLog "${join(root(), 'tick.log')}"`);
    expect(block).toMatch(/^WSGIDaemonProcess "service:tick"/m);
    expect(block).toMatch(/^WSGIImportScript .* process-group="service:tick"/m);
    // The main server still listens on its own port; the service's host is on another.
    expect(conf).toContain('Listen "8000"');
  });

  it('--service-log-file: in --log-directory, or an absolute path; the host avoids port 1 when serving there', () => {
    const inLogs = run({
      'service-script': ['tick', 'service.py'],
      'service-log-file': ['tick', 'tick.log'],
      'log-directory': 'logs',
    });
    expect(svc(inLogs).services[0]?.logFile).toBe(join(dir, 'logs', 'tick.log'));
    const absolute = run(
      {
        'service-script': ['tick', 'service.py'],
        'service-log-file': ['tick', join(dir, 'out', 't.log')],
        port: '1',
      },
      AS_ROOT,
    );
    expect(svc(absolute).services[0]).toMatchObject({
      logFile: join(dir, 'out', 't.log'),
      vhost: '127.0.0.1:2',
    });
  });

  it.each([
    [
      join('/nonexistent-dir', 'x.log'),
      'expected a file in an existing directory (/nonexistent-dir does not exist)',
    ],
    ['error_log', 'expected a file other than the main error and access logs'],
  ])('--service-log-file %s is refused', (file, message) => {
    expect(
      refusal({ 'service-script': ['tick', 'service.py'], 'service-log-file': ['tick', file] }),
    ).toContain(message);
  });

  it('an odd number of values is refused by the parser', () => {
    expect(refusal({ 'service-script': ['tick'] })).toBe(
      '--service-script: "tick" is not valid; expected two values: NAME SCRIPT-PATH.',
    );
  });
});

describe('--debug-mode', () => {
  it('one process, one thread, app embedded, worker MPM, ONE_PROCESS defined, no reloading', () => {
    const config = run({ 'debug-mode': true });
    expect(config.mode).toBe('embedded');
    expect(config.daemon).toBeUndefined();
    expect(config.processGroup).toBe('%{GLOBAL}');
    expect(config.capacity).toEqual({ processes: 1, threads: 1 });
    expect(config.mpm.mpm).toBe('worker');
    const mpm = Object.fromEntries(config.mpm.directives);
    expect(mpm).toMatchObject({ StartServers: 1, ServerLimit: 2, ThreadsPerChild: 1, MaxRequestWorkers: 1 });
    expect(config.app?.reloading).toBe(false);
    const conf = httpdConf(config);
    expect(conf).toMatch(/^Define ONE_PROCESS$/m);
    expect(conf).not.toMatch(/^WSGIDaemonProcess/m);
    expect(conf).toContain('WSGIScriptReloading Off');
    // pdb is not on: stdin stays restricted.
    expect(conf).not.toContain('WSGIRestrictStdin');
    expect(handler(config)).toContain("os.environ['MOD_WSGI_DEBUG_MODE'] = 'true'");
    expect(summary(config).get('Debug Mode')).toContain('one Apache process with one thread (worker MPM)');
  });

  it('--server-mpm prefork is honoured, event is refused', () => {
    expect(run({ 'debug-mode': true, 'server-mpm': 'prefork' }).mpm.mpm).toBe('prefork');
    expect(run({ 'debug-mode': true, 'server-mpm': ['event', 'prefork'] }).mpm.mpm).toBe('prefork');
    expect(refusal({ 'debug-mode': true, 'server-mpm': 'event' })).toBe(
      '--server-mpm: "event" is not valid; expected worker or prefork in debug mode: the event MPM misbehaves with a single thread.',
    );
  });

  it('falls back to prefork when worker is not installed', () => {
    const d = fakeDiscovery({ modules: ALL_MODULES.filter((m) => m !== 'mod_mpm_worker.so') });
    const config = resolve(
      options({ app: 'app.wsgi', 'server-root': 'root', 'debug-mode': true }),
      { ...d, python: importsAll },
      fakeContext(accounts, dir),
    );
    expect(config.mpm.mpm).toBe('prefork');
  });

  it('--processes and --threads are ignored, with a warning', () => {
    const config = run({ 'debug-mode': true, processes: '4', threads: '10' });
    expect(config.capacity).toEqual({ processes: 1, threads: 1 });
    expect(config.warnings).toContain(
      '--processes and --threads are ignored in debug mode: Apache runs one process with one thread.',
    );
    expect(run({ 'debug-mode': true }).warnings).toEqual([]);
  });

  it('--reload-on-changes is refused, naming debug mode', () => {
    expect(refusal({ 'debug-mode': true, 'reload-on-changes': true })).toBe(
      '--reload-on-changes needs daemon mode; it cannot be combined with debug mode (--debug-mode or an --enable-* debugging option).',
    );
  });

  it('with static files only, Apache still runs as one process', () => {
    const config = run({ 'debug-mode': true }, { noApp: true });
    expect(config.mode).toBe('static');
    expect(httpdConf(config)).toMatch(/^Define ONE_PROCESS$/m);
    expect(Object.fromEntries(config.mpm.directives).MaxRequestWorkers).toBe(1);
  });

  it('service scripts are kept, with a warning that nothing restarts them', () => {
    const config = run({ 'debug-mode': true, 'service-script': ['tick', 'service.py'] });
    expect(httpdConf(config)).toMatch(/^WSGIDaemonProcess "service:tick"/m);
    expect(config.warnings).toContain(
      'In debug mode mod_wsgi starts each service script once and does not restart it if it exits.',
    );
  });

  it.each(['enable-debugger', 'enable-coverage', 'enable-profiler', 'enable-recorder', 'enable-gdb'])(
    '--%s implies debug mode (before the MPM is chosen, unlike mod_wsgi-express §8.6)',
    (option) => {
      const config = run({ [option]: true, 'gdb-executable': join(dir, 'bin', 'gdb') });
      expect(config.mode).toBe('embedded');
      expect(config.mpm.mpm).toBe('worker');
      expect(httpdConf(config)).toMatch(/^Define ONE_PROCESS$/m);
    },
  );

  it.each(['enable-debugger', 'enable-coverage', 'enable-profiler', 'enable-recorder'])(
    '--%s needs an application: refused with static files',
    (option) => {
      expect(refusal({ [option]: true }, { noApp: true })).toBe(
        `--${option} needs a WSGI application; --application-type static serves files only.`,
      );
    },
  );
});

describe('--enable-debugger and --debugger-startup', () => {
  it('wraps the app with post-mortem pdb on the terminal; stdin is let through', () => {
    const config = run({ 'enable-debugger': true });
    expect(svc(config).debug).toMatchObject({ debugger: true, debuggerStartup: false, wrapsApp: true });
    expect(httpdConf(config)).toContain('WSGIRestrictStdin Off');
    const py = handler(config);
    expect(py).toContain('DEBUGGER = True');
    expect(py).toContain('DEBUGGER_STARTUP = False');
    expect(py).toContain('pdb.Pdb(stdin=_terminal_in, stdout=_terminal_out)');
    compilesAsPython(py);
    expect(config.readyTimeout).toBe(30);
    expect(summary(config).get('Debugger')).toBe('pdb on this terminal');
  });

  it('--debugger-startup stops in pdb once the app is loaded, so start-up waits for as long as it takes', () => {
    const config = run({ 'enable-debugger': true, 'debugger-startup': true });
    expect(handler(config)).toContain('DEBUGGER_STARTUP = True');
    expect(config.readyTimeout).toBe(Number.POSITIVE_INFINITY);
    expect(summary(config).get('Debugger')).toBe('pdb on this terminal, from start-up');
  });

  it("--debugger-startup without --enable-debugger is refused with mod_wsgi-express's message", () => {
    expect(refusal({ 'debugger-startup': true })).toBe('--debugger-startup requires --enable-debugger');
  });
});

describe('--enable-coverage and --coverage-directory', () => {
  it('starts coverage before the app is loaded; the report goes to <root>/htmlcov', () => {
    const config = run({ 'enable-coverage': true });
    expect(svc(config).debug?.coverageDirectory).toBe(join(root(), 'htmlcov'));
    expect(config.features.services.directories).toContainEqual({
      path: join(root(), 'htmlcov'),
      mode: 0o755,
      owned: true,
    });
    const py = handler(config);
    expect(py).toContain(`COVERAGE_DIRECTORY = "${join(root(), 'htmlcov')}"`);
    // The wrapper replaces _load before the app is loaded with it.
    expect(py.indexOf('_coverage.start()')).toBeLessThan(py.indexOf('application, _watched = _load()'));
    compilesAsPython(py);
    expect(summary(config).get('Coverage Output')).toBe(join(root(), 'htmlcov', 'index.html'));
  });

  it('--coverage-directory: an existing directory, or a new one in an existing directory', () => {
    expect(svc(run({ 'enable-coverage': true, 'coverage-directory': 'out' })).debug?.coverageDirectory).toBe(
      join(dir, 'out'),
    );
    expect(svc(run({ 'enable-coverage': true, 'coverage-directory': 'out/new' })).directories).toContainEqual(
      {
        path: join(dir, 'out', 'new'),
        mode: 0o755,
        owned: true,
      },
    );
  });

  it("refused, with how to install it, when the app's Python cannot import coverage", () => {
    expect(refusal({ 'enable-coverage': true }, { python: importsNothing })).toBe(
      `--enable-coverage needs the coverage package, which ${importsNothing} (the application's Python) cannot import. ` +
        `Install it: apt-get install python3-coverage (or: ${importsNothing} -m pip install coverage)`,
    );
  });

  it("with --python-home, the environment's own Python is asked, and the hint is pip", () => {
    const venvPython = join(dir, 'venv', 'bin', 'python3');
    writeFileSync(venvPython, '#!/bin/sh\nexit 1\n');
    chmodSync(venvPython, 0o755);
    expect(refusal({ 'enable-coverage': true, 'python-home': 'venv' })).toBe(
      `--enable-coverage needs the coverage package, which ${venvPython} (the application's Python) cannot import. ` +
        `Install it: ${venvPython} -m pip install coverage`,
    );
  });

  it("refused when mod_wsgi's Python is not found to ask", () => {
    expect(refusal({ 'enable-coverage': true }, { python: undefined })).toBe(
      '--enable-coverage needs the coverage package, and the Python of mod_wsgi (3.11) was not found to check for it.',
    );
  });

  it("a real Python answers too: this machine's python3.11 either imports coverage or is refused", () => {
    const python = '/usr/bin/python3.11';
    const has = spawnSync(python, ['-c', 'import coverage']).status === 0;
    // This machine's Python, asked through the real Host (the fake one has only stand-ins).
    const ctx = { host: { canImport: systemHost({ env: process.env }).canImport } };
    if (has) {
      expect(svc(run({ 'enable-coverage': true }, { python, ctx })).debug?.coverageDirectory).toBeDefined();
    } else {
      expect(refusal({ 'enable-coverage': true }, { python, ctx })).toContain('cannot import');
    }
  });
});

describe('--enable-profiler, --enable-recorder and their directories', () => {
  it.each([
    ['profiler', 'pstats', 'PROFILER_DIRECTORY', 'Profiler Output'],
    ['recorder', 'archive', 'RECORDER_DIRECTORY', 'Recorder Output'],
  ])("--enable-%s writes to <root>/%s, created for the app's account", (tool, name, constant, label) => {
    const config = run({ [`enable-${tool}`]: true });
    const path = join(root(), name);
    expect(svc(config).directories).toEqual([{ path, mode: 0o755, owned: true }]);
    const py = handler(config);
    expect(py).toContain(`${constant} = "${path}"`);
    compilesAsPython(py);
    expect(summary(config).get(label)).toBe(path);
  });

  it('all tools at once wrap in a fixed order and still compile', () => {
    const config = run({
      'enable-debugger': true,
      'enable-profiler': true,
      'enable-recorder': true,
      'enable-coverage': true,
    });
    const py = handler(config);
    expect(py.indexOf('app = _debugged(app)')).toBeLessThan(py.indexOf('app = _profiled(app)'));
    expect(py.indexOf('app = _profiled(app)')).toBeLessThan(py.indexOf('app = _recorded(app)'));
    compilesAsPython(py);
  });

  it.each(['profiler', 'recorder', 'coverage'])(
    '--%s-directory: a file or a missing parent is refused',
    (tool) => {
      expect(refusal({ [`enable-${tool}`]: true, [`${tool}-directory`]: 'a-file' })).toBe(
        `--${tool}-directory: "a-file" is not valid; expected a directory (it is a file).`,
      );
      expect(refusal({ [`enable-${tool}`]: true, [`${tool}-directory`]: 'no/such/dir' })).toBe(
        `--${tool}-directory: "no/such/dir" is not valid; expected a directory whose parent exists (${join(dir, 'no', 'such')} does not).`,
      );
    },
  );

  it.each(['profiler', 'recorder', 'coverage'])('--%s-directory alone only warns', (tool) => {
    const config = run({ [`${tool}-directory`]: 'out' });
    expect(config.mode).toBe('daemon');
    expect(config.warnings).toContain(`--${tool}-directory has no effect without --enable-${tool}.`);
  });

  it('started as root, an existing directory the app cannot write to is worth a warning', () => {
    const config = run({ 'enable-profiler': true, 'profiler-directory': 'out' }, AS_ROOT);
    expect(config.warnings.join('\n')).toContain(
      `${join(dir, 'out')} (--profiler-directory) may not be writable by www-data`,
    );
  });
});

describe('--enable-gdb and --gdb-executable', () => {
  it('apachectl start runs httpd under the gdb named, with the generated gdb.cmds', () => {
    const gdb = join(dir, 'bin', 'gdb');
    const config = run({ 'enable-gdb': true, 'gdb-executable': gdb });
    expect(svc(config).gdb).toEqual({ executable: gdb, commands: join(root(), 'gdb.cmds') });
    const ctl = apachectl(config);
    expect(ctl).toContain(`exec ${gdb} -q -x ${join(root(), 'gdb.cmds')} --args "$HTTPD" -d "$SERVER_ROOT"`);
    const cmds = fileOf(config, join(root(), 'gdb.cmds'));
    expect(cmds).toMatch(/^run$/m);
    expect(cmds).toContain('set startup-with-shell off');
    expect(handler(config)).toContain("os.environ['MOD_WSGI_GDB_ENABLED'] = 'true'");
    // gdb alone does not wrap the app.
    expect(handler(config)).not.toContain('_load_application');
  });

  it('the default "gdb" is looked up on PATH', () => {
    const config = run({ 'enable-gdb': true }, { ctx: { env: { PATH: join(dir, 'bin') } } });
    expect(svc(config).gdb?.executable).toBe(join(dir, 'bin', 'gdb'));
  });

  it('a gdb that is not there is refused', () => {
    expect(refusal({ 'enable-gdb': true, 'gdb-executable': 'no-such-gdb' })).toBe(
      '--gdb-executable: "no-such-gdb" is not valid; expected an executable gdb, a name on PATH or a path (on Debian: apt-get install gdb).',
    );
  });

  it('--gdb-executable without --enable-gdb only warns', () => {
    expect(run({ 'gdb-executable': '/x/gdb' }).warnings).toContain(
      '--gdb-executable has no effect without --enable-gdb.',
    );
  });
});

describe('--enable-docs', () => {
  it('serves the docs directory at /__wsgi__/docs, never handed to the app', () => {
    const config = run({ 'enable-docs': true });
    const docs = svc(config).docs;
    expect(docs?.url).toBe('/__wsgi__/docs');
    expect(docs?.directory).toMatch(/\/docs$/);
    expect(config.appExclusions).toContain('/__wsgi__/docs');
    expect(config.modules.map((m) => m.id)).toContain('autoindex_module');
    const conf = httpdConf(config);
    expect(conf).toContain(`Alias "/__wsgi__/docs" "${docs?.directory}"`);
    expect(conf).toContain('RewriteCond %{REQUEST_URI} "!^/__wsgi__/docs(/|$)"');
    expect(summary(config).get('Documentation')).toBe('http://localhost:8000/__wsgi__/docs/');
  });
});

describe('--with-php5', () => {
  it('is refused with the reason', () => {
    expect(refusal({ 'with-php5': true })).toBe(
      '--with-php5 is not supported: PHP 5 and mod_php5 are gone from every supported distribution; run PHP in its own server (php-fpm) and proxy to it.',
    );
  });
});

describe('telemetry (mod_wsgi >= 6.0)', () => {
  const SOCKET = join('/tmp', 'ingester.sock');

  it.each([
    ['telemetry-service', `unix:${SOCKET}`],
    ['enable-telemetry', true],
    ['telemetry-ui-port', '9999'],
    ['telemetry-interval', '2'],
    ['slow-requests', '1.5'],
    ['telemetry-options', '+CaptureUserAgent'],
  ])('--%s is refused on mod_wsgi 4.9.4', (option, value) => {
    expect(refusal({ [option]: value })).toBe(
      `--${option} needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).`,
    );
  });

  it('defaults at their values are not "asked for" on 4.9.4', () => {
    expect(
      run({ 'telemetry-ui-port': '8888', 'telemetry-interval': '1' }).features.services.telemetry,
    ).toBeUndefined();
  });

  it('--telemetry-service, --telemetry-interval, --slow-requests and --telemetry-options', () => {
    const config = run(
      {
        'telemetry-service': `unix:${SOCKET}`,
        'telemetry-interval': '2.5',
        'slow-requests': '0',
        'telemetry-options': ['+CaptureUserAgent', 'None'],
      },
      { version: SIX },
    );
    expect(svc(config).telemetry).toMatchObject({
      target: `unix:${SOCKET}`,
      interval: 'interval=2.5',
      slowRequests: '0',
    });
    const conf = httpdConf(config);
    expect(conf).toContain(`WSGITelemetryService "unix:${SOCKET}" "interval=2.5"`);
    expect(conf).toMatch(/^WSGISlowRequests 0$/m);
    expect(conf).toMatch(/^WSGITelemetryOptions "\+CaptureUserAgent"$/m);
    expect(conf).toMatch(/^WSGITelemetryOptions "None"$/m);
    expect(summary(config).get('Telemetry')).toBe(`unix:${SOCKET} (interval=2.5)`);
  });

  it('a relative socket path is made absolute', () => {
    const config = run({ 'telemetry-service': 'unix:out/t.sock' }, { version: SIX });
    expect(svc(config).telemetry?.target).toBe(`unix:${join(dir, 'out', 't.sock')}`);
  });

  it.each([
    [
      'udp:127.0.0.1:9000',
      "expected unix:/path/of/the/ingester.sock (mod_wsgi no longer sends to remote 'udp:' targets)",
    ],
    ['/tmp/x.sock', 'expected unix:/path/of/the/ingester.sock'],
    ['unix:/no/such/dir/x.sock', 'expected a socket in an existing directory (/no/such/dir does not exist)'],
  ])('--telemetry-service %s is refused', (value, message) => {
    expect(refusal({ 'telemetry-service': value }, { version: SIX })).toContain(message);
  });

  it.each([
    ['0.4', '--telemetry-interval: "0.4" is not valid; expected a number from 0.5 to 2147483647.'],
    ['-1', '--telemetry-interval: "-1" is not valid; expected a number from 0.5 to 2147483647.'],
  ])('--telemetry-interval %s is refused', (value, message) => {
    expect(
      refusal({ 'telemetry-service': `unix:${SOCKET}`, 'telemetry-interval': value }, { version: SIX }),
    ).toBe(message);
  });

  it('--slow-requests needs a target, and is never negative', () => {
    expect(refusal({ 'slow-requests': '2' }, { version: SIX })).toBe(
      '--slow-requests needs a telemetry target: give --telemetry-service or --enable-telemetry.',
    );
    expect(refusal({ 'slow-requests': '-1', 'telemetry-service': `unix:${SOCKET}` }, { version: SIX })).toBe(
      '--slow-requests: "-1" is not valid; expected a number from 0 to 2147483647.',
    );
  });

  it.each(['Bogus', '+None', '-All', '+CaptureUserAgent None', '+', 'Capture-User'])(
    '--telemetry-options %j is refused by the parser',
    (value) => {
      expect(refusal({ 'telemetry-options': value }, { version: SIX })).toMatch(
        /^--telemetry-options: ".*" is not valid; expected flags such as \+CaptureUserAgent/,
      );
    },
  );

  it.each(['+CaptureUserAgent -CaptureUserAgent', 'All', 'captureuseragent', 'None CaptureUserAgent'])(
    '--telemetry-options %j is accepted',
    (value) => {
      const config = run(
        { 'telemetry-service': `unix:${SOCKET}`, 'telemetry-options': value },
        { version: SIX },
      );
      expect(svc(config).telemetry?.options).toEqual([value.split(' ')]);
    },
  );

  it('options that need a target only warn without one', () => {
    const config = run({ 'telemetry-options': 'All', 'telemetry-ui-port': '9000' }, { version: SIX });
    expect(svc(config).telemetry).toBeUndefined();
    expect(config.warnings).toEqual([
      '--telemetry-options has no effect without --telemetry-service or --enable-telemetry.',
      '--telemetry-ui-port has no effect without --telemetry-service or --enable-telemetry.',
    ]);
  });

  it('--enable-telemetry runs the ingester as the service "telemetry" and reports to its socket', () => {
    const config = run({ 'enable-telemetry': true, 'telemetry-ui-port': '9123' }, { version: SIX });
    const target = `unix:${join(root(), 'telemetry.sock')}`;
    expect(svc(config).telemetry?.target).toBe(target);
    const [service] = svc(config).services;
    expect(service).toMatchObject({ name: 'telemetry', script: join(root(), 'telemetry-service.py') });
    const script = fileOf(config, join(root(), 'telemetry-service.py'));
    expect(script).toContain(
      `sys.argv = ["mod_wsgi-telemetry", "--listen", "${target}", "--http-host", "127.0.0.1", "--http-port", "9123"]`,
    );
    compilesAsPython(script);
    expect(httpdConf(config)).toMatch(/^WSGIDaemonProcess "service:telemetry"/m);
    expect(summary(config).get('Telemetry UI')).toBe('http://127.0.0.1:9123/');
  });

  it('--enable-telemetry is refused without the mod_wsgi-telemetry package, with --telemetry-service, or a clashing service', () => {
    expect(refusal({ 'enable-telemetry': true }, { version: SIX, python: importsNothing })).toBe(
      `--enable-telemetry needs the mod_wsgi-telemetry package, which ${importsNothing} (the application's Python) cannot import. ` +
        `Install it: ${importsNothing} -m pip install mod_wsgi-telemetry`,
    );
    expect(
      refusal({ 'enable-telemetry': true, 'telemetry-service': `unix:${SOCKET}` }, { version: SIX }),
    ).toBe(
      '--enable-telemetry and --telemetry-service both say where telemetry goes: --enable-telemetry runs its own ingester; give one of them.',
    );
    expect(
      refusal({ 'enable-telemetry': true, 'service-script': ['telemetry', 'service.py'] }, { version: SIX }),
    ).toBe(
      '--service-script: "telemetry" is not valid; expected a NAME other than telemetry: --enable-telemetry runs a service of that name.',
    );
  });

  it('--telemetry-ui-port with --telemetry-service warns that only the generated ingester uses it', () => {
    const config = run(
      { 'telemetry-service': `unix:${SOCKET}`, 'telemetry-ui-port': '9000' },
      { version: SIX },
    );
    expect(config.warnings).toContain(
      '--telemetry-ui-port only applies to the ingester --enable-telemetry runs.',
    );
  });
});
