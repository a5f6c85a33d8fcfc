/**
 * --graceful-stop: SIGTERM (docker stop, Kubernetes) lets a request in flight finish, where a plain
 * SIGTERM cuts it off. Both rows run the same slow request, so the difference is the flag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { get, processesOf, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

it.each([
  { name: '--graceful-stop', flags: ['--graceful-stop', '--shutdown-timeout', '10'], finishes: true },
  { name: 'a plain stop', flags: [], finishes: false },
])('with $name, a request in flight when SIGTERM comes finishes: $finishes', async ({ flags, finishes }) => {
  const server = await startServer(['slow.wsgi', '--log-level', 'info', ...flags]);
  const response = get(`${server.url}/?2`).then(
    (r) => r.text,
    (error: Error) => `failed: ${error.message}`,
  );
  const log = () => readFileSync(join(server.root, 'error_log'), 'utf8');
  await waitFor(() => log().includes('slow request started'), 10_000, 'the request to be in flight');

  process.kill(server.child.pid as number, 'SIGTERM');
  const body = await response;
  if (finishes) {
    expect(body).toBe('finished\n');
    expect(log()).toContain('caught SIGWINCH, shutting down gracefully');
  } else {
    expect(body).not.toBe('finished\n');
  }
  await expect(server.exited).resolves.toEqual({ code: 0, signal: null });
  await waitFor(() => processesOf(server.root).length === 0, 15_000, 'every Apache process to go');
});

it('stops a server with a request that outlasts --shutdown-timeout without Apache resorting to SIGKILL', async () => {
  // Left to itself, Apache waits for the worker proxying the request, the worker waits for the
  // daemon, and after ~10 s Apache logs AH00046 "still did not exit, sending a SIGKILL".
  const server = await startServer(['slow.wsgi', '--log-level', 'info', '--shutdown-timeout', '1']);
  const response = get(`${server.url}/?60`).catch((error: Error) => error.message);
  const log = () => readFileSync(join(server.root, 'error_log'), 'utf8');
  await waitFor(() => log().includes('slow request started'), 10_000, 'the request to be in flight');

  process.kill(server.child.pid as number, 'SIGTERM');
  await expect(server.exited).resolves.toEqual({ code: 0, signal: null });
  await response;
  expect(log()).toContain('caught SIGTERM, shutting down');
  expect(log()).not.toContain('AH00046');
  expect(processesOf(server.root)).toEqual([]);
});
