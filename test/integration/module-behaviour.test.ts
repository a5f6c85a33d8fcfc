/**
 * The module matrix (issue 14, item 2): what express-wsgi says about mod_wsgi's behaviour holds
 * with every module a user may have (Debian 12's 4.9.4, 5.0.2 and 6.0.5 built from the archives
 * in $EXPRESS_WSGI_TEST_MODULE_SOURCES; test/helpers/modules.ts), not only the one the rest of
 * the suite runs on: HTTPS, trusted proxy headers, the process group and interpreter named, the
 * warnings filters, --server-metrics, reloading on a change (entry point, imported module),
 * SIGUSR2's reload under load, apachectl reload-app, and --request-timeout. Hello world, the
 * welcome page's version and the refusals are in modules.test.ts; the 6.x-only options in
 * module-6x.test.ts. *
 * One server per module serves the cases that leave it as they found it, in the order written
 * (the reloads come last among them, each starting from what the one before left); the request
 * timeout, which kills its daemon on purpose, has a server of its own, started beside it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it, jest } from '@jest/globals';

import { loadUntilStopped } from '../helpers/load.js';
import { atLeastSix, type BuiltModule, matrixModules } from '../helpers/modules.js';
import {
  freePort,
  get,
  getJson,
  loopbackArgs,
  makeWorkdir,
  run,
  runCli,
  serverForAll,
  startServer,
  stopServer,
  trackRoot,
  waitFor,
} from '../helpers/server.js';
import { httpsGet, selfSigned } from '../helpers/tls.js';

jest.setTimeout(60_000);

/** What fixtures/features/modules/behaviour.wsgi answers. */
interface Seen {
  readonly version: string;
  readonly message: string;
  readonly pid: number;
  readonly scheme: string;
  readonly remote_addr: string;
  readonly forwarded_for: string | null;
  readonly process_group: string;
  readonly application_group: string;
  readonly warnoptions: readonly string[];
  /** The keys of mod_wsgi.server_metrics() ([] when it returns None). */
  readonly server_metrics: readonly string[];
}

const APP = 'features/modules/behaviour.wsgi';

interface TimeoutOutcome {
  /** The status of the request that overran --request-timeout. */
  readonly slow: number;
  readonly logged: string;
  /** Whether a new daemon process served afterwards. */
  readonly replaced: boolean;
}

/** A server with --request-timeout 1 and one thread, and what becomes of a request that blocks far longer. */
async function overrunRequestTimeout(m: BuiltModule): Promise<TimeoutOutcome> {
  const server = await startServer([
    'features/daemon/pid.wsgi',
    '--mod-wsgi-module',
    m.path,
    '--request-timeout',
    '1',
    '--threads',
    '1',
    '--shutdown-timeout',
    '1',
    '--log-level',
    'info',
  ]);
  try {
    const pid = async () => (await getJson<{ pid: number }>(`${server.url}/`)).json.pid;
    const first = await pid();
    // Blocked in C (time.sleep) far longer than the limit: only the daemon's restart ends it.
    const slow = (await get(`${server.url}/?sleep=120`, {}, 45_000)).status;
    const logged = readFileSync(join(server.root, 'error_log'), 'utf8');
    const replaced = await waitFor(
      async () => (await pid()) !== first,
      20_000,
      'a new daemon process to serve',
    );
    return { slow, logged, replaced };
  } finally {
    await stopServer(server);
  }
}

const modules = matrixModules('mod_wsgi module behaviour');

