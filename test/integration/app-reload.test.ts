/**
 * Reloading the application without failing a request: SIGUSR2 to the launcher, or
 * `apachectl reload-app`, restarts mod_wsgi's daemon processes from the inside while
 * Apache keeps their socket, so a client under load sees every request answered (contrast: Apache's
 * graceful restart loses a few, bench/restart-under-load.mjs). The Apache parent keeps running.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import {
  CLI,
  freePort,
  get,
  makeWorkdir,
  run,
  runCli,
  startServer,
  stopAll,
  trackRoot,
  waitFor,
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

/**
 * Keep-alive clients requesting in a loop until stopped; every answer's body (the process ID of
 * whoever served it) is recorded, and anything but a 200 counts as a failure.
 */
function loadUntilStopped(url: string, connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const seen = new Set<string>();
  const failures: string[] = [];
  let answered = 0;
  let stopped = false;
  const once = () =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent, timeout: 20_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) {
            seen.add(body);
            answered++;
          } else {
            failures.push(`status ${res.statusCode}: ${body.slice(0, 200)}`);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => {
        failures.push(`${error.message}${req.reusedSocket ? ' (on a reused connection)' : ''}`);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: connections }, async () => {
    while (!stopped) {
      await once();
    }
  });
  return {
    seen,
    failures,
    answered: () => answered,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
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
  const args = ['setup-server', 'pid.wsgi', ...flags, '--host', '127.0.0.1', '--port', String(port)];
  const setup = await runCli([...args, '--server-root', root], cwd);
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

it('a SIGUSR2 that comes before Apache answers waits for it, instead of killing it', async () => {
  const cwd = workdirWithApp();
  const root = join(cwd, 'root');
  const port = await freePort();
  trackRoot(root);
  const launcher = spawn(
    process.execPath,
    [CLI, 'start-server', 'pid.wsgi', '--host', '127.0.0.1', '--port', String(port), '--server-root', root],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  launcher.stdout.on('data', (d: Buffer) => (output += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    // As soon as the launcher has a child (setpriv, apachectl or Apache itself), not yet answering.
    const childrenOf = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    await waitFor(() => childrenOf(launcher.pid as number) !== '', 20_000, 'the launcher to start Apache', 1);
    launcher.kill('SIGUSR2');
    await waitFor(() => output.includes('Ready:'), 20_000, 'the Ready line');
    await waitFor(
      () => output.includes('reloading the application: done'),
      20_000,
      'the reload, after Ready',
    );
    expect(output.indexOf('reloading the application')).toBeGreaterThan(output.indexOf('Ready:'));
    expect(output).not.toContain('killed by');
    expect(launcher.exitCode).toBeNull();
    expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(200);
  } finally {
    launcher.kill('SIGTERM');
    await waitFor(
      () => launcher.exitCode !== null || launcher.signalCode !== null,
      20_000,
      'the launcher to stop',
    );
  }
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
