/**
 * The launcher as a whole, on a fake process, Apache, clock and probe (src/launch/supervise.ts):
 * what reaches Apache of each signal, what is left of the launcher's listeners, and its status.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';

import type { HeldSignal, HeldSignals } from '../../../src/launch/early-signals.js';
import type { Outcome } from '../../../src/launch/failure-report.js';
import type { Spawn } from '../../../src/launch/spawn-apache.js';
import { type Seams, supervise } from '../../../src/launch/supervise.js';
import type { ServerConfig } from '../../../src/config.js';
import { EVENTS, FakeApache, FakeProcess, type FakeTime, fakeTime } from './fakes.js';

const config = {
  log: { toTerminal: false, errorLog: '/srv/root/error_log' },
  paths: { apachectl: '/srv/root/apachectl', pidFile: '/srv/root/httpd.pid', serverRoot: '/srv/root' },
  host: undefined,
  port: 8000,
  url: 'http://localhost:8000/',
  readyTimeout: 5,
  app: '/srv/app.wsgi',
  mode: 'daemon',
  daemon: { options: [] },
  user: { id: 33 },
} as unknown as ServerConfig;

let proc: FakeProcess;
let apache: FakeApache;
let time: FakeTime;
let spawned: number;
let exit: (result: { exitCode?: number; signal?: string }) => void;
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
  reloads = [];
  reports = [];
  said = [];
  const spawn: Spawn = () => {
    spawned++;
    const child = new Promise<{ exitCode?: number; signal?: string }>((resolve) => (exit = resolve));
    return Object.assign(child, { pid: apache.pid });
  };
  seams = {
    process: proc,
    loadSpawn: async () => spawn,
    exists: () => false,
    kill: apache.kill,
    catches: apache.catches,
    stopDaemons: apache.stopDaemons,
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
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1'] as const)('forwards %s exactly once', async (signal) => {
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
    proc.emit('SIGHUP', 'SIGHUP');
    expect(apache.received).toEqual(['SIGHUP']);
    exit({ exitCode: 0 });
    await status;
  });

  it('forwards two different signals once each, and the same one again once Apache has taken it', async () => {
    const { status } = await start();
    await ready();
    proc.emit('SIGHUP', 'SIGHUP');
    proc.emit('SIGUSR1', 'SIGUSR1');
    expect(apache.received).toEqual(['SIGHUP', 'SIGUSR1']);
    proc.emit('SIGHUP', 'SIGHUP');
    expect(apache.received).toEqual(['SIGHUP', 'SIGUSR1', 'SIGHUP']);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    expect(apache.received).toEqual(['SIGHUP', 'SIGUSR1', 'SIGHUP', 'SIGTERM']);
    exit({ signal: 'SIGTERM' });
    await expect(status).resolves.toBe(143);
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

  it('applies restarts held before Apache ran once Apache can take them', async () => {
    apache.handlers = false;
    const { status, held: h } = await start(['SIGUSR1']);
    expect(h.released).toBe(1);
    expect(apache.received).toEqual([]);
    apache.handlers = true;
    time.advance(10);
    expect(apache.received).toEqual(['SIGUSR1']);
    exit({ exitCode: 0 });
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
