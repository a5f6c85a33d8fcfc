/**
 * The launcher as a whole, on a fake process, Apache, clock and probe (src/launch/supervise.ts):
 * what reaches Apache of each signal, what is left of the launcher's listeners, and its status.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';

import type { HeldSignal, HeldSignals } from '../../../src/launch/early-signals.js';
import type { Outcome } from '../../../src/launch/failure-report.js';
import { DEFAULT_DRAIN_S, STOP_BOUND_MS } from '../../../src/launch/generations.js';
import type { Spawn } from '../../../src/launch/spawn-apache.js';
import { type Seams, supervise } from '../../../src/launch/supervise.js';
import type { ServerConfig } from '../../../src/config.js';
import { EVENTS, FakeApache, FakeProcess, type FakeTime, fakeTime, QUIET_RESTART_CHECKS } from './fakes.js';

const config = {
  log: { toTerminal: false, errorLog: '/srv/root/error_log' },
  paths: { apachectl: '/srv/root/apachectl', pidFile: '/srv/root/httpd.pid', serverRoot: '/srv/root' },
  host: undefined,
  port: 8000,
  url: 'http://localhost:8000/',
  readyTimeout: 5,
  restarts: { importCheck: 'first-request', importMarkers: true },
  app: '/srv/app.wsgi',
  mode: 'daemon',
  daemon: { options: [] },
  user: { id: 33 },
} as unknown as ServerConfig;

let proc: FakeProcess;
let apache: FakeApache;
let time: FakeTime;
let spawned: number;
/** Ends generation 0 (pid 2000); `exits[n]` ends generation n (pid 2000 + n). */
let exit: (result: { exitCode?: number; signal?: string }) => void;
let exits: ((result: { exitCode?: number; signal?: string }) => void)[];
let args: string[][];
/** Signals sent to the generations after the first: [pid, signal]. */
let others: [number, string][];
let pidFile: number[];
let serving: boolean;
let pidFileFails = false;
let answer: (answered: boolean) => void;
let until: () => boolean;
let reloads: number[];
let reports: Outcome[];
let said: string[];
let seams: Seams;

/** Lets pending promise callbacks run, up to a bound, until `done` holds. */
async function eventually(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(done()).toBe(true);
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => {
  proc = new FakeProcess();
  apache = new FakeApache();
  time = fakeTime();
  spawned = 0;
  exits = [];
  args = [];
  others = [];
  pidFile = [];
  pidFileFails = false;
  serving = true;
  reloads = [];
  reports = [];
  said = [];
  const spawn: Spawn = (_file, argv) => {
    const n = spawned++;
    args.push(argv);
    const child = new Promise<{ exitCode?: number; signal?: string }>((resolve) => exits.push(resolve));
    exit = exits[0] as typeof exit;
    return Object.assign(child, { pid: apache.pid + n });
  };
  seams = {
    ...QUIET_RESTART_CHECKS,
    process: proc,
    loadSpawn: async () => spawn,
    // Each generation's pid file is there as soon as it starts; setpriv is not.
    exists: (path) => path.endsWith('.pid'),
    kill: (pid, signal) => (pid === apache.pid ? apache.kill(pid, signal) : others.push([pid, signal])),
    stopDaemons: apache.stopDaemons,
    serving: () => serving,
    cores: () => 2,
    reloadApplication: async (_pid, _mode, _report, timeoutMs) => {
      reloads.push(timeoutMs);
    },
    probe: (_host, _port, stop) => {
      until = stop;
      return new Promise<boolean>((resolve) => (answer = resolve));
    },
    clock: time.clock,
    timers: time.timers,
    logSize: () => 0,
    watchLoad: () => said.push('watching the import'),
    removePidFile: () => {},
    writePidFile: (_path, pid) => {
      if (pidFileFails) {
        throw new Error("ENOSPC: no space left on device, open '/srv/root/httpd.pid'");
      }
      pidFile.push(pid);
    },
    diskFull: () => undefined,
    removeFile: () => {},
    killLeftovers: async () => [],
    report: (outcome) => reports.push(outcome),
    out: (text) => said.push(text),
    err: (text) => said.push(text),
  };
});

function held(signals: HeldSignal[]): HeldSignals & { released: number } {
  const h = {
    released: 0,
    take: () => signals.splice(0),
    release: () => {
      h.released++;
    },
  };
  return h;
}

async function start(early: HeldSignal[] = []) {
  const before = proc.counts(EVENTS);
  const h = held(early);
  const status = supervise(config, h, undefined, seams);
  await eventually(() => spawned === 1);
  return { status, before, held: h };
}

async function ready() {
  answer(true);
  await eventually(() => said.some((l) => l.startsWith('Ready:')));
}

