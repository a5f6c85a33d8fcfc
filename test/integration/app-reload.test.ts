/**
 * Reloading the application without failing a request: SIGUSR2 to the launcher, or
 * `apachectl reload-app`, restarts mod_wsgi's daemon processes from the inside while
 * Apache keeps their socket, so a client under load sees every request answered (contrast: Apache's
 * graceful restart loses a few, bench/restart-under-load.mjs). The Apache parent keeps running.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { loadUntilStopped } from '../helpers/load.js';
import {
  freePort,
  get,
  loopbackArgs,
  makeWorkdir,
  run,
  runCli,
  startServer,
  stopAll,
  trackRoot,
  waitFor,
  waitReady,
} from '../helpers/server.js';

afterEach(stopAll);

const PID_APP = `import os

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(os.getpid()).encode()]
`;

function workdirWithApp(): string {
  const cwd = makeWorkdir();
  writeFileSync(join(cwd, 'pid.wsgi'), PID_APP);
  return cwd;
}

/** Waits until answers have come from `count` process IDs not in `before`; returns them. */
async function newPids(
  seen: Set<string>,
  before: Set<string>,
  count: number,
  what: string,
): Promise<string[]> {
  return waitFor(
    () => {
      const fresh = [...seen].filter((pid) => !before.has(pid));
      return fresh.length >= count ? fresh : undefined;
    },
    20_000,
    what,
  );
}

it('SIGUSR2 replaces every daemon process under load with no failed request', async () => {
  const server = await startServer(['pid.wsgi', '--processes', '2', '--threads', '2'], {
    cwd: workdirWithApp(),
  });
  const apachePid = readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim();
  const load = loadUntilStopped(server.url, 8);
  try {
    const first = new Set(await newPids(load.seen, new Set(), 2, 'answers from both daemon processes'));
    load.seen.clear();
    server.child.kill('SIGUSR2');
    await newPids(load.seen, first, 2, 'answers from two new daemon processes');
    const answeredAfter = load.answered();
    await waitFor(() => load.answered() > answeredAfter + 50, 20_000, 'more answers after the reload');
  } finally {
    await load.stop();
  }
  expect(load.failures).toEqual([]);
  expect(server.stdout()).toContain(
    'reloading the application: 2 mod_wsgi daemon processes restart gracefully',
  );
  // Apache itself was not restarted: same parent, still answering, launcher still running.
  expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(apachePid);
  expect(server.exit).toBeUndefined();
  expect((await get(server.url)).status).toBe(200);
});

/** setup-server with `flags` into a fresh server root, for apachectl to run; nothing started yet. */
async function setUpForApachectl(flags: readonly string[] = []) {
  const cwd = workdirWithApp();
  const root = join(cwd, 'root');
  const port = await freePort();
  const setup = await runCli(['setup-server', 'pid.wsgi', ...flags, ...loopbackArgs(port, root)], cwd);
  expect(setup.stderr).toBe('');
  trackRoot(root);
  return { root, apachectl: join(root, 'apachectl'), url: `http://127.0.0.1:${port}/` };
}

it('apachectl reload-app does the same for a server started by apachectl', async () => {
  const { apachectl, url } = await setUpForApachectl();
  expect((await run(apachectl, ['reload-app'])).stderr).toContain('the server is not running');
  expect((await run(apachectl, ['start'])).code).toBe(0);
  const before = await waitFor(async () => (await get(url).catch(() => undefined))?.text, 20_000, 'the app');
  const reload = await run(apachectl, ['reload-app']);
  expect(reload).toMatchObject({ code: 0, stdout: expect.stringContaining('1 mod_wsgi daemon process(es)') });
  const after = await waitFor(
    async () => {
      const pid = (await get(url)).text;
      return pid !== before ? pid : undefined;
    },
    20_000,
    'an answer from the new daemon process',
  );
  expect(after).toMatch(/^\d+$/);
  expect((await run(apachectl, ['stop'])).code).toBe(0);
});

it('apachectl reload-app in embedded mode restarts Apache gracefully', async () => {
  const { root, apachectl, url } = await setUpForApachectl(['--embedded-mode']);
  expect((await run(apachectl, ['start'])).code).toBe(0);
  await waitFor(async () => (await get(url).catch(() => undefined))?.status === 200, 20_000, 'the app');
  const apachePid = readFileSync(join(root, 'httpd.pid'), 'utf8').trim();
  const before = new Set(readFileSync(`/proc/${apachePid}/task/${apachePid}/children`, 'utf8').split(' '));
  expect((await run(apachectl, ['reload-app'])).code).toBe(0);
  await waitFor(async () => !before.has((await get(url)).text), 20_000, 'an answer from a new Apache child');
  expect(readFileSync(join(root, 'httpd.pid'), 'utf8').trim()).toBe(apachePid);
  expect((await run(apachectl, ['stop'])).code).toBe(0);
});

