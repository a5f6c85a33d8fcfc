/**
 * Issue 11, items 5 and 6: signals at awkward moments. Every signal the launcher takes is held
 * from the entry's first line and applied once Apache can take it: a restart or reload asked for
 * during start-up happens and the server serves; a stop during start-up ends it with 128+N and
 * leaves nothing. A stop that comes while Apache restarts is not lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  CLI,
  freePort,
  killRoot,
  makeWorkdir,
  processesOf,
  startServer,
  stopAll,
  waitFor,
  within,
} from '../helpers/server.js';

afterEach(stopAll);

/** Whether `pid` has a handler for `signal` (its SigCgt mask). */
function catches(pid: number, signal: NodeJS.Signals): boolean {
  const mask = /^SigCgt:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

const statusOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? 128 + (signal ? constants.signals[signal] : 0);

interface Launched {
  readonly child: ChildProcess;
  readonly root: string;
  readonly url: string;
  output(): string;
  readonly exited: Promise<number>;
}

async function launch(): Promise<Launched> {
  const cwd = makeWorkdir();
  const port = await freePort();
  const root = join(cwd, 'root');
  const child = spawn(
    process.execPath,
    [CLI, 'start-server', 'hello.wsgi', '--host', '127.0.0.1', '--port', String(port), '--server-root', root],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(statusOf(c, s))));
  return { child, root, url: `http://127.0.0.1:${port}/`, output: () => output, exited };
}

const launched: Launched[] = [];
afterEach(async () => {
  for (const l of launched.splice(0)) {
    l.child.kill('SIGKILL');
    await l.exited;
    await killRoot(l.root);
  }
});

describe('a signal during start-up', () => {
  // Moments after the entry's first line (its signal guard) ran: before Node's bootstrap is done
  // no JavaScript can hold anything, and the signal has its default action.
  const delays = [0, 15, 40, 80, 150, 300];
  const cases = (['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'] as const).flatMap((signal) =>
    delays.map((delay) => [signal, delay] as const),
  );

  it.each(cases)('%s %i ms in is applied once Apache can take it', async (signal, delay) => {
    const l = await launch();
    launched.push(l);
    const pid = l.child.pid as number;
    await waitFor(() => catches(pid, 'SIGHUP'), 10_000, "the entry's signal guard");
    await new Promise((resolve) => setTimeout(resolve, delay)); // the moment under test, not a wait for state
    l.child.kill(signal);

    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      expect(await within(l.exited, 20_000)).toBe(true);
      const status = await l.exited;
      // Stopped before Ready: start-up ends as the signal would end it; after Ready: Apache's 0.
      expect(status).toBe(l.output().includes('Ready: ') ? 0 : 128 + constants.signals[signal]);
      expect(l.output()).not.toContain('Apache exited with status');
    } else {
      await waitFor(
        () => {
          if (l.child.exitCode !== null || l.child.signalCode !== null) {
            throw new Error(`the launcher exited: ${l.output()}`);
          }
          return l.output().includes('Ready: ');
        },
        20_000,
        'Ready',
      );
      await waitFor(() => fetch(l.url).then((r) => r.status === 200), 20_000, 'Apache to serve');
      l.child.kill('SIGTERM');
      await expect(l.exited).resolves.toBe(0);
      expect(l.output()).not.toContain('Apache exited with status');
    }
    await waitFor(() => processesOf(l.root).length === 0, 10_000, 'nothing left of the server');
  });
});

describe('a SIGTERM while Apache restarts after SIGHUP', () => {
  const errorLog = (root: string) => {
    try {
      return readFileSync(join(root, 'error_log'), 'utf8');
    } catch {
      return '';
    }
  };

  // Apache drops a stop that comes while it rereads its configuration: aim at that moment by
  // watching for its "SIGHUP received" line, and at moments just after the SIGHUP.
  it.each(['logged', 'logged', 'logged', 0, 5, 10, 20, 40, 80] as const)(
    'stops the server (SIGTERM once the restart is %s ms in)',
    async (moment) => {
      const server = await startServer(['hello.wsgi']);
      const launcher = server.child.pid as number;
      const before = (errorLog(server.root).match(/SIGHUP received/g) ?? []).length;
      process.kill(launcher, 'SIGHUP');
      if (moment === 'logged') {
        await waitFor(
          () => (errorLog(server.root).match(/SIGHUP received/g) ?? []).length > before,
          10_000,
          'Apache to log the restart',
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
