/**
 * --python-home with a virtualenv made by the Python mod_wsgi embeds (the README recipe): a package
 * installed only there (a tiny local package, built and installed with the venv's pip, no network)
 * is importable by the app, and the system's packages are not; without --python-home it is not; an
 * environment of another Python version is refused naming both versions.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { discover } from '../../src/discovery/discovery.js';
import { recipeCommands, recipeLines } from '../helpers/readme.js';
import { CLI, makeWorkdir, run, type Server, startServer, stopServer, waitFor } from '../helpers/server.js';

const found = discover();
const PYTHON = found.python as string;
const VERSION = found.modWsgi.pythonVersion as string;

const APP = `import json, sys
import tinypkg

def application(environ, start_response):
    try:
        import flask
        flask_file = flask.__file__
    except ImportError:
        flask_file = None
    body = json.dumps({'value': tinypkg.VALUE, 'file': tinypkg.__file__, 'prefix': sys.prefix,
                       'flask': flask_file}).encode()
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
`;

let cwd: string;
let venv: string;

beforeAll(async () => {
  cwd = makeWorkdir();
  venv = join(cwd, 'venv');
  // The README's first line, with the Python discovery found (on Debian, /usr/bin/python3 is that one).
  const make = recipeLines('A virtualenv').find((l) => / -m venv /.test(l));
  expect(make).toBe('/usr/bin/python3 -m venv venv');
  const [, ...makeArgs] = (make as string).split(' ');
  expect(await run(PYTHON, makeArgs, { cwd, timeoutMs: 60_000 })).toMatchObject({ code: 0 });

  const pkg = join(cwd, 'tinypkg-src');
  mkdirSync(join(pkg, 'tinypkg'), { recursive: true });
  writeFileSync(join(pkg, 'tinypkg', '__init__.py'), "VALUE = 'tiny 1.0, from the virtualenv'\n");
  writeFileSync(
    join(pkg, 'setup.py'),
    "from setuptools import setup\nsetup(name='tinypkg', version='1.0', packages=['tinypkg'])\n",
  );
  const pip = await run(
    join(venv, 'bin', 'pip'),
    [
      'install',
      '--no-index',
      '--no-build-isolation',
      '--disable-pip-version-check',
      '--no-cache-dir',
      '-q',
      pkg,
    ],
    { cwd, timeoutMs: 60_000, env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  expect(pip).toMatchObject({ code: 0 });
  writeFileSync(join(cwd, 'app.wsgi'), APP, { mode: 0o644 });
}, 120_000);

// One directory (and one venv) for the whole file: stop each test's server, keep the directory
// (the helpers' own afterAll removes it).
const servers: Server[] = [];
const start = async (args: string[]) => {
  const server = await startServer(args, { cwd });
  servers.push(server);
  return server;
};
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await stopServer(server);
  }
});

const importable = (python: string) =>
  run(python, ['-c', 'import tinypkg; print(tinypkg.__file__)'], { cwd: '/' });

it('the package is installed in the virtualenv only', async () => {
  const inVenv = await importable(join(venv, 'bin', 'python'));
  expect(inVenv.code).toBe(0);
  expect(inVenv.stdout.trim()).toBe(
    join(venv, 'lib', `python${VERSION}`, 'site-packages', 'tinypkg', '__init__.py'),
  );
  const system = await importable(PYTHON);
  expect(system.code).not.toBe(0);
  expect(system.stderr).toContain("No module named 'tinypkg'");
});

describe('the README virtualenv recipe', () => {
  it("imports the virtualenv's package, and not the system's packages", async () => {
    const [args, ...others] = recipeCommands('A virtualenv');
    expect(others).toEqual([]);
    expect(args).toEqual(['start-server', 'app.wsgi', '--python-home', 'venv']);
    const server = await start((args as string[]).slice(1));
    const reply = await fetch(server.url);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({
      value: 'tiny 1.0, from the virtualenv',
      file: join(venv, 'lib', `python${VERSION}`, 'site-packages', 'tinypkg', '__init__.py'),
      prefix: venv,
      // Debian's python3-flask is installed system-wide, outside the environment.
      flask: null,
    });
  });
});

it('without --python-home the package is missing, and the launcher says so', async () => {
  const server = await start(['app.wsgi']);
  await waitFor(() => server.stderr().includes('(full traceback in'), 10_000, 'the load report');
  expect(server.stderr()).toContain("ModuleNotFoundError: No module named 'tinypkg'");
  expect(server.stderr()).toContain(`at ${join(cwd, 'app.wsgi')}, line 2`);
  expect((await fetch(server.url)).status).toBe(500);
});

it('refuses a virtualenv of another Python version, naming both versions', async () => {
  const other = VERSION === '3.9' ? '3.12' : '3.9';
  const home = join(cwd, `venv${other}`);
  mkdirSync(join(home, 'lib', `python${other}`, 'site-packages'), { recursive: true });
  writeFileSync(
    join(home, 'pyvenv.cfg'),
    `home = /usr/bin\ninclude-system-site-packages = false\nversion = ${other}.1\n`,
  );
  const root = join(cwd, 'root-other');
  const result = await run(
    process.execPath,
    [CLI, 'start-server', 'app.wsgi', '--python-home', home, '--server-root', root],
    { cwd },
  );
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`an environment of Python ${VERSION}, the Python mod_wsgi was built for`);
  expect(result.stderr).toContain(`this one is Python ${other}`);
  expect(result.stderr).toContain(`${PYTHON} -m venv DIR`);
  expect(existsSync(root)).toBe(false);

  // The django command checks it before running that environment's Python.
  const viaDjango = await run(
    process.execPath,
    [CLI, 'django', 'django', '--python-home', home, '--server-root', root],
    { cwd },
  );
  expect(viaDjango.code).toBe(2);
  expect(viaDjango.stderr).toContain(`an environment of Python ${VERSION}`);
  expect(viaDjango.stderr).toContain(`this one is Python ${other}`);
  expect(existsSync(root)).toBe(false);
});

it("django --python-home reads the settings with the environment's Python", async () => {
  const result = await run(
    process.execPath,
    [CLI, 'django', 'django', '--python-home', 'venv', '--setup-only'],
    {
      cwd,
    },
  );
  // Django is installed system-wide only, so the environment's Python cannot import it.
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Django is not installed for ${join(venv, 'bin', 'python')}`);
});
