/** Debug mode and its tools: pdb, coverage, the profiler, the recorder, gdb. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { systemHost } from '../../../../src/discovery/host.js';
import { resolve } from '../../../../src/resolve/index.js';
import { chmodSync, writeFileSync } from '../../helpers/fake-fs.js';
import { ALL_MODULES, fakeContext, fakeDiscovery, options } from '../../helpers/fakes.js';
import {
  dir,
  accounts,
  importsAll,
  importsNothing,
  run,
  AS_ROOT,
  refusal,
  fileOf,
  httpdConf,
  handler,
  apachectl,
  summary,
  svc,
  root,
  compilesAsPython,
} from './setup.js';

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
    // Through a POSIX shell, which gdb quotes the arguments for (without one, gdb 13 splits them at spaces).
    expect(ctl).toContain(
      `SHELL=/bin/sh exec ${gdb} -q -x ${join(root(), 'gdb.cmds')} --args "$HTTPD" -d "$SERVER_ROOT"`,
    );
    const cmds = fileOf(config, join(root(), 'gdb.cmds'));
    expect(cmds).toMatch(/^run$/m);
    expect(cmds).not.toContain('startup-with-shell');
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