it('in embedded mode, SIGUSR2 is a graceful restart of Apache', async () => {
  const server = await startServer(['pid.wsgi', '--embedded-mode'], { cwd: workdirWithApp() });
  const apachePid = readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim();
  const children = () => readFileSync(`/proc/${apachePid}/task/${apachePid}/children`, 'utf8').split(' ');
  const before = new Set(children());
  expect(before).toContain((await get(server.url)).text);
  server.child.kill('SIGUSR2');
  await waitFor(() => server.stdout().includes('Apache restarts gracefully'), 10_000, 'the reload message');
  // The old children finish and exit; the new generation's children serve the next requests.
  await waitFor(
    async () => !before.has((await get(server.url)).text),
    20_000,
    'an answer from a new Apache child',
  );
  expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(apachePid);
  expect(server.exit).toBeUndefined();
});

/** Bits of /proc/PID/status's `name:` mask (SigPnd, ShdPnd, ...) as a number. */
const statusMask = (pid: number, name: string) =>
  BigInt(
    `0x${new RegExp(`^${name}:\\s*(\\w+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0}`,
  );
/** How often the thread `pid` has gone to sleep (in the event loop's wait, for node's main thread). */
const sleeps = (pid: number) =>
  Number(
    /^voluntary_ctxt_switches:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))?.[1],
  );

it('a SIGUSR2 that comes before Apache answers waits for it, instead of killing it', async () => {
  // Apache cannot answer before the test lets it: the launcher's httpd is a stand-in that waits for
  // a gate file, then becomes apache2. Had the launcher sent the reload's SIGUSR1 at once, it
  // would have killed the stand-in (the shell, as Apache before it has its handlers).
  const cwd = workdirWithApp();
  const gate = join(cwd, 'gate');
  const gated = join(cwd, 'gated-httpd');
  writeFileSync(
    gated,
    `#!/bin/sh\n: > ${gate}.waiting\nwhile [ ! -e ${gate} ]; do sleep 0.01; done\nexec /usr/sbin/apache2 "$@"\n`,
    { mode: 0o755 },
  );
  const server = await startServer(['pid.wsgi', '--httpd-executable', gated], { cwd, ready: false });
  const launcher = server.child.pid as number;
  await waitFor(() => existsSync(`${gate}.waiting`), 20_000, 'the launcher to start the gated httpd');
  server.child.kill('SIGUSR2');
  // The launcher has taken the signal (none pending) and its event loop has waited again twice
  // since, so its listener has run: all of that while Apache could not answer.
  const usr2 = 1n << BigInt(constants.signals.SIGUSR2 - 1);
  await waitFor(
    () => ((statusMask(launcher, 'SigPnd') | statusMask(launcher, 'ShdPnd')) & usr2) === 0n,
    10_000,
    'SIGUSR2 to reach the launcher',
    1,
  );
  const since = sleeps(launcher);
  await waitFor(() => sleeps(launcher) >= since + 2, 10_000, 'the launcher to handle SIGUSR2', 1);
  expect(server.stdout()).not.toContain('Ready:');
  writeFileSync(gate, '');
  await waitReady(server);
  await waitFor(
    () => server.stdout().includes('reloading the application: done'),
    20_000,
    'the reload, after Ready',
  );
  const output = server.stdout() + server.stderr();
  expect(output.indexOf('reloading the application')).toBeGreaterThan(output.indexOf('Ready:'));
  expect(output).not.toContain('killed by');
  expect(server.exit).toBeUndefined();
  expect((await get(server.url)).status).toBe(200);
});

it('SIGUSR2 leaves --service-script processes alone and reloads only the application', async () => {
  const cwd = workdirWithApp();
  writeFileSync(join(cwd, 'service.py'), 'import time\nwhile True:\n    time.sleep(1)\n');
  const server = await startServer(['pid.wsgi', '--service-script', 'tick', 'service.py'], { cwd });
  const apachePid = readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim();
  const services = () =>
    readFileSync(`/proc/${apachePid}/task/${apachePid}/children`, 'utf8')
      .split(' ')
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('(wsgi:service:tick');
        } catch {
          return false;
        }
      });
  const service = await waitFor(() => services()[0], 20_000, 'the service process');
  const before = (await get(server.url)).text;
  server.child.kill('SIGUSR2');
  await waitFor(
    () => server.stdout().includes('reloading the application: done'),
    20_000,
    'the reload to end',
  );
  expect(server.stdout()).toContain(
    'reloading the application: 1 mod_wsgi daemon process restarts gracefully',
  );
  expect((await get(server.url)).text).not.toBe(before);
  expect(services()).toEqual([service]);
});
