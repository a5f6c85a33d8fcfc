/**
 * The module users actually install is the one loaded (issue 14 item 4), with the real pip-built
 * modules of the module matrix (test/helpers/modules.ts): `--python-home VENV` of an environment
 * that `pip install mod_wsgi` built into is served by that environment's module, not Debian's, even
 * when the environment is not activated; the summary says which module and why; --mod-wsgi-module
 * still wins; module-location and module-config name what start-server loads for the same options;
 * a module built for another Python than the environment's is refused, naming both versions.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { cleanEnv, makeWorkspace, removeWorkspace, runTool, setupServer } from '../helpers/configtest.js';
import {
  type BuiltModule,
  builtModules,
  debianModule,
  moduleSources,
  SOURCES_VARIABLE,
} from '../helpers/modules.js';
import { recipeCommands } from '../helpers/readme.js';
import { CLI, get, startServer, stopAll } from '../helpers/server.js';

jest.setTimeout(60_000);

/** Reports the mod_wsgi that runs it and the environment it imports from. */
const APP = `import json, sys
import mod_wsgi

def application(environ, start_response):
    body = json.dumps({'version': '.'.join(map(str, mod_wsgi.version)), 'prefix': sys.prefix}).encode()
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
`;

/** The environment pip built a module into: <venv>/lib/pythonX.Y/site-packages/mod_wsgi/server/…so. */
const venvOf = (m: BuiltModule) => m.path.slice(0, m.path.indexOf('/lib/python'));

/** The environment without its bin/ on PATH: not activated, so no mod_wsgi-express to ask. */
function notActivated(): NodeJS.ProcessEnv {
  const env = cleanEnv();
  const path = (env.PATH ?? '').split(':').filter((d) => !existsSync(join(d, 'mod_wsgi-express')));
  delete env.VIRTUAL_ENV;
  delete env.MOD_WSGI_MODULE;
  return { ...env, PATH: path.join(':') };
}

