/**
 * Issue 11, item 4: when the Apache parent dies abnormally (the OOM killer's SIGKILL, a segfault,
 * an abort), its children and mod_wsgi daemons must not keep serving unsupervised. The launcher
 * takes the whole server down, exits with the status it reports, and leaves the port closed.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { processesOf, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

/** Whether a TCP connection to 127.0.0.1:port is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('an Apache parent that dies abnormally', () => {
  it.each([
    ['event', 'daemon', 'SIGKILL', 137],
    ['worker', 'daemon', 'SIGKILL', 137],
    ['prefork', 'daemon', 'SIGKILL', 137],
    ['event', 'embedded', 'SIGKILL', 137],
    ['prefork', 'embedded', 'SIGKILL', 137],
    ['event', 'daemon', 'SIGSEGV', 139],
    ['worker', 'daemon', 'SIGABRT', 134],
  ] as const)(
    '(%s MPM, %s mode, %s) takes its whole server down and exits %i',
    async (mpm, mode, signal, status) => {
      const args = ['hello.wsgi', '--server-mpm', mpm, ...(mode === 'embedded' ? ['--embedded-mode'] : [])];
      const server = await startServer(args);
      expect((await fetch(server.url)).status).toBe(200);
      const pid = await waitFor(() => readPid(server.root), 5_000, 'httpd.pid');
      // Children (and daemons) are there to be orphaned: more than the parent runs from the root.
      expect(processesOf(server.root).filter((p) => p !== pid).length).toBeGreaterThan(0);
      process.kill(pid, signal);
      await expect(server.exited).resolves.toEqual({ code: status, signal: null });
      // Once the launcher has exited, nothing of the server may run or answer.
      expect(processesOf(server.root)).toEqual([]);
      expect(await refused(server.port)).toBe(true);
      expect(server.stderr()).toContain(`was killed by ${signal}; exiting with status ${status}.`);
    },
  );
});
