/**
 * Issue 11, items 5 and 6: signals at awkward moments. Every signal the launcher takes is held
 * from the entry's first line and applied once Apache can take it: a restart or reload asked for
 * during start-up happens and the server serves; a stop during start-up ends it with 128+N and
 * leaves nothing. A stop that comes while Apache restarts is not lost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { processesOf, startServer, stopAll, waitFor, waitReady, within } from '../helpers/server.js';

afterEach(stopAll);

/** Whether `pid` has a handler for `signal` (its SigCgt mask). */
function catches(pid: number, signal: NodeJS.Signals): boolean {
  const mask = /^SigCgt:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

const statusOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? 128 + (signal ? constants.signals[signal] : 0);

/** The launcher, spawned (not waited for): its exit status as a shell reports it, all it wrote. */
async function launch() {
  const server = await startServer(['hello.wsgi'], { ready: false });
  return {
    server,
    output: () => server.stdout() + server.stderr(),
    status: server.exited.then((exit) => statusOf(exit.code, exit.signal)),
  };
}

describe('a signal during start-up', () => {
  // Moments after the entry's first line (its signal guard) ran: before Node's bootstrap is done
  // no JavaScript can hold anything, and the signal has its default action.
  const delays = [0, 15, 40, 80, 150, 300];
  const cases = (['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'] as const).flatMap((signal) =>
    delays.map((delay) => [signal, delay] as const),
  );

  it.each(cases)('%s %i ms in is applied once Apache can take it', async (signal, delay) => {
    const { server, output, status } = await launch();
    const pid = server.child.pid as number;
    await waitFor(() => catches(pid, 'SIGHUP'), 10_000, "the entry's signal guard");
    await new Promise((resolve) => setTimeout(resolve, delay)); // the moment under test, not a wait for state
    server.child.kill(signal);

    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      expect(await within(server.exited, 20_000)).toBe(true);
      // Stopped before Ready: start-up ends as the signal would end it; after Ready: Apache's 0.
      expect(await status).toBe(output().includes('Ready: ') ? 0 : 128 + constants.signals[signal]);
      expect(output()).not.toContain('Apache exited with status');
    } else {
      await waitReady(server, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}: ${output()}`);
      });
      await waitFor(() => fetch(`${server.url}/`).then((r) => r.status === 200), 20_000, 'Apache to serve');
      server.child.kill('SIGTERM');
      await expect(status).resolves.toBe(0);
      expect(output()).not.toContain('Apache exited with status');
    }
    await waitFor(() => processesOf(server.root).length === 0, 10_000, 'nothing left of the server');
  });
});

describe('a SIGTERM while a restart after SIGHUP starts a new Apache beside the old one', () => {
  // Issue 17: the restart is a second Apache generation (src/launch/generations.ts). A stop must
  // reach both, at any moment: aim at the one where the new generation has written its pid file
  // (configuration read, listeners bound, daemons forked), and at moments just after the SIGHUP.
  it.each(['up', 'up', 'up', 0, 5, 10, 20, 40, 80] as const)(
    'stops the server (SIGTERM once the new generation is %s ms in)',
    async (moment) => {
      const server = await startServer(['hello.wsgi']);
      const launcher = server.child.pid as number;
      process.kill(launcher, 'SIGHUP');
      if (moment === 'up') {
        await waitFor(
          () => existsSync(join(server.root, '.httpd.generation-1.pid')),
          10_000,
          'the new generation to write its pid file',
          2,
        );
      } else {
        await new Promise((resolve) => setTimeout(resolve, moment)); // the moment under test
      }
      process.kill(launcher, 'SIGTERM');
      // Bounded: a lost stop would leave the launcher running until the test's SIGKILL.
      expect(await within(server.exited, 20_000)).toBe(true);
      expect(server.exit).toEqual({ code: 0, signal: null });
      expect(processesOf(server.root)).toEqual([]);
    },
  );
});
