/**
 * The launcher's exit status with a real Apache, one row per way a server ends: it is Apache's own
 * status, 128+N when Apache died of signal N, and 2 for mistakes caught before Apache starts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  freePort,
  loopbackArgs,
  makeWorkdir,
  processesOf,
  runCli,
  startServer,
  stopAll,
  stopServer,
  waitFor,
} from '../helpers/server.js';

afterEach(stopAll);

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

describe('a running server', () => {
  it.each([
    ['SIGTERM', 0],
    ['SIGINT', 0],
  ] as const)('stopped with %s exits %i and leaves nothing running', async (signal, status) => {
    const server = await startServer(['hello.wsgi']);
    expect((await fetch(server.url)).status).toBe(200);
    process.kill(server.child.pid as number, signal);
    await expect(server.exited).resolves.toEqual({ code: status, signal: null });
    await waitFor(() => processesOf(server.root).length === 0, 10_000, 'every Apache process to go');
  });

  it('whose Apache parent is killed with SIGKILL exits 137', async () => {
    const server = await startServer(['hello.wsgi']);
    const pid = await waitFor(() => readPid(server.root), 5_000, 'httpd.pid');
    process.kill(pid, 'SIGKILL');
    await expect(server.exited).resolves.toEqual({ code: 137, signal: null });
    expect(server.stderr()).toContain(`Apache (pid ${pid}) was killed by SIGKILL; exiting with status 137.`);
    await stopServer(server);
  });

  it('keeps serving across SIGHUP and SIGUSR1 restarts, with the same parent pid', async () => {
    const server = await startServer(['hello.wsgi']);
    const pid = await waitFor(() => readPid(server.root), 5_000, 'httpd.pid');
    for (const signal of ['SIGHUP', 'SIGUSR1'] as const) {
      process.kill(server.child.pid as number, signal);
      await waitFor(
        () => fetch(server.url).then((r) => r.status === 200),
        20_000,
        `Apache to serve again after ${signal}`,
      );
    }
    expect(readPid(server.root)).toBe(pid);
    expect(server.exit).toBeUndefined();
  });
});

describe('a server that cannot start', () => {
  let blocker: NetServer | undefined;
  afterEach(() => new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve())));

  it('on a port in use exits 2 naming the port, before writing anything', async () => {
    const cwd = makeWorkdir();
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    const root = join(cwd, 'root');
    const result = await runCli(['start-server', 'hello.wsgi', ...loopbackArgs(port, root)], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--port: ${port} is already in use`);
    expect(() => readFileSync(join(root, 'httpd.conf'))).toThrow();
  });

  it.each([
    ['a configuration error', 'BogusDirective on\n', "Invalid command 'BogusDirective'"],
    [
      'a module that will not load',
      'LoadModule nosuch_module /nonexistent/mod_nosuch.so\n',
      'Cannot load /nonexistent/mod_nosuch.so',
    ],
  ])('because of %s exits 1 and shows what Apache said', async (_what, config, said) => {
    const cwd = makeWorkdir();
    writeFileSync(join(cwd, 'extra.conf'), config);
    const port = await freePort();
    const root = join(cwd, 'root');
    const result = await runCli(
      ['start-server', 'hello.wsgi', ...loopbackArgs(port, root), '--include-file', 'extra.conf'],
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(said);
    expect(result.stderr).toContain('Apache exited with status 1');
    expect(processesOf(root)).toEqual([]);
  });
});
