/**
 * The module matrix (issue 14, item 3): the options only mod_wsgi 6 has do what they say with a
 * 6.x module built from $EXPRESS_WSGI_TEST_MODULE_SOURCES, end to end against a real Apache
 * (modules.test.ts shows they pass configtest; older modules refuse them there). The app is
 * fixtures/features/modules/six.wsgi; telemetry is received by a stand-in for the
 * mod_wsgi-telemetry ingester (fixtures/features/telemetry/mod_wsgi/telemetry/server.py), which
 * decodes mod_wsgi's datagrams and serves them as JSON.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { atLeastSix, type BuiltModule, matrixModules } from '../helpers/modules.js';
import {
  freePort,
  get,
  getJson,
  makeWorkdir,
  type Server,
  serverForAll,
  startServer,
  stopAll,
  stopServer,
  waitFor,
} from '../helpers/server.js';

jest.setTimeout(60_000);

const APP = 'features/modules/six.wsgi';
const STAND_IN = 'features/telemetry';

/** A datagram as the stand-in decoded it; field numbers are wsgi_telemetry.h's WSGI_METRICS_F_*. */
interface Datagram {
  readonly kind: number;
  readonly pid: number;
  readonly fields: Record<string, string | number | number[]>;
}

// wsgi_telemetry.h: the kinds of datagram, and the fields these tests read.
const KIND = { request: 2, slowRequest: 4 } as const;
const FIELD = {
  modWsgiVersion: '1',
  processGroup: '6',
  telemetryInterval: '11',
  slowRequestsThreshold: '12',
  switchInterval: '13',
  slowScriptName: '213',
  slowPathInfo: '214',
  slowUserAgent: '217',
} as const;

/** The URL path of a slow request's report, in two parts as mod_wsgi saw it (here all in the first). */
const urlPathOf = (d: Datagram) =>
  `${String(d.fields[FIELD.slowScriptName] ?? '')}${String(d.fields[FIELD.slowPathInfo] ?? '')}`;

const datagrams = async (uiPort: number) => (await getJson<Datagram[]>(`http://127.0.0.1:${uiPort}/`)).json;

const modules = matrixModules('mod_wsgi 6.x features');
const six = modules.filter((m) => atLeastSix(m.version));
if (modules.length > 0 && six.length === 0) {
  describe.skip('mod_wsgi 6.x features: no 6.x module among the archives given', () => {
    it('needs a mod_wsgi 6 source archive', () => {});
  });
}

/** The pid the app's daemon process answers with. */
const pidOf = async (server: Server) => (await getJson<{ pid: number }>(`${server.url}/`)).json.pid;

/** The first periodic report from the app's daemon process that the ingester on `uiPort` received. */
async function reportFrom(server: Server, uiPort: number): Promise<Datagram> {
  const pid = await pidOf(server);
  return waitFor(
    async () => (await datagrams(uiPort)).find((d) => d.kind === KIND.request && d.pid === pid),
    20_000,
    "a report from the app's daemon process",
  );
}

/** Marks `name` as come, for the app's ?hold= and ?flush= (it polls for the file). */
const release = (cwd: string, name: string) =>
  writeFileSync(join(cwd, dirname(APP), name), '', { mode: 0o644 });

