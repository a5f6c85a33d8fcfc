/**
 * Which mod_wsgi discovery takes (src/discovery/discovery.ts findModWsgi), in fake environments in
 * a temp directory: the one named, then one pip-installed into --python-home, then the one of the
 * mod_wsgi-express on PATH, then Apache's own (Debian's, the real one in /usr/lib/apache2/modules).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { discover, discoverModWsgi, findModWsgi, pipModuleIn } from '../../src/discovery/discovery.js';
import { MODULES_DIR, removeDir, tempDir } from './helpers/fakes.js';

const DEBIAN_MOD_WSGI = realpathSync(`${MODULES_DIR}/mod_wsgi.so`);

let dir: string;

/** A module file with the byte layout inspectModWsgi reads: this version, linked to libpython`python`. */
function moduleFile(path: string, version: string, python?: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  const libpython = python ? `libpython${python}.so.1.0\0` : '';
  writeFileSync(
    path,
    Buffer.from(`\x7fELF\0${version}\0mod_wsgi/%s\0${libpython}WSGIDaemonProcess\0`, 'latin1'),
  );
  return path;
}

/** An environment as `python -m venv` + `pip install mod_wsgi` leave it, for Python `python`. */
function pipVenv(name: string, python: string, version: string): { home: string; module: string } {
  const home = join(dir, name);
  const tag = python.replace('.', '');
  const module = moduleFile(
    join(
      home,
      'lib',
      `python${python}`,
      'site-packages',
      'mod_wsgi',
      'server',
      `mod_wsgi-py${tag}.cpython-${tag}-x86_64-linux-gnu.so`,
    ),
    version,
    python,
  );
  writeFileSync(join(home, 'pyvenv.cfg'), `home = /usr/bin\nversion = ${python}.2\n`);
  return { home, module };
}

/** A PATH holding a mod_wsgi-express whose module-location prints `module`. */
function expressOnPath(name: string, module: string): { PATH: string; program: string } {
  const bin = join(dir, name, 'bin');
  mkdirSync(bin, { recursive: true });
  const program = join(bin, 'mod_wsgi-express');
  writeFileSync(program, `#!/bin/sh\n[ "$1" = module-location ] && echo '${module}'\n`);
  chmodSync(program, 0o755);
  return { PATH: bin, program };
}

let pip: { home: string; module: string };
let other: { home: string; module: string };
let express: { PATH: string; program: string };

beforeAll(() => {
  dir = tempDir('ew-module-choice-');
  pip = pipVenv('venv', '3.11', '6.0.5');
  other = pipVenv('activated', '3.11', '5.0.2');
  express = expressOnPath('activated', other.module);
});

afterAll(() => removeDir(dir));

