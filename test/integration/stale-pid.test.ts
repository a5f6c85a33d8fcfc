/**
 * Issue 11 item 8: a stale httpd.pid naming a live unrelated process (pids are recycled, small
 * ones in containers) must neither stop a start ("httpd (pid N) already running", nothing
 * serving) nor get that process signalled by apachectl stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';

import {
  freePort,
  get,
  makeWorkdir,
  processesOf,
  run,
  runCli,
  startServer,
  stopAll,
  stopServer,
  trackRoot,
  waitFor,
} from '../helpers/server.js';

let bystander: ChildProcess;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => {
  // The unrelated live process the stale pid file names.
  bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
});

afterEach(async () => {
  bystander.kill('SIGKILL');
  await stopAll();
});

describe('a stale pid file naming an unrelated live process', () => {
  test('start-server starts and serves, and leaves the process alone', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    mkdirSync(root, { mode: 0o755 });
    writeFileSync(join(root, 'httpd.pid'), `${bystander.pid}\n`);

    const server = await startServer(['hello.wsgi'], { cwd });
    expect((await get(`${server.url}/`)).text).toBe('Hello from hello.wsgi\n');
    expect(server.stdout()).not.toContain('already running');
    expect(alive(bystander.pid as number)).toBe(true);
    expect((await stopServer(server))?.code).toBe(0);
    expect(alive(bystander.pid as number)).toBe(true);
  });

  test('apachectl start serves; apachectl stop does not signal it', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const apachectl = join(root, 'apachectl');
    const pidFile = join(root, 'httpd.pid');
    const setup = await runCli(
      ['setup-server', 'hello.wsgi', '--host', '127.0.0.1', '--port', String(port), '--server-root', root],
      cwd,
    );
    expect(setup.code).toBe(0);

    // stop first: nothing of this root runs, and the pid file names the bystander.
    writeFileSync(pidFile, `${bystander.pid}\n`);
    const idle = await run(apachectl, ['stop'], { cwd });
    expect(idle.code).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    expect(alive(bystander.pid as number)).toBe(true);

    writeFileSync(pidFile, `${bystander.pid}\n`);
    const start = await run(apachectl, ['start'], { cwd });
    expect(start).toMatchObject({ code: 0 });
    expect(start.stdout + start.stderr).not.toContain('already running');
    const res = await waitFor(
      () => get(`http://127.0.0.1:${port}/`, {}, 2_000).then((r) => (r.status === 200 ? r : undefined)),
      20_000,
      'Apache to answer after apachectl start',
    );
    expect(res.text).toBe('Hello from hello.wsgi\n');

    expect((await run(apachectl, ['stop'], { cwd })).code).toBe(0);
    await waitFor(() => processesOf(root).length === 0, 20_000, 'Apache to stop');
    expect(alive(bystander.pid as number)).toBe(true);
  });
});