/** X.Y of the Python an environment was made with, as its pyvenv.cfg says. */
const pythonOf = (venv: string) =>
  (/^version\s*=\s*(\d+\.\d+)/m.exec(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')) ?? [])[1] as string;

const pipModules: readonly BuiltModule[] = moduleSources().length > 0 ? builtModules() : [];

if (pipModules.length === 0) {
  const how = `module choice with pip-built modules skipped: set ${SOURCES_VARIABLE} to run it (see test/integration/modules.test.ts)`;
  process.stderr.write(`${how}\n`);
  describe.skip(how, () => {
    it('needs the source archives', () => {});
  });
} else {
  let ws: string;
  const env = notActivated();
  const cli = (args: readonly string[]) => runTool(process.execPath, [CLI, ...args], ws, { env });

  beforeAll(() => {
    ws = makeWorkspace('module-choice');
    writeFileSync(join(ws, 'app.wsgi'), APP, { mode: 0o644 });
  });
  afterEach(stopAll);
  afterAll(() => removeWorkspace(ws));

  describe.each(pipModules.map((m) => [`${m.label} (${m.version})`, m] as const))(
    'the module pip built from %s',
    (_, m) => {
      const venv = venvOf(m);
      const python = pythonOf(venv);
      const summaryLine = (stdout: string) => /^mod_wsgi Module\s*: (.*)$/m.exec(stdout)?.[1];

      it('is the one --python-home serves with (not activated), and the summary says why', async () => {
        const server = await startServer(['app.wsgi', '--python-home', venv], { cwd: ws, env });
        const res = await get(`${server.url}/`);
        expect(res.status).toBe(200);
        // Debian's module is 4.9.4: the version proves which one Apache loaded.
        expect(JSON.parse(res.text)).toEqual({ version: m.version, prefix: venv });
        expect(summaryLine(server.stdout())).toBe(
          `${m.path} (Python ${python}), pip-installed in --python-home`,
        );
        expect(server.stdout()).toContain(`mod_wsgi ${m.version}`);
      });

      it('module-location and module-config with --python-home name the module setup-server loads', async () => {
        const root = join(ws, 'roots', `home-${m.label}`);
        const setup = await setupServer(['app.wsgi', '--python-home', venv, '--server-root', root], ws, env);
        expect(setup.status).toBe(0);
        expect(readFileSync(join(root, 'httpd.conf'), 'utf8')).toContain(
          `LoadModule wsgi_module "${m.path}"`,
        );
        const location = await cli(['module-location', '--python-home', venv]);
        expect([location.status, location.stdout]).toEqual([0, `${m.path}\n`]);
        const config = await cli(['module-config', '--python-home', venv]);
        expect([config.status, config.stdout]).toEqual([
          0,
          `# mod_wsgi ${m.version} for Python ${python}: pip-installed in --python-home\n` +
            `LoadModule wsgi_module "${m.path}"\nWSGIPythonHome "${venv}"\n`,
        ]);
      });

      it("--mod-wsgi-module still wins over --python-home's module, for start-server and module-location", async () => {
        const debian = debianModule();
        const root = join(ws, 'roots', `named-${m.label}`);
        const args = ['--python-home', venv, '--mod-wsgi-module', debian.path];
        const setup = await setupServer(['app.wsgi', ...args, '--server-root', root], ws, env);
        expect(setup.status).toBe(0);
        expect(summaryLine(setup.stdout)).toMatch(
          /^\/\S+ \(Python \d+\.\d+\), given with --mod-wsgi-module$/,
        );
        expect(readFileSync(join(root, 'httpd.conf'), 'utf8')).toContain(
          `LoadModule wsgi_module "${debian.path}"`,
        );
        const location = await cli(['module-location', ...args]);
        expect([location.status, location.stdout]).toEqual([0, `${debian.path}\n`]);
      });
    },
  );

  // The README's recipe as typed, with the environment the matrix built standing in for its venv/
  // (the recipe's pip install needs the package index).
  it("README 'A newer mod_wsgi': the recipe's module-location and start-server lines", async () => {
    const m = pipModules.at(-1) as BuiltModule;
    const cwd = join(ws, 'recipe');
    mkdirSync(cwd);
    symlinkSync(venvOf(m), join(cwd, 'venv'));
    copyFileSync(join(ws, 'app.wsgi'), join(cwd, 'app.wsgi'));
    const [location, start, ...others] = recipeCommands('A newer mod_wsgi (pip install mod_wsgi)');
    expect(others).toEqual([]);
    expect(location?.[0]).toBe('module-location');
    const printed = await runTool(process.execPath, [CLI, ...(location as string[])], cwd, { env });
    // Through the venv as given (a symlink here), as WSGIPythonHome names it.
    expect([printed.status, printed.stdout]).toEqual([
      0,
      `${join(cwd, 'venv', relative(venvOf(m), m.path))}\n`,
    ]);
    expect(start?.[0]).toBe('start-server');
    const server = await startServer((start as string[]).slice(1), { cwd, env });
    const res = await get(`${server.url}/`);
    expect([res.status, JSON.parse(res.text).version]).toEqual([200, m.version]);
  });

  // This machine has one Python (Debian's), so no real environment of another Python can be made:
  // these are laid out as `python3.N -m venv` leaves one (pyvenv.cfg and lib/python3.N), which is
  // all that is read before the refusal. The module in them is a real pip-built one, for Debian's.
  describe('a module built for another Python than the environment it would run', () => {
    const m = pipModules[0] as BuiltModule;
    const built = pythonOf(venvOf(m));
    const other = built === '3.12' ? '3.13' : '3.12';

    function fakeVenv(name: string, withModule: boolean): string {
      const home = join(ws, name);
      const server = join(home, 'lib', `python${other}`, 'site-packages', 'mod_wsgi', 'server');
      mkdirSync(server, { recursive: true });
      writeFileSync(join(home, 'pyvenv.cfg'), `home = /usr/local/bin\nversion = ${other}.1\n`);
      if (withModule) {
        copyFileSync(m.path, join(server, basename(m.path)));
      }
      return home;
    }

    it.each([
      [
        'pip-installed in it (an environment moved to another Python after the install)',
        true,
        [],
        'pip-installed in --python-home',
      ],
      ['given with --mod-wsgi-module', false, ['--mod-wsgi-module', m.path], 'given with --mod-wsgi-module'],
    ] as const)(
      'is refused, %s, naming both versions; nothing written',
      async (_what, withModule, extra, why) => {
        const home = fakeVenv(`venv-other-${withModule ? 'pip' : 'named'}`, withModule);
        const root = join(ws, 'roots', basename(home));
        const setup = await setupServer(
          ['app.wsgi', '--python-home', home, ...extra, '--server-root', root],
          ws,
          env,
        );
        expect(setup.status).toBe(2);
        expect(setup.stderr).toContain(`--python-home: ${JSON.stringify(home)} is not valid`);
        expect(setup.stderr).toContain(
          `an environment of Python ${built}, the Python mod_wsgi was built for`,
        );
        expect(setup.stderr).toContain(why);
        expect(setup.stderr).toContain(`this one is Python ${other}`);
        expect(existsSync(root)).toBe(false);
        // module-location refuses the same options as start-server does.
        const location = await cli(['module-location', '--python-home', home, ...extra]);
        expect(location.status).toBe(2);
        expect(location.stderr).toContain(`this one is Python ${other}`);
        expect(location.stdout).toBe('');
      },
    );
  });
}
