/**
 * The module matrix (issue 14): express-wsgi with every mod_wsgi a user may have, not only
 * Debian 12's 4.9.4. The extra modules are built from the archives in
 * $EXPRESS_WSGI_TEST_MODULE_SOURCES (test/helpers/modules.ts); each one, and Debian's as the
 * baseline, goes through setup-server + Apache's configtest with many features on, and serves
 * real requests in daemon and embedded mode. Options a module lacks must be refused before
 * anything is written, naming the option, the version needed and the version found. What the
 * module does with the options it has: module-behaviour.test.ts (every module) and
 * module-6x.test.ts (the 6.x-only options).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { type Spec } from '../../src/options/define.js';
import { SCHEMA } from '../../src/options/schema.js';
import { cleanEnv, runTool, setupAndConfigtest, setupServer } from '../helpers/configtest.js';
import { configMatrix } from '../helpers/matrix.js';
import { atLeastSix, matrixModules } from '../helpers/modules.js';
import { CLI, get, startServer, stopAll } from '../helpers/server.js';

jest.setTimeout(60_000);

/** The options that came with mod_wsgi 6.0 that configtest takes on this machine, each with a valid value. */
const SIX_ONLY: readonly (readonly string[])[] = [
  ['--interrupt-timeout', '5'],
  ['--response-flush-delay', '10'],
  ['--switch-interval', '0.01'],
];

/**
 * A valid use of every option the schema gates on mod_wsgi 6 (minModWsgi), for the refusals by an
 * older module: a test below fails when an option gains a minModWsgi without a row here.
 */
const NEEDS_SIX: Record<string, readonly string[]> = {
  '--interrupt-timeout': ['--interrupt-timeout', '5'],
  '--response-flush-delay': ['--response-flush-delay', '10'],
  '--switch-interval': ['--switch-interval', '0.01'],
  '--free-threading': ['--free-threading'],
  '--telemetry-service': ['--telemetry-service', 'unix:/tmp/telemetry.sock'],
  '--enable-telemetry': ['--enable-telemetry'],
  '--telemetry-ui-port': ['--telemetry-ui-port', '9999'],
  '--telemetry-interval': ['--telemetry-interval', '2'],
  '--slow-requests': ['--slow-requests', '1'],
  '--telemetry-options': ['--telemetry-options', '+CaptureUserAgent'],
};

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

const modules = matrixModules('mod_wsgi module matrix');

it('the refusal table names every option the schema gates on mod_wsgi 6', () => {
  const gated = (SCHEMA as readonly Spec[]).filter((spec) => spec.minModWsgi === '6.0.0' && !spec.refused);
  expect(Object.keys(NEEDS_SIX).sort()).toEqual(gated.map((spec) => `--${spec.name}`).sort());
});

if (modules.length > 0) {
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

      // Options the module lacks are refused naming the option, the version needed and the one
      // found, before anything is written. A 6.x module has them all: module-6x.test.ts runs them.
      if (!atLeastSix(m.version)) {
        matrix.itRefusesBeforeWriting(
          Object.fromEntries(
            Object.entries(NEEDS_SIX).map(([option, args]) => [
              option,
              { args, message: `${option} needs mod_wsgi >= 6.0.0, found ${m.version} (${m.path}).` },
            ]),
          ),
          (r) => ['app.wsgi', ...r.args, '--mod-wsgi-module', m.path],
        );
      }

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
}
