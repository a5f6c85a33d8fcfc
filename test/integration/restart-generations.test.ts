/**
 * Issue 17: SIGUSR1 and SIGHUP to the launcher start a new Apache generation beside the running
 * one (src/launch/generations.ts) instead of Apache's own restart, which under load answered
 * requests with 5xx (mod_wsgi unlinks its daemon sockets while Apache rereads its configuration).
 * Each restart here runs under a bounded load from bench/load-client.mjs, the client that retries
 * a request once when the server closed a kept-alive connection under it, as browsers do.
 *
 * Design note, the negative control: Apache's own graceful restart (`apachectl -k graceful`, which
 * apachectl passes to httpd as it is) under the same load fails requests with 5xx; the last test
 * shows it, so that the load here is one a lossy restart does fail.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { served, stopLoads, underLoad, wrk } from '../helpers/load.js';
import {
  get,
  loopbackArgs,
  makeWorkdir,
  parentOf,
  processesOf,
  runCli,
  type Server,
  startServer,
  stopAll,
  stopServer,
  waitFor,
} from '../helpers/server.js';

afterEach(async () => {
  stopLoads();
  await stopAll();
});

/** The server every test here runs: hello.wsgi, 2 daemon processes, and an access log. */
const FLAGS = ['hello.wsgi', '--processes', '2', '--access-log'];

const generationPidFiles = (root: string) =>
  readdirSync(root).filter((name) => /^\.httpd\.generation-\d+\.pid$/.test(name));

/** The Apache parents running for this server: the launcher's children among its processes. */
const apacheParents = (server: Server) =>
  processesOf(server.root).filter((pid) => parentOf(pid) === server.child.pid);

const restarts = (server: Server) => server.stdout().split('express-wsgi: restarted:').length - 1;

/** After a restart: one generation, which the pid file names, and only its runtime files. */
async function expectOneGeneration(server: Server): Promise<void> {
  await waitFor(
    () => apacheParents(server).length === 1 && generationPidFiles(server.root).length === 1,
    45_000,
    'one Apache generation to be left',
  );
  const [parent] = apacheParents(server);
  expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(String(parent));
  const sockets = readdirSync(server.root).filter((name) => name.endsWith('.sock'));
  expect(sockets.every((name) => name.startsWith(`wsgi.${parent}.`))).toBe(true);
}

/** After SIGTERM: nothing of the server runs, and its runtime files are gone. */
async function expectNoneAfterStop(server: Server): Promise<void> {
  await stopServer(server);
  await waitFor(() => processesOf(server.root).length === 0, 20_000, 'nothing left of the server');
  expect(generationPidFiles(server.root)).toEqual([]);
  expect(existsSync(join(server.root, 'httpd.pid'))).toBe(false);
}

describe.each(['SIGUSR1', 'SIGHUP'] as const)('%s to the launcher, daemon mode, under load', (signal) => {
  it('fails no request, leaves one generation running, and none after SIGTERM', async () => {
    const server = await startServer(FLAGS);
    const [before] = apacheParents(server);
    // The load runs for 5 s; the restart (about a second here) and its drain happen inside it.
    const loaded = await underLoad(server, 5);
    process.kill(server.child.pid as number, signal);
    await waitFor(() => restarts(server) === 1, 20_000, 'the new generation to serve');
    const result = await loaded;
    expect(result.requests).toBeGreaterThan(100);
    expect({ non2xx: result.non2xx, errors: result.errors }).toEqual({ non2xx: 0, errors: 0 });
    await expectOneGeneration(server);
    expect(apacheParents(server)).not.toContain(before);
    await expectNoneAfterStop(server);
  });
});