describe('supervise', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('forwards %s exactly once', async (signal) => {
    const { status } = await start();
    await ready();
    proc.emit(signal, signal);
    expect(apache.received).toEqual([signal]);
    exit({ exitCode: 0 });
    await status;
  });

  it('never forwards SIGWINCH: the next signal Apache gets is the marker after it', async () => {
    const { status } = await start();
    await ready();
    proc.emit('SIGWINCH', 'SIGWINCH');
    proc.emit('SIGWINCH', 'SIGWINCH');
    proc.emit('SIGTERM', 'SIGTERM');
    expect(apache.received).toEqual(['SIGTERM']);
    exit({ exitCode: 0 });
    await status;
  });

  it('gives each generation its number, its own pid file and SO_REUSEPORT, and names the first in the pid file', async () => {
    const { status } = await start();
    expect(args[0]).toEqual([
      'start',
      '-DFOREGROUND',
      '-C',
      'Define EXPRESS_WSGI_GENERATION 1',
      '-c',
      'PidFile "/srv/root/.httpd.generation-0.pid"',
      '-c',
      'ListenCoresBucketsRatio 2',
    ]);
    expect(pidFile).toEqual([2000]);
    exit({ exitCode: 0 });
    await status;
  });

  it.each(['SIGHUP', 'SIGUSR1'] as const)(
    '%s starts a new generation, which replaces the old one once it serves; the old one stops gracefully',
    async (signal) => {
      const { status } = await start();
      await ready();
      serving = false;
      proc.emit(signal, signal);
      await eventually(() => spawned === 2);
      expect(args[1]).toContain('PidFile "/srv/root/.httpd.generation-1.pid"');
      time.advance(100);
      expect(apache.received).toEqual([]);
      serving = true;
      time.advance(20);
      await eventually(() => apache.received.length > 0);
      expect(apache.received).toEqual(['SIGWINCH']);
      expect(pidFile).toEqual([2000, 2001]);
      expect(said).toContain(
        'express-wsgi: restarted: a new Apache (pid 2001) serves; the previous one (pid 2000) finishes its requests and stops.',
      );
      exit({ exitCode: 0 });
      await flush();
      // The launcher goes on with the new generation: a stop reaches it, its end is the launcher's.
      proc.emit('SIGTERM', 'SIGTERM');
      expect(others).toContainEqual([2001, 'SIGTERM']);
      expect(apache.received).toEqual(['SIGWINCH']);
      exits[1]?.({ signal: 'SIGTERM' });
      await expect(status).resolves.toBe(143);
      expect(reports[0]?.pid).toBe(2001);
    },
  );

  it('stops an old generation that does not finish within the drain bound: SIGTERM, then SIGKILL to its group', async () => {
    // A daemon of the old generation outlives its parent: the check that it is gone kills it.
    seams = {
      ...seams,
      killLeftovers: async (_pgid, _root, _uids, scanRoot) => (scanRoot === false ? [2005] : []),
    };
    const { status } = await start();
    await ready();
    proc.emit('SIGUSR1', 'SIGUSR1');
    await eventually(() => apache.received.length > 0);
    expect(apache.received).toEqual(['SIGWINCH']);
    time.advance(DEFAULT_DRAIN_S * 1000 + 20);
    await eventually(() => apache.received.length > 1);
    expect(apache.received).toEqual(['SIGWINCH', 'SIGTERM']);
    expect(apache.daemonStops).toEqual([2000]);
    expect(said).toContain(
      `express-wsgi: the previous Apache (pid 2000) did not finish its requests within ${DEFAULT_DRAIN_S} s; stopping it.`,
    );
    time.advance(STOP_BOUND_MS + 20);
    await eventually(() => others.some(([pid]) => pid === -2000));
    expect(others).toContainEqual([-2000, 'SIGKILL']);
    exit({ signal: 'SIGKILL' });
    await eventually(() => said.some((line) => line.includes('outlived it')));
    expect(said).toContain(
      'express-wsgi: killed 1 process(es) of the previous Apache (pid 2000) that outlived it (pid 2005).',
    );
    proc.emit('SIGTERM', 'SIGTERM');
    exits[1]?.({ signal: 'SIGTERM' });
    await expect(status).resolves.toBe(143);
  });

  it('keeps the old generation when the new one exits before it serves, and says why', async () => {
    const { status } = await start();
    await ready();
    serving = false;
    proc.emit('SIGHUP', 'SIGHUP');
    await eventually(() => spawned === 2);
    exits[1]?.({ exitCode: 1 });
    await flush();
    time.advance(20);
    await eventually(() => said.some((line) => line.includes('the restart failed')));
    expect(said).toContain(
      'express-wsgi: the restart failed: a new Apache was started from /srv/root, but it exited with status 1 before it served; ' +
        "Apache's own messages are above and in /srv/root/error_log. The running one (pid 2000) goes on serving.",
    );
    expect(apache.received).toEqual([]);
    expect(pidFile).toEqual([2000]);
    // A later restart is tried again.
    proc.emit('SIGHUP', 'SIGHUP');
    await eventually(() => spawned === 3);
    proc.emit('SIGTERM', 'SIGTERM');
    expect(others).toContainEqual([2002, 'SIGTERM']);
    exit({ signal: 'SIGTERM' });
    await flush();
    exits[2]?.({ signal: 'SIGTERM' });
    await flush();
    time.advance(20);
    await expect(status).resolves.toBe(143);
  });

  it('stops a new generation whose pid the pid file cannot take, and keeps the old one', async () => {
    const { status } = await start();
    await ready();
    pidFileFails = true;
    proc.emit('SIGHUP', 'SIGHUP');
    await eventually(() => spawned === 2);
    await eventually(() => said.some((line) => line.includes('the restart failed')));
    expect(said).toContain(
      "express-wsgi: the restart failed: the new Apache (pid 2001) served, but /srv/root/httpd.pid could not be written (ENOSPC: no space left on device, open '/srv/root/httpd.pid'), so it is stopped. The running one (pid 2000) goes on serving.",
    );
    expect(others).toContainEqual([2001, 'SIGTERM']);
    // The old generation got no graceful stop.
    expect(apache.received).toEqual([]);
    exits[1]?.({ signal: 'SIGTERM' });
    await flush();
    time.advance(20);
    proc.emit('SIGTERM', 'SIGTERM');
    exit({ signal: 'SIGTERM' });
    await flush();
    time.advance(20);
    await expect(status).resolves.toBe(143);
  });

  it('stops a new generation that does not serve within --ready-timeout, and keeps the old one', async () => {
    const { status } = await start();
    await ready();
    serving = false;
    proc.emit('SIGUSR1', 'SIGUSR1');
    await eventually(() => spawned === 2);
    time.advance(5100);
    await eventually(() => others.length > 0);
    expect(others).toEqual([[2001, 'SIGTERM']]);
    expect(apache.daemonStops).toEqual([2001]);
    exits[1]?.({ signal: 'SIGTERM' });
    await eventually(() => said.some((line) => line.includes('did not serve within 5 s (--ready-timeout)')));
    expect(apache.received).toEqual([]);
    exit({ exitCode: 0 });
    await expect(status).resolves.toBe(0);
  });

  it('removes every listener it added once Apache has exited, and leaves no timer running', async () => {
    const { status, before } = await start();
    expect(proc.counts(EVENTS)).not.toEqual(before);
    await ready();
    proc.emit('SIGTERM', 'SIGTERM');
    exit({ signal: 'SIGTERM' });
    await status;
    expect(proc.counts(EVENTS)).toEqual(before);
    expect(time.active()).toBe(0);
  });

  it.each([
    [{ exitCode: 0 }, 0],
    [{ exitCode: 3 }, 3],
    [{ signal: 'SIGKILL' }, 137],
    [{ signal: 'SIGSEGV' }, 139],
  ])('exits as a shell would for Apache’s end %j: %i', async (result, code) => {
    const { status } = await start();
    await ready();
    exit(result);
    await expect(status).resolves.toBe(code);
    expect(reports[0]?.status).toBe(code);
  });

  it('reports a kill from outside as one: a signal the launcher never sent', async () => {
    const { status } = await start();
    await ready();
    exit({ signal: 'SIGKILL' });
    await status;
    expect(reports[0]?.sent('SIGKILL')).toBe(false);
    expect(reports[0]?.stopping).toBe(false);
  });

  it('ends start-up with 128 + N for a stop held before Apache ran, starting nothing', async () => {
    const h = held(['SIGHUP', 'SIGINT']);
    await expect(supervise(config, h, undefined, seams)).resolves.toBe(130);
    expect(spawned).toBe(0);
    expect(h.released).toBe(1);
  });

  it('applies a restart held before Apache ran once Apache answers', async () => {
    const { status, held: h } = await start(['SIGUSR1']);
    expect(h.released).toBe(1);
    await flush();
    expect(spawned).toBe(1);
    await ready();
    await eventually(() => spawned === 2);
    await eventually(() => apache.received.length > 0);
    expect(apache.received).toEqual(['SIGWINCH']);
    exit({ exitCode: 0 });
    await flush();
    exits[1]?.({ exitCode: 0 });
    await status;
  });

  it('gives 128 + N for a stop before Apache answered, though Apache exits 0', async () => {
    const { status } = await start();
    proc.emit('SIGTERM', 'SIGTERM');
    exit({ exitCode: 0 });
    await expect(status).resolves.toBe(143);
  });

  it('stops Apache that does not answer within --ready-timeout, and exits 1', async () => {
    const { status } = await start();
    time.advance(5001);
    expect(until()).toBe(true);
    answer(false);
    await eventually(() => apache.received.length > 0);
    expect(apache.received).toEqual(['SIGTERM']);
    expect(said).toContain(
      'express-wsgi: Apache did not answer on 127.0.0.1:8000 within 5 s (--ready-timeout); stopping it.',
    );
    exit({ exitCode: 0 });
    await expect(status).resolves.toBe(1);
  });

  it('once ready, watches the import and runs a reload asked for before', async () => {
    const { status } = await start();
    proc.emit('SIGUSR2', 'SIGUSR2');
    await flush();
    expect(reloads).toEqual([]);
    await ready();
    expect(reloads).toEqual([30_000]);
    expect(said).toContain('watching the import');
    exit({ exitCode: 0 });
    await status;
  });

  it('stops Apache if the launcher itself exits first', async () => {
    const { status } = await start();
    proc.emit('exit', 1);
    expect(apache.received).toEqual(['SIGTERM']);
    exit({ signal: 'SIGTERM' });
    await status;
  });
});
