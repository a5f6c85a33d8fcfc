/**
 * A client that keeps its connection open across a graceful restart (SIGUSR1 to the launcher,
 * `apachectl graceful`) must not get a 5xx on its next request. With the worker or prefork MPM in
 * daemon mode it did: the old generation's child kept the idle connection and relayed its next
 * request to a daemon of the new generation, which mod_wsgi refuses ("Request origin could not be
 * validated", 500). The event MPM, daemon mode's default now, closes idle kept-alive connections
 * when it restarts, which clients retry; anything else on that connection must be a 2xx. Since
 * issue 17, SIGUSR1 to the launcher starts a new Apache beside the old one, which stops gracefully
 * with its own daemons: with the worker MPM, whose child keeps the idle connection, the next request
 * on it is served (200) by the old Apache. Under start-server, `apachectl graceful` passes SIGUSR1
 * to the launcher, which does the same (test/integration/apachectl-generations.test.ts has it
 * without a launcher).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { KeptAlive } from '../helpers/load.js';
import { get, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

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
