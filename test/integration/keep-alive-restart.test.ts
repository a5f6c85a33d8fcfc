/**
 * A client that keeps its connection open across a graceful restart (SIGUSR1 to the launcher,
 * `apachectl graceful`) must not get a 5xx on its next request. With the worker or prefork MPM in
 * daemon mode it did: the old generation's child kept the idle connection and relayed its next
 * request to a daemon of the new generation, which mod_wsgi refuses ("Request origin could not be
 * validated", 500). The event MPM, daemon mode's default now, closes idle kept-alive connections
 * when it restarts, which clients retry; anything else on that connection must be a 2xx. Since
 * issue 17, SIGUSR1 to the launcher starts a new Apache beside the old one, which stops gracefully
 * with its own daemons: with the worker MPM, whose child keeps the idle connection, the next request
 * on it is served (200) by the old Apache. `apachectl graceful` is still Apache's own restart.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { get, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

/** One kept-alive connection: everything read from it, and whether the server closed it. */
class KeptAlive {
  private readonly socket: Socket;
  private received = '';
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    this.socket.on('error', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
  }

  /** Sends one GET; resolves with the status line, or undefined when the server closed the connection first. */
  async request(): Promise<string | undefined> {
    this.received = '';
    if (this.closed) {
      return undefined;
    }
    this.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    // A whole response has headers and a Content-Length body; hello.wsgi's is short.
    const complete = () => {
      const end = this.received.indexOf('\r\n\r\n');
      if (end < 0) {
        return false;
      }
      const length = /^content-length:\s*(\d+)/im.exec(this.received.slice(0, end));
      return length !== null && this.received.length >= end + 4 + Number(length[1]);
    };
    await waitFor(() => complete() || this.closed, 15_000, 'a response or the connection closed');
    return complete() ? this.received.split('\r\n')[0] : undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const generations = (root: string) =>
  readFileSync(join(root, 'error_log'), 'utf8').split('resuming normal operations').length - 1;

it.each([
  { mode: 'daemon mode (the default)', flags: [], restart: 'SIGUSR1', served: false },
  { mode: 'daemon mode (the default)', flags: [], restart: 'apachectl graceful', served: false },
  { mode: 'daemon mode, worker MPM', flags: ['--server-mpm', 'worker'], restart: 'SIGUSR1', served: true },
  { mode: 'embedded mode', flags: ['--embedded-mode'], restart: 'SIGUSR1', served: false },
  { mode: 'embedded mode', flags: ['--embedded-mode'], restart: 'apachectl graceful', served: false },
])(
  '$mode, $restart: the next request on a kept-alive connection is not a 5xx',
  async ({ flags, restart, served }) => {
    const server = await startServer(['hello.wsgi', ...flags]);
    const client = new KeptAlive(server.port);
    try {
      expect(await client.request()).toBe('HTTP/1.1 200 OK');
      const before = generations(server.root);
      if (restart === 'SIGUSR1') {
        process.kill(server.child.pid as number, 'SIGUSR1');
      } else {
        execFileSync(join(server.root, 'apachectl'), ['graceful'], { stdio: 'ignore' });
      }
      await waitFor(() => generations(server.root) > before, 15_000, 'the new generation to be running');

      const status = await client.request();
      // Closed before the request was read (clients retry that), or served; where the old Apache
      // keeps the connection, served.
      if (served) {
        expect(status).toBe('HTTP/1.1 200 OK');
      } else if (status !== undefined) {
        expect(status).toMatch(/^HTTP\/1\.1 2\d\d /);
      }
      expect(readFileSync(join(server.root, 'error_log'), 'utf8')).not.toContain('could not be validated');
      // And the restarted server serves new connections.
      expect((await get(`${server.url}/`)).status).toBe(200);
    } finally {
      client.destroy();
    }
  },
);
