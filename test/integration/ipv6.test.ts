/**
 * Issue 11, item 15: `--host '[::1]'` (Apache's bracketed IPv6 form) becomes ready: the readiness
 * probe connects to ::1, not to the bracketed name. Needs IPv6 loopback; skipped visibly without.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { afterAll, expect, it } from '@jest/globals';

import { CLI, killRoot, makeWorkdir, removeWorkdirs, waitFor, within } from '../helpers/server.js';

/** A free port on ::1, or undefined when this machine has no IPv6 loopback. */
function freeIpv6Port(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(0, '::1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

const hasIpv6Loopback = (() => {
  try {
    return /^0{31}1 /m.test(readFileSync('/proc/net/if_inet6', 'utf8'));
  } catch {
    return false;
  }
})();

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) {
    await killRoot(root);
  }
  removeWorkdirs();
});

(hasIpv6Loopback ? it : it.skip)(
  `--host [::1] becomes ready and serves${hasIpv6Loopback ? '' : ' (skipped: no IPv6 loopback on this machine)'}`,
  async () => {
    const port = await freeIpv6Port();
    expect(port).toBeDefined();
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    roots.push(root);
    const child = spawn(
      process.execPath,
      [CLI, 'start-server', 'hello.wsgi', '--host', '[::1]', '--port', String(port), '--server-root', root],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(
        () => {
          if (child.exitCode !== null) {
            throw new Error(`the launcher exited ${child.exitCode}: ${output}`);
          }
          return output.includes('Ready: ');
        },
        20_000,
        'Ready',
      );
      expect((await fetch(`http://[::1]:${port}/`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await within(exited, 20_000)).toBe(true);
    }
    expect(child.exitCode).toBe(0);
  },
);
