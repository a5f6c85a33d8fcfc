/**
 * Issue 11, item 15: `--host '[::1]'` (Apache's bracketed IPv6 form) becomes ready: the readiness
 * probe connects to ::1, not to the bracketed name. Needs IPv6 loopback; skipped visibly without.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { afterAll, expect, it } from '@jest/globals';

import { launch, waitReady } from '../helpers/launcher.mjs';
import { killRoot, makeWorkdir, removeWorkdirs, within } from '../helpers/server.js';

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
    const launcher = await launch(['hello.wsgi'], { cwd: makeWorkdir(), host: '[::1]', port });
    roots.push(launcher.root);
    try {
      await waitReady(launcher, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}: ${launcher.stdout()}${launcher.stderr()}`);
      });
      expect((await fetch(`http://[::1]:${port}/`)).status).toBe(200);
    } finally {
      launcher.child.kill('SIGTERM');
      expect(await within(launcher.exited, 20_000)).toBe(true);
    }
    expect(launcher.exit).toEqual({ code: 0, signal: null });
  },
);