/** GET ?flush=NAME, creating NAME as soon as the first chunk arrives: the body tells whether it did in time. */
function flushProbe(server: Server, cwd: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/?flush=${name}`, { agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body === 'first;') {
          release(cwd, name);
        }
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the flush probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

if (six.length > 0) {
  describe.each(six.map((m) => [`${m.label} (${m.version})`, m] as const))(
    'with the %s module',
    (_, m: BuiltModule) => {
      describe('a server each', () => {
        afterEach(stopAll);

        it('--request-timeout with --interrupt-timeout: a request stuck in Python gets a 504 and its process serves on', async () => {
          const server = await startServer([
            APP,
            '--mod-wsgi-module',
            m.path,
            '--processes',
            '1',
            '--threads',
            '1',
            '--request-timeout',
            '1',
            '--interrupt-timeout',
            '1',
            '--shutdown-timeout',
            '1',
            '--log-level',
            'info',
          ]);
          const first = await pidOf(server);
          // mod_wsgi raises RequestTimeout in the request's thread, between two bytecodes: the loop
          // ends, Apache answers 504, and the same process, on its only thread, answers the next.
          // Without --interrupt-timeout the daemon is restarted instead and the client gets a 502
          // (module-behaviour.test.ts).
          const stuck = await get(`${server.url}/?stuck`, {}, 30_000);
          expect(stuck.status).toBe(504);
          expect(await pidOf(server)).toBe(first);
          const log = () => readFileSync(join(server.root, 'error_log'), 'utf8');
          expect(log()).toContain('Request interrupted by RequestTimeout; thread recovered.');

          // A request blocked in C (one long time.sleep) cannot be interrupted: once the interrupt
          // timeout is over too, the daemon is restarted (502), and a new process serves.
          const blocked = await get(`${server.url}/?blocked`, {}, 30_000);
          expect(blocked.status).toBe(502);
          expect(log()).toContain('Daemon process request time limit exceeded');
          await waitFor(async () => (await pidOf(server)) !== first, 20_000, 'a new daemon process to serve');
        });

        it('--response-flush-delay: a response is held back while its app is idle for less than the delay', async () => {
          // The control, mod_wsgi's default of 5 ms: "first;" reaches the client while the app waits
          // for it (at most 2 s), so the app goes on with "seen".
          const cwd = makeWorkdir();
          const quick = await startServer([APP, '--mod-wsgi-module', m.path], { cwd });
          expect(await flushProbe(quick, cwd, 'quick')).toBe('first;seen');
          await stopServer(quick);
          // 30 s: Apache keeps reading from the daemon for that long before it flushes, so "first;"
          // comes only with the rest, after the app gave up waiting for the client to see it.
          const held = await startServer(
            [APP, '--mod-wsgi-module', m.path, '--response-flush-delay', '30000'],
            {
              cwd,
            },
          );
          expect(readFileSync(join(held.root, 'httpd.conf'), 'utf8')).toContain(
            'response-flush-delay="30000"',
          );
          expect(await flushProbe(held, cwd, 'held')).toBe('first;unseen');
        });

        it('--free-threading is accepted and said to have no effect on a Python built with the GIL', async () => {
          // Debian 12's Python 3.11 has the GIL, and a free-threaded build (3.13t) is not on this
          // machine: what can be observed is mod_wsgi taking the directive and saying so.
          const server = await startServer([APP, '--mod-wsgi-module', m.path, '--free-threading']);
          expect(readFileSync(join(server.root, 'httpd.conf'), 'utf8')).toMatch(/^WSGIFreeThreading On$/m);
          expect((await get(`${server.url}/`)).status).toBe(200);
          const said = `${server.stdout()}${server.stderr()}${readFileSync(join(server.root, 'error_log'), 'utf8')}`;
          expect(said).toContain('WSGIFreeThreading On has no effect');
        });

        it('--enable-telemetry runs the ingester as a service on --telemetry-ui-port; the daemon reports to it', async () => {
          // The real ingester (pip install mod_wsgi-telemetry) is not on this machine: the stand-in
          // plays it. mod_wsgi finds mod_wsgi.telemetry next to its own Python package (the
          // embedded mod_wsgi module takes that package's __path__ when the interpreter starts,
          // before --python-path is added), so both go into an environment's site-packages through
          // a .pth file: the module's own build environment (its mod_wsgi package) and the stand-in.
          const cwd = makeWorkdir();
          const venv = join(cwd, 'venv');
          execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]);
          // …/lib/python3.X/site-packages of the module's build environment, and of ours.
          const built = m.path.slice(0, m.path.indexOf('/mod_wsgi/server/'));
          const sitePackages = join(venv, built.slice(built.lastIndexOf('/lib/')));
          writeFileSync(join(sitePackages, 'matrix.pth'), `${built}\n${join(cwd, STAND_IN)}\n`, {
            mode: 0o644,
          });
          execFileSync('chmod', ['-R', 'a+rX', venv]);
          const uiPort = await freePort();
          const server = await startServer(
            [
              APP,
              '--mod-wsgi-module',
              m.path,
              '--python-home',
              venv,
              '--enable-telemetry',
              '--telemetry-ui-port',
              String(uiPort),
              '--telemetry-interval',
              '0.5',
            ],
            { cwd },
          );
          expect(server.stdout()).toContain(`Telemetry UI       : http://127.0.0.1:${uiPort}/`);
          expect((await reportFrom(server, uiPort)).fields[FIELD.modWsgiVersion]).toBe(m.version);
        });
      });

      describe('--telemetry-service to an ingester of our own', () => {
        let cwd: string;
        let ingester: ChildProcess | undefined;
        let uiPort: number;
        let socket: string;
        beforeAll(async () => {
          cwd = makeWorkdir();
          uiPort = await freePort();
          socket = join(cwd, 'ingester.sock');
          ingester = spawn(
            '/usr/bin/python3',
            [
              join(cwd, STAND_IN, 'mod_wsgi/telemetry/server.py'),
              '--listen',
              `unix:${socket}`,
              '--http-port',
              String(uiPort),
            ],
            { stdio: ['pipe', 'inherit', 'inherit'] },
          );
          await waitFor(() => datagrams(uiPort), 10_000, 'the stand-in ingester to listen');
        });
        afterAll(() => {
          // Its stdin closing is what tells it to go; the kill is for one that does not.
          ingester?.stdin?.end();
          ingester?.kill();
        });
        const shared = serverForAll(() =>
          startServer(
            [
              APP,
              '--mod-wsgi-module',
              m.path,
              '--telemetry-service',
              `unix:${socket}`,
              '--telemetry-interval',
              '0.5',
              '--slow-requests',
              '0.2',
              '--telemetry-options',
              '+CaptureUserAgent',
              '--switch-interval',
              '0.02',
            ],
            { cwd },
          ),
        );

        it('the daemon reports to the socket given, at --telemetry-interval, as mod_wsgi 6', async () => {
          const report = await reportFrom(shared(), uiPort);
          expect(report.fields[FIELD.modWsgiVersion]).toBe(m.version);
          expect(report.fields[FIELD.telemetryInterval]).toBe(0.5);
          expect(report.fields[FIELD.processGroup]).toBe(new URL(shared().url).host);
        });

        it("--switch-interval sets the daemon's Python thread switch interval", async () => {
          const { json } = await getJson<{ switch_interval: number }>(`${shared().url}/`);
          expect(json.switch_interval).toBe(0.02);
          expect((await reportFrom(shared(), uiPort)).fields[FIELD.switchInterval]).toBe(0.02);
        });

        it('--slow-requests reports a request still running; --telemetry-options +CaptureUserAgent adds its User-Agent', async () => {
          // Held until its slow-request report has arrived: no guessing how long is long enough.
          const held = get(`${shared().url}/held?hold=slow`, { 'User-Agent': 'module-matrix/1' }, 30_000);
          try {
            const slow = await waitFor(
              async () =>
                (await datagrams(uiPort)).find(
                  (d) => d.kind === KIND.slowRequest && urlPathOf(d) === '/held',
                ),
              20_000,
              'a slow-request report of /held',
            );
            expect(slow.fields[FIELD.slowUserAgent]).toBe('module-matrix/1');
            const report = await reportFrom(shared(), uiPort);
            expect(report.fields[FIELD.slowRequestsThreshold]).toBe(0.2);
          } finally {
            release(cwd, 'slow');
          }
          expect((await held).status).toBe(200);
        });
      });
    },
  );
}