if (modules.length > 0) {
  describe.each(modules.map((m) => [`${m.label} (${m.version})`, m] as const))(
    'with the %s module',
    (_, m) => {
      // Mostly waiting (for the limit, then the restart): it runs beside the shared server's cases.
      let requestTimeout: Promise<TimeoutOutcome>;
      beforeAll(() => {
        requestTimeout = overrunRequestTimeout(m);
        requestTimeout.catch(() => {}); // its test reports the failure
      });

      describe('one server: HTTPS, proxy headers, names, reloading', () => {
        let cwd: string;
        let httpsPort: number;
        const shared = serverForAll(async () => {
          cwd = makeWorkdir();
          selfSigned(cwd, 'site', 'localhost');
          httpsPort = await freePort();
          return startServer(
            [
              APP,
              '--mod-wsgi-module',
              m.path,
              '--https-port',
              String(httpsPort),
              '--ssl-certificate',
              'site',
              '--trust-proxy',
              '127.0.0.1',
              '--trust-proxy-header',
              'X-Forwarded-For',
              '--process-group',
              'matrix',
              '--application-group',
              'matrix-app',
              '--python-warnings',
              'ignore::ResourceWarning',
              '--server-metrics',
              '--reload-on-changes',
              // Where behaviour.wsgi's helper module is (the working directory is on the path).
              '--python-path',
              'features/modules',
            ],
            { cwd },
          );
        });
        const seen = async (headers: Record<string, string> = {}) => {
          const res = await get(`${shared().url}/`, headers);
          expect(res.status).toBe(200);
          return JSON.parse(res.text) as Seen;
        };

        it('the summary names the module that was loaded', () => {
          const server = shared();
          expect(server.stdout()).toContain(`mod_wsgi ${m.version}`);
          expect(readFileSync(join(server.root, 'httpd.conf'), 'utf8')).toContain(
            `LoadModule wsgi_module "${m.path}"`,
          );
        });

        it('--https-port: the app answers over TLS with the certificate given, and on plain HTTP', async () => {
          const tls = await httpsGet(httpsPort, '/');
          expect(tls.status).toBe(200);
          expect((JSON.parse(tls.text) as Seen).scheme).toBe('https');
          expect((await seen()).scheme).toBe('http');
        });

        it('--trust-proxy-header X-Forwarded-For from --trust-proxy 127.0.0.1 sets REMOTE_ADDR', async () => {
          expect((await seen()).remote_addr).toBe('127.0.0.1');
          const forwarded = await seen({ 'X-Forwarded-For': '203.0.113.7' });
          expect([forwarded.remote_addr, forwarded.forwarded_for]).toEqual(['203.0.113.7', '203.0.113.7']);
        });

        it('--process-group, --application-group and --python-warnings reach the application', async () => {
          const s = await seen();
          expect(s.process_group).toBe('matrix');
          expect(s.application_group).toBe('matrix-app');
          expect(s.warnoptions).toContain('ignore::ResourceWarning');
        });

        it('--server-metrics: mod_wsgi.server_metrics() reports on the Apache processes', async () => {
          // None without it (so [] here): every module collects them only when asked.
          expect((await seen()).server_metrics).toEqual(
            expect.arrayContaining(['processes', 'server_limit']),
          );
        });

        it('a changed entry point restarts the daemon before the next request', async () => {
          const before = await seen();
          const entry = join(cwd, APP);
          writeFileSync(entry, readFileSync(entry, 'utf8').replace("VERSION = 'v1'", "VERSION = 'v2'"));
          // handler.wsgi's reload_required runs before each request: the very next one sees it.
          const after = await seen();
          expect([after.version, after.pid === before.pid]).toEqual(['v2', false]);
        });

        it('--reload-on-changes: a changed imported module restarts the daemon', async () => {
          const before = await seen();
          writeFileSync(join(cwd, 'features/modules/helper.py'), "MESSAGE = 'two'\n");
          // The monitor thread polls the files once a second: the change shows after a restart.
          await waitFor(
            async () => (await seen()).message === 'two',
            20_000,
            'the daemon to restart with the changed module',
          );
          expect((await seen()).pid).not.toBe(before.pid);
        });

        it('SIGUSR2 replaces the daemon process under load with no failed request', async () => {
          const server = shared();
          const load = loadUntilStopped(server.url, 4);
          const pids = () => new Set([...load.seen].map((body) => (JSON.parse(body) as Seen).pid));
          try {
            await waitFor(() => load.answered() > 0, 20_000, 'answers under load');
            server.child.kill('SIGUSR2');
            await waitFor(
              () => server.stdout().includes('reloading the application: done'),
              20_000,
              'the reload to finish',
            );
            const answered = load.answered();
            await waitFor(() => load.answered() > answered + 20, 20_000, 'answers after the reload');
          } finally {
            await load.stop();
          }
          expect(load.failures).toEqual([]);
          expect(server.stdout()).toContain(
            'reloading the application: 1 mod_wsgi daemon process restarts gracefully, one at a time',
          );
          expect(pids().size).toBeGreaterThan(1);
        });
      });

      it('apachectl reload-app replaces the daemon process of a server started by apachectl', async () => {
        const cwd = makeWorkdir();
        const root = join(cwd, 'root');
        const port = await freePort();
        const setup = await runCli(
          [
            'setup-server',
            'features/daemon/pid.wsgi',
            '--mod-wsgi-module',
            m.path,
            ...loopbackArgs(port, root),
          ],
          cwd,
        );
        expect(setup.stderr).toBe('');
        trackRoot(root);
        const apachectl = join(root, 'apachectl');
        const url = `http://127.0.0.1:${port}/`;
        const pid = async () => (await getJson<{ pid: number }>(url)).json.pid;
        try {
          expect((await run(apachectl, ['start'])).code).toBe(0);
          const before = await waitFor(pid, 20_000, 'the app');
          const reload = await run(apachectl, ['reload-app']);
          expect(reload).toMatchObject({
            code: 0,
            stdout: expect.stringContaining('1 mod_wsgi daemon process(es)'),
          });
          await waitFor(async () => (await pid()) !== before, 20_000, 'an answer from a new daemon process');
        } finally {
          await run(apachectl, ['stop']); // stopAll (trackRoot) kills what a failed stop leaves
        }
      });

      it('--request-timeout: a request that overruns fails, the daemon is replaced and serves', async () => {
        const { slow, logged, replaced } = await requestTimeout;
        // Apache answers 500 for the lost daemon before 6.0, 502 (Bad Gateway) from 6.0 on.
        expect(slow).toBe(atLeastSix(m.version) ? 502 : 500);
        expect(logged).toContain('Daemon process request time limit exceeded');
        expect(replaced).toBe(true);
      });
    },
  );
}