describe('pipModuleIn', () => {
  it("finds the module pip put into the environment's site-packages", () => {
    expect(pipModuleIn(pip.home)).toBe(pip.module);
  });

  it('gives undefined for an environment without mod_wsgi, and for a missing one', () => {
    const bare = join(dir, 'bare');
    mkdirSync(join(bare, 'lib', 'python3.11', 'site-packages'), { recursive: true });
    expect(pipModuleIn(bare)).toBeUndefined();
    expect(pipModuleIn(join(dir, 'missing'))).toBeUndefined();
  });

  // 3.9, 3.10 and 3.12: neither order of the names (nor the directory's) puts 3.12 first.
  it('takes the newest Python of an environment upgraded in place, by version, not by name', () => {
    const home = join(dir, 'upgraded');
    const server = (python: string) =>
      join(home, 'lib', `python${python}`, 'site-packages', 'mod_wsgi', 'server');
    for (const python of ['3.9', '3.10', '3.12']) {
      moduleFile(join(server(python), `mod_wsgi-py${python.replace('.', '')}.so`), '5.0.2', python);
    }
    expect(pipModuleIn(home)).toBe(join(server('3.12'), 'mod_wsgi-py312.so'));
  });

  it('resolves a relative home against the working directory', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(pipModuleIn('venv')).toBe(pip.module);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('findModWsgi: which module', () => {
  it("--python-home's pip-installed module beats the distribution's", () => {
    const found = findModWsgi(undefined, MODULES_DIR, { PATH: '' }, pip.home);
    expect([found.path, found.version, found.pythonVersion]).toEqual([pip.module, [6, 0, 5], '3.11']);
    expect(found.source).toEqual({ kind: 'python-home' });
  });

  it("--python-home's module beats the one of the mod_wsgi-express on PATH", () => {
    expect(findModWsgi(undefined, MODULES_DIR, { PATH: express.PATH }, pip.home).path).toBe(pip.module);
  });

  it('--mod-wsgi-module wins over --python-home, and so does $MOD_WSGI_MODULE', () => {
    const named = findModWsgi(DEBIAN_MOD_WSGI, MODULES_DIR, { PATH: '' }, pip.home);
    expect([named.path, named.source]).toEqual([DEBIAN_MOD_WSGI, { kind: 'option' }]);
    const env = { PATH: '', MOD_WSGI_MODULE: DEBIAN_MOD_WSGI };
    const fromEnv = findModWsgi(undefined, MODULES_DIR, env, pip.home);
    expect([fromEnv.path, fromEnv.source]).toEqual([DEBIAN_MOD_WSGI, { kind: 'environment' }]);
  });

  it("without --python-home, the mod_wsgi-express on PATH names the module (an activated environment's)", () => {
    const found = findModWsgi(undefined, MODULES_DIR, { PATH: express.PATH });
    expect([found.path, found.version]).toEqual([other.module, [5, 0, 2]]);
    expect(found.source).toEqual({ kind: 'mod_wsgi-express', program: express.program });
  });

  it("an environment without mod_wsgi leaves Apache's own module, resolved through Debian's symlink", () => {
    const bare = join(dir, 'bare-too');
    mkdirSync(join(bare, 'lib', 'python3.11'), { recursive: true });
    const found = findModWsgi(undefined, MODULES_DIR, { PATH: '' }, bare);
    expect([found.path, found.source]).toEqual([DEBIAN_MOD_WSGI, { kind: 'modules-directory' }]);
  });

  // A release layout (cur -> rel1): re-pointing cur and removing rel1 must not leave Apache
  // loading rel1's module (adversarial pass: graceful and stop then failed).
  it('a module reached through a symlinked environment is loaded through the symlink', () => {
    const link = join(dir, 'venv-link');
    symlinkSync(pip.home, link);
    const found = findModWsgi(undefined, MODULES_DIR, { PATH: '' }, link);
    expect(found.path).toBe(join(link, relative(pip.home, pip.module)));
    expect(realpathSync(found.path)).toBe(pip.module);
  });

  it("a pip module's Python comes from its file name when it links no libpython", () => {
    const home = join(dir, 'static-python');
    const path = join(home, 'lib', 'python3.13', 'site-packages', 'mod_wsgi', 'server');
    moduleFile(join(path, 'mod_wsgi-py313.cpython-313-x86_64-linux-gnu.so'), '6.0.5');
    expect(findModWsgi(undefined, MODULES_DIR, { PATH: '' }, home).pythonVersion).toBe('3.13');
  });
});

// Apache loads the module as whoever starts it, root included (adversarial pass: root loaded a .so
// from another account's venv and ran its constructor as uid 0).
describe('findModWsgi: a module found in --python-home that someone else could have put there', () => {
  it("in a directory others may write: passed over for Apache's own, saying why", () => {
    const venv = pipVenv('venv-open', '3.11', '6.0.5');
    const server = join(venv.module, '..');
    chmodSync(server, 0o777);
    const found = findModWsgi(undefined, MODULES_DIR, { PATH: '' }, venv.home);
    expect(found.path).toBe(DEBIAN_MOD_WSGI);
    expect(found.source).toEqual({
      kind: 'modules-directory',
      passedOver: `not the one pip-installed in --python-home, ${venv.module}: ${server} can be written by others (mode 777)`,
    });
  });

  it('a FIFO or a directory in its place: passed over, never read', () => {
    const fifoVenv = pipVenv('venv-fifo', '3.11', '6.0.5');
    rmSync(fifoVenv.module);
    execFileSync('mkfifo', [fifoVenv.module]);
    expect(findModWsgi(undefined, MODULES_DIR, { PATH: '' }, fifoVenv.home).source).toMatchObject({
      passedOver: expect.stringContaining('it is not a regular file'),
    });
    const dirVenv = pipVenv('venv-dir', '3.11', '6.0.5');
    rmSync(dirVenv.module);
    mkdirSync(dirVenv.module);
    expect(findModWsgi(undefined, MODULES_DIR, { PATH: '' }, dirVenv.home).path).toBe(DEBIAN_MOD_WSGI);
  });

  (process.getuid?.() === 0 ? it : it.skip)("another account's (as root): passed over", () => {
    const venv = pipVenv('venv-theirs', '3.11', '6.0.5');
    chownSync(venv.module, 65534, 65534);
    expect(findModWsgi(undefined, MODULES_DIR, { PATH: '' }, venv.home).source).toMatchObject({
      passedOver: expect.stringContaining('it belongs to uid 65534, not to you (uid 0) or root'),
    });
  });

  it('an empty --python-home (an unset variable) is no environment, not the working directory', () => {
    const here = pipVenv('cwd-venv', '3.11', '6.0.5');
    const before = process.cwd();
    process.chdir(here.home);
    try {
      expect(findModWsgi(undefined, MODULES_DIR, { PATH: '' }, '').path).toBe(DEBIAN_MOD_WSGI);
    } finally {
      process.chdir(before);
    }
  });
});

describe('module-config and module-location take what start-server takes', () => {
  it.each([
    ['--python-home', { pythonHome: 'venv' }, { PATH: '' }],
    ['the mod_wsgi-express on PATH', {}, () => ({ PATH: `${express.PATH}:/usr/sbin:/usr/bin:/bin` })],
    [
      '--mod-wsgi-module over --python-home',
      { modWsgiModule: DEBIAN_MOD_WSGI, pythonHome: 'venv' },
      { PATH: '' },
    ],
  ])('%s', (_what, input, env) => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const withEnv = { ...input, env: typeof env === 'function' ? env() : env };
      const server = discover({ ...withEnv, httpdExecutable: '/usr/sbin/apache2' });
      const commands = discoverModWsgi(withEnv);
      expect(commands.modWsgi).toEqual(server.modWsgi);
      expect(commands.python).toBe(server.python);
    } finally {
      process.chdir(cwd);
    }
  });
});
