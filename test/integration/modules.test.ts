/**
 * The module matrix (issue 14): express-wsgi with every mod_wsgi a user may have, not only
 * Debian 12's 4.9.4. The extra modules are built from the archives in
 * $EXPRESS_WSGI_TEST_MODULE_SOURCES (test/helpers/modules.ts); each one, and Debian's as the
 * baseline, goes through setup-server + Apache's configtest with many features on, and serves
 * real requests in daemon and embedded mode. Options a module lacks must be refused before
 * anything is written, naming the option, the version needed and the version found.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { cleanEnv, runTool, setupAndConfigtest, setupServer } from '../helpers/configtest.js';
import { configMatrix } from '../helpers/matrix.js';
import {
  type BuiltModule,
  builtModules,
  debianModule,
  moduleSources,
  SOURCES_VARIABLE,
} from '../helpers/modules.js';
import { CLI, get, makeWorkdir, startServer, stopAll } from '../helpers/server.js';

jest.setTimeout(60_000);

/** The options that came with mod_wsgi 6.0 (minModWsgi in src/features), each with a valid value. */
const SIX_ONLY: readonly (readonly string[])[] = [
  ['--interrupt-timeout', '5'],
  ['--response-flush-delay', '10'],
  ['--switch-interval', '0.01'],
];

/** Many features at once: what configtest must accept from every module. */
const MANY_FEATURES = [
  'app.wsgi',
  '--processes',
  '2',
  '--threads',
  '5',
  '--access-log',
  '--compress-responses',
  '--url-alias',
  '/static',
  'static',
  '--mount-point',
  '/app',
  '--request-timeout',
  '30',
  '--header-timeout',
  '10',
  '--socket-timeout',
  '30',
  '--queue-timeout',
  '20',
  '--shutdown-timeout',
  '5',
  '--deadlock-timeout',
  '60',
  '--connect-timeout',
  '10',
  '--maximum-requests',
  '100',
  '--reload-on-changes',
  '--python-path',
  'pylib',
  '--locale',
  'C.UTF-8',
  '--log-level',
  'info',
];

const atLeastSix = (version: string) => Number(version.split('.')[0]) >= 6;

// Built (or found in the cache) while the file is collected: the cases depend on each module's version.
const modules: readonly BuiltModule[] = moduleSources().length > 0 ? [debianModule(), ...builtModules()] : [];