it('a new generation that fails to start changes nothing: the old one serves on, the launcher says why', async () => {
  const server = await startServer(FLAGS);
  const [before] = apacheParents(server);
  // A configuration error, as a setup-server rerun with a bad --include-file would make.
  appendFileSync(join(server.root, 'httpd.conf'), '\nNoSuchDirective on\n');
  const loaded = await underLoad(server, 3);
  process.kill(server.child.pid as number, 'SIGHUP');
  await waitFor(() => server.stderr().includes('the restart failed'), 20_000, 'the launcher to say why');
  expect(server.stderr()).toMatch(
    /express-wsgi: the restart failed: a new Apache was started from .*, but it exited with status 1 before it served; .*The running one \(pid \d+\) goes on serving\./,
  );
  expect(server.stderr()).toContain('NoSuchDirective');
  const result = await loaded;
  expect(result.failed).toBe(0);
  expect(apacheParents(server)).toEqual([before]);
  expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(String(before));
  expect((await get(`${server.url}/`)).status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  await expectNoneAfterStop(server);
});

/** Waits until the launcher has said how its restart went; whether it failed. */
const restartFailed = async (server: Server) =>
  (await waitFor(
    () =>
      server.stderr().includes('the restart failed')
        ? 'failed'
        : server.stdout().includes('express-wsgi: restarted:')
          ? 'restarted'
          : undefined,
    30_000,
    'the launcher to say how the restart went',
  )) === 'failed';

it('a restart onto a port another server shares by SO_REUSEPORT is refused: the old generation serves on', async () => {
  const server = await startServer(FLAGS);
  // Another express-wsgi of the same account: its listeners set SO_REUSEPORT as ours do.
  const other = await startServer(FLAGS);
  const [before] = apacheParents(server);
  const setup = await runCli(
    ['setup-server', ...FLAGS, ...loopbackArgs(other.port, server.root)],
    server.cwd,
  );
  expect(setup).toMatchObject({ code: 0 });
  process.kill(server.child.pid as number, 'SIGHUP');
  expect(await restartFailed(server)).toBe(true);
  expect(server.stderr()).toContain(
    `listens on 127.0.0.1:${other.port}, which cannot be used (--port: ${other.port} is already in use`,
  );
  expect(apacheParents(server)).toEqual([before]);
  expect(generationPidFiles(server.root)).toHaveLength(1);
  // The other server's port is its own: every request there is in its access log.
  const [mine, theirs] = [served(server.root), served(other.root)];
  for (let i = 0; i < 20; i++) {
    expect((await get(`${other.url}/`)).status).toBe(200);
  }
  await waitFor(() => served(other.root) >= theirs + 20, 5_000, "the other server's access log");
  expect(served(server.root)).toBe(mine);
  expect((await get(`${server.url}/`)).status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  await expectNoneAfterStop(server);
});

it('a restart onto an application that fails to import fails: the old generation serves on, the launcher says why', async () => {
  const cwd = makeWorkdir();
  // The app imports a module beside it; mod_wsgi reloads a changed app file in the running
  // daemons too, but not a module it imported, so only the new generation meets the broken one.
  writeFileSync(
    join(cwd, 'modapp.wsgi'),
    'import restart_helper\n\ndef application(environ, start_response):\n' +
      "    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'ok']\n",
  );
  writeFileSync(join(cwd, 'restart_helper.py'), 'VALUE = 1\n');
  const server = await startServer(['modapp.wsgi', ...FLAGS.slice(1)], { cwd });
  const [before] = apacheParents(server);
  // Both daemons of the old generation have imported the good module (Apache answers before).
  const imports = () => readFileSync(join(server.root, 'error_log'), 'utf8').split(': imported ').length - 1;
  await waitFor(() => imports() >= 2, 20_000, 'the old daemons to import the application');
  writeFileSync(join(cwd, 'restart_helper.py'), 'import express_wsgi_no_such_module  # noqa: F401\n');
  process.kill(server.child.pid as number, 'SIGHUP');
  expect(await restartFailed(server)).toBe(true);
  expect(server.stderr()).toMatch(
    /the restart failed: a new Apache was started from .*, but its application failed to load \(ModuleNotFoundError: No module named 'express_wsgi_no_such_module', at .*restart_helper\.py, line 1\); .*The running one \(pid \d+\) goes on serving\./,
  );
  await waitFor(() => apacheParents(server).length === 1, 20_000, 'the new generation to be stopped');
  expect(apacheParents(server)).toEqual([before]);
  expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(String(before));
  expect(generationPidFiles(server.root)).toHaveLength(1);
  for (let i = 0; i < 10; i++) {
    expect((await get(`${server.url}/`)).status).toBe(200);
  }
  expect(server.child.exitCode).toBeNull();
  await expectNoneAfterStop(server);
});

const restartsLogged = (server: Server) =>
  readFileSync(join(server.root, 'error_log'), 'utf8').split('resuming normal operations').length - 1;

// wrk, faster than the Node client, catches what a restart answers with 5xx.
describe.each(['SIGUSR1', 'SIGHUP', 'apachectl -k graceful'] as const)(
  '%s, daemon mode, under wrk',
  (restart) => {
    const ours = restart !== 'apachectl -k graceful';
    it(
      ours
        ? 'answers every request with a 2xx'
        : "negative control: Apache's own restart answers some with 5xx",
      async () => {
        const server = await startServer(FLAGS);
        const loaded = await underLoad(server, 60, wrk);
        // Three, one after the other (each once the load flows again): Apache's own loses only what is
        // in flight during its ~60 ms configuration reread.
        for (let i = 0; i < 3; i++) {
          const before = [restarts(server), restartsLogged(server)] as const;
          if (ours) {
            process.kill(server.child.pid as number, restart);
            await waitFor(() => restarts(server) > before[0], 20_000, 'the new generation to serve');
          } else {
            execFileSync(join(server.root, 'apachectl'), ['-k', 'graceful'], { stdio: 'ignore' });
            await waitFor(() => restartsLogged(server) > before[1], 10_000, "Apache's graceful restart");
          }
          const count = served(server.root);
          await waitFor(() => served(server.root) >= count + 200, 10_000, 'the load to flow again');
        }
        const non2xx = await loaded.stop();
        if (ours) {
          expect(non2xx).toBe(0);
        } else {
          expect(non2xx).toBeGreaterThan(0);
        }
      },
    );
  },
);
