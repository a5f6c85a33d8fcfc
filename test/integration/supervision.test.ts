/**
 * The launcher as a supervisor, proven with real processes and real signals. A fake httpd
 * (fixtures/fake-httpd.mjs) prints one line per signal it receives, so each test sends one signal
 * and reads one line, and proves that a signal was NOT passed on by sending a marker signal after
 * it: the marker's line must come next (dumb-init's technique).
 *
 * Negative control: if the launcher ran Apache in the launcher's process group (execa without
 * `detached`), the group-wide SIGWINCH below would reach the fake httpd directly and the "never
 * reaches httpd" test would read SIGWINCH instead of the marker.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';

import { afterEach, describe, expect, it } from '@jest/globals';

import { launch } from '../helpers/launcher.mjs';
import { FIXTURES, makeWorkdir, waitFor } from '../helpers/server.js';

const FAKE_HTTPD = join(FIXTURES, 'fake-httpd');

interface FakeLauncher {
  readonly child: ChildProcess;
  /** Resolves with the launcher's exit status, 128+N for a signal death, as a shell reports it. */
  readonly exited: Promise<number>;
  /** The next line from the fake httpd (ready line or signal name), skipping the launcher's summary. */
  next(timeoutMs?: number): Promise<string>;
  httpdPid(): number;
  /** "ready PID PGID SigBlk:… SigIgn:…" as the fake httpd printed it. */
  readyLine: string;
}

const running: ChildProcess[] = [];
const httpdPids: number[] = [];

function startLauncher(env: NodeJS.ProcessEnv = {}): Promise<FakeLauncher> {
  return (async () => {
    const { child } = await launch(['--httpd-executable', FAKE_HTTPD, '--ready-timeout', '600'], {
      cwd: makeWorkdir(),
      // Its own process group, like a shell job: kill(-pid) is what a terminal sends to the job.
      detached: true,
      env: { ...process.env, ...env },
    });
    running.push(child);
    const lines: string[] = [];
    let buffer = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter((l) => /^(ready |SIG)/.test(l)));
    });
    const exited = new Promise<number>((resolve) =>
      child.once('exit', (code, signal) =>
        resolve(code ?? 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0)),
      ),
    );
    let pid = 0;
    const launcher: FakeLauncher = {
      child,
      exited,
      next: (timeoutMs = 10_000) => waitFor(() => lines.shift(), timeoutMs, 'a line from the fake httpd'),
      httpdPid: () => pid,
      readyLine: '',
    };
    launcher.readyLine = await launcher.next();
    pid = Number(launcher.readyLine.split(' ')[1]);
    httpdPids.push(pid);
    return launcher;
  })();
}

/** Running, and not a zombie waiting for a reaper (kill(pid, 0) succeeds on those). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  for (const pid of httpdPids.splice(0)) {
    if (alive(pid)) {
      process.kill(pid, 'SIGKILL');
    }
    await waitFor(() => !alive(pid), 5000, `fake httpd ${pid} to go`);
  }
});

describe('signal forwarding to httpd', () => {
  it('runs httpd in a process group of its own, with no signal ignored or blocked', async () => {
    const launcher = await startLauncher();
    const [, pid, pgid] = launcher.readyLine.split(' ');
    const mask = (name: string) => BigInt(`0x${new RegExp(`${name}:(\\w+)`).exec(launcher.readyLine)?.[1]}`);
    expect(Number(pgid)).toBe(Number(pid));
    expect(Number(pgid)).not.toBe(launcher.child.pid);
    // Node's own SIGPIPE disposition and the launcher's SIGWINCH listener must not leak into Apache.
    expect(mask('SigIgn')).toBe(0n);
    expect(mask('SigBlk')).toBe(0n);
  });

  // Issue 17: a restart is a new httpd beside the running one once that answers
  // (src/launch/generations.ts; test/integration/restart-generations.test.ts), never the signal
  // passed on. The fake never answers HTTP, so the restart waits, and the marker comes next.
  it.each(['SIGUSR1', 'SIGHUP'] as const)('passes %s not on to httpd', async (signal) => {
    const launcher = await startLauncher();
    process.kill(launcher.child.pid as number, signal);
    process.kill(launcher.child.pid as number, 'SIGINT');
    await expect(launcher.next()).resolves.toBe('SIGINT');
    expect(alive(launcher.httpdPid())).toBe(true);
  });

  it('passes a terminal Ctrl-C (SIGINT to the whole job) on, and again until httpd has exited', async () => {
    // Issue 11, item 5: Apache drops a stop that comes while it rereads its configuration, so the
    // launcher repeats it. The fake httpd only reports SIGINT, so it keeps getting it.
    const launcher = await startLauncher();
    process.kill(-(launcher.child.pid as number), 'SIGINT');
    await expect(launcher.next()).resolves.toBe('SIGINT');
    await expect(launcher.next()).resolves.toBe('SIGINT');
    process.kill(launcher.httpdPid(), 'SIGKILL');
    await expect(launcher.exited).resolves.toBe(128 + constants.signals.SIGINT);
  });

  it('never lets SIGWINCH (a terminal resize) reach httpd', async () => {
    const launcher = await startLauncher();
    for (let i = 0; i < 3; i++) {
      process.kill(-(launcher.child.pid as number), 'SIGWINCH');
      process.kill(launcher.child.pid as number, 'SIGWINCH');
    }
    process.kill(launcher.child.pid as number, 'SIGINT');
    await expect(launcher.next()).resolves.toBe('SIGINT');
    expect(alive(launcher.httpdPid())).toBe(true);
  });

  it('stops httpd on SIGTERM and exits as httpd did (143: died of SIGTERM)', async () => {
    const launcher = await startLauncher();
    process.kill(launcher.child.pid as number, 'SIGTERM');
    await expect(launcher.next()).resolves.toBe('SIGTERM');
    await expect(launcher.exited).resolves.toBe(128 + constants.signals.SIGTERM);
    await waitFor(() => !alive(launcher.httpdPid()), 5000, 'httpd to be gone');
  });

  it('exits 137 when httpd is killed with SIGKILL', async () => {
    const launcher = await startLauncher();
    process.kill(launcher.httpdPid(), 'SIGKILL');
    await expect(launcher.exited).resolves.toBe(137);
  });

  it('takes httpd down with it when the launcher itself is SIGKILLed', async () => {
    const launcher = await startLauncher();
    process.kill(launcher.child.pid as number, 'SIGKILL');
    await expect(launcher.next()).resolves.toBe('SIGTERM');
    await waitFor(() => !alive(launcher.httpdPid()), 5000, 'httpd to be gone');
  });
});

describe('exit status', () => {
  it.each([0, 1, 3, 70, 255])('is httpd’s own status %i', async (code) => {
    const { child } = await launch(['--httpd-executable', FAKE_HTTPD], {
      cwd: makeWorkdir(),
      stdio: 'ignore',
      env: { ...process.env, FAKE_HTTPD_EXIT: String(code) },
    });
    running.push(child);
    const status = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
    expect(status).toBe(code);
  });
});