if (modules.length === 0) {
  const how = `mod_wsgi module matrix skipped: set ${SOURCES_VARIABLE}="…/mod_wsgi-5.0.2.tar.gz …/mod_wsgi-6.0.5.tar.gz" to run it (.ci/run does when ../shared/vendor exists)`;
  // One plain line in the run's output (jest's console.* would add a stack location to it).
  process.stderr.write(`${how}\n`);
  describe.skip(how, () => {
    it('needs the source archives', () => {});
  });
} else {
  const matrix = configMatrix('modules', {
    dirs: ['static', 'pylib'],
    files: {
      'app.wsgi':
        'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\n',
      'static/index.html': '<p>hi</p>\n',
    },
  });

  afterEach(stopAll);

  describe.each(modules.map((m) => [`${m.label} (${m.version})`, m] as const))(
    'with the %s module',
    (_, m) => {
      it('configtest accepts many features at once, and the 6.x ones where the module has them', async () => {
        const { path, version } = m;
        const six = atLeastSix(version) ? SIX_ONLY.flat() : [];
        const ws = matrix.ws;
        const root = join(ws, 'roots', `many-${m.label}`);
        const out = await setupAndConfigtest([...MANY_FEATURES, ...six, '--mod-wsgi-module', path], root, ws);
        expect(out.setup.stderr).toBe('');
        expect(out.setup.status).toBe(0);
        expect(out.conf).toContain(`LoadModule wsgi_module "${path}"`);
        expect(out.configtest.stderr).toContain('Syntax OK');
        expect(out.configtest.status).toBe(0);
        if (six.length > 0) {
          expect(out.conf).toMatch(/interrupt-timeout="5"/);
          expect(out.conf).toMatch(/response-flush-delay="10"/);
        }
      });

      // A 6.x module has every option: the configtest case above shows they are emitted.
      (atLeastSix(m.version) ? it.skip : it)(
        'options the module lacks are refused naming option, needed and found version; nothing written',
        async () => {
          const { path, version } = m;
          const ws = matrix.ws;
          for (const option of SIX_ONLY) {
            const root = join(ws, 'roots', `refused-${m.label}${option[0]}`);
            const setup = await setupServer(
              ['app.wsgi', ...option, '--mod-wsgi-module', path, '--server-root', root],
              ws,
            );
            expect(setup.status).toBe(2);
            expect(setup.stderr).toContain(
              `${option[0]} needs mod_wsgi >= 6.0.0, found ${version} (${path})`,
            );
            expect(existsSync(root)).toBe(false);
          }
        },
      );

      // README "A newer mod_wsgi (pip install mod_wsgi)": an activated environment puts its
      // mod_wsgi-express on PATH, and express-wsgi loads that environment's module.
      (m.label === 'Debian' ? it.skip : it)(
        "finds a pip-installed module through the activated environment's mod_wsgi-express",
        async () => {
          const venv = m.path.slice(0, m.path.indexOf('/lib/python'));
          expect(existsSync(join(venv, 'bin', 'mod_wsgi-express'))).toBe(true);
          const env = { ...cleanEnv(), PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}` };
          const ws = matrix.ws;
          const location = await runTool(process.execPath, [CLI, 'module-location'], ws, { env });
          expect(location.stdout.trim()).toBe(m.path);
          const root = join(ws, 'roots', `pip-${m.label}`);
          const setup = await setupServer(
            ['app.wsgi', '--python-home', venv, '--server-root', root],
            ws,
            env,
          );
          expect(setup.stderr).toBe('');
          expect(setup.stdout).toContain(`mod_wsgi ${m.version}`);
          expect(readFileSync(join(root, 'httpd.conf'), 'utf8')).toContain(
            `LoadModule wsgi_module "${m.path}"`,
          );
        },
      );

      it('daemon mode and embedded mode serve hello world', async () => {
        const { path } = m;
        const daemon = await startServer(['hello.wsgi', '--mod-wsgi-module', path]);
        const d = await get(`${daemon.url}/`);
        expect([d.status, d.text]).toEqual([200, 'Hello from hello.wsgi\n']);
        expect(d.headers['x-process-group']).not.toBe('');
        const embedded = await startServer(['hello.wsgi', '--embedded-mode', '--mod-wsgi-module', path]);
        const e = await get(`${embedded.url}/`);
        expect([e.status, e.text]).toEqual([200, 'Hello from hello.wsgi\n']);
        expect(e.headers['x-process-group']).toBe('');
      });

      it("the welcome page reports the module's version", async () => {
        const { path, version } = m;
        const server = await startServer(['--mod-wsgi-module', path]);
        const res = await get(`${server.url}/`);
        expect(res.status).toBe(200);
        expect(res.text).toContain(`<dt>mod_wsgi</dt><dd>${version},`);
      });
    },
  );

  const six = modules.filter((m) => atLeastSix(m.version));
  // describe.each refuses an empty table: without a 6.x archive there is nothing to run here.
  if (six.length > 0) {
    describe.each(six.map((m) => [m.label, m] as const))(
      '6.x features end to end with the %s module',
      (_, m) => {
        it("--switch-interval sets the daemon's Python thread switch interval", async () => {
          const cwd = makeWorkdir();
          writeFileSync(
            join(cwd, 'interval.wsgi'),
            'import sys\n\n\ndef application(environ, start_response):\n' +
              "    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
              '    return [repr(sys.getswitchinterval()).encode()]\n',
            { mode: 0o644 },
          );
          const server = await startServer(
            ['interval.wsgi', '--mod-wsgi-module', m.path, '--switch-interval', '0.02'],
            {
              cwd,
            },
          );
          const res = await get(`${server.url}/`);
          expect([res.status, res.text]).toEqual([200, '0.02']);
        });

        it('--request-timeout with --interrupt-timeout turns a stuck request into a 504, and the daemon recovers', async () => {
          const { path } = m;
          const cwd = makeWorkdir();
          // Stuck in Python code: the RequestTimeout exception mod_wsgi injects is raised only between
          // bytecodes (a request blocked in C, e.g. one time.sleep(600), is not interruptible: after
          // the interrupt timeout the daemon is restarted and the client gets a 502 instead).
          writeFileSync(
            join(cwd, 'stuck.wsgi'),
            'import time\n\n\ndef application(environ, start_response):\n' +
              "    if environ.get('QUERY_STRING') == 'stuck':\n" +
              '        while True:\n            time.sleep(0.05)\n' +
              "    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
              "    return [str(__import__('os').getpid()).encode()]\n",
            { mode: 0o644 },
          );
          const server = await startServer(
            [
              'stuck.wsgi',
              '--mod-wsgi-module',
              path,
              '--processes',
              '1',
              '--threads',
              '1',
              '--request-timeout',
              '2',
              '--interrupt-timeout',
              '2',
            ],
            { cwd },
          );
          const before = await get(`${server.url}/`);
          const stuck = await get(`${server.url}/?stuck`, {}, 30_000);
          expect(stuck.status).toBe(504);
          // The same process (no restart) serves again on its single thread.
          const after = await get(`${server.url}/`);
          expect([after.status, after.text]).toEqual([200, before.text]);
        });
      },
    );
  }
}
