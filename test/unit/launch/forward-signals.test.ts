/** What reaches Apache of the signals the launcher gets (src/launch/forward-signals.ts). */
import { beforeEach, describe, expect, it } from '@jest/globals';

import { type Forwarder, forwardSignals, STOP_RESEND_MS } from '../../../src/launch/forward-signals.js';
import { FakeApache, type FakeTime, fakeTime } from './fakes.js';

let apache: FakeApache;
let time: FakeTime;
let ready: boolean;
let exited: boolean;
let pids: number[];

function forwarder(gracefulStop = false): Forwarder {
  return forwardSignals({
    pids: () => pids,
    config: { gracefulStop: gracefulStop ? { timeout: 5 } : undefined },
    kill: apache.kill,
    stopDaemons: apache.stopDaemons,
    isReady: () => ready,
    isExited: () => exited,
    timers: time.timers,
  });
}

beforeEach(() => {
  apache = new FakeApache();
  time = fakeTime();
  ready = true;
  exited = false;
  pids = [apache.pid];
});

describe.each(['SIGINT', 'SIGTERM'] as const)('a stop, %s', (signal) => {
  it('is sent once at once, with the daemons stopped, and again every second until Apache exits', () => {
    const f = forwarder();
    f.stop(signal);
    expect(apache.received).toEqual([signal]);
    expect(apache.daemonStops).toEqual([apache.pid]);
    time.advance(STOP_RESEND_MS - 1);
    expect(apache.received).toEqual([signal]);
    time.advance(1);
    expect(apache.received).toEqual([signal, signal]);
    exited = true;
    f.finish();
    time.advance(10 * STOP_RESEND_MS);
    expect(apache.received).toEqual([signal, signal]);
    expect(time.active()).toBe(0);
  });

  it('received again while one is under way, is left to the resend', () => {
    const f = forwarder();
    f.stop(signal);
    expect(apache.received).toEqual([signal]);
    f.stop(signal);
    expect(apache.received).toEqual([signal]);
    expect(time.active()).toBe(1);
  });

  it('before Apache answered, ends start-up with that signal; after, or decided by the launcher, not', () => {
    ready = false;
    const early = forwarder();
    early.stop(signal);
    expect(early.stopBeforeReady()).toBe(signal);
    const launcherOwn = forwarder();
    launcherOwn.stop(signal, false);
    expect(launcherOwn.stopBeforeReady()).toBeUndefined();
    ready = true;
    const late = forwarder();
    late.stop(signal);
    expect(late.stopBeforeReady()).toBeUndefined();
  });
});

describe('forwarding', () => {
  it('sends a stop to every generation running, and their daemons are stopped', () => {
    const other = new FakeApache(2001);
    pids = [apache.pid, other.pid];
    const f = forwardSignals({
      pids: () => pids,
      config: { gracefulStop: undefined },
      kill: (pid, signal) => (pid === other.pid ? other.kill : apache.kill)(pid, signal),
      stopDaemons: apache.stopDaemons,
      isReady: () => ready,
      isExited: () => exited,
      timers: time.timers,
    });
    f.stop('SIGTERM');
    expect([apache.received, other.received]).toEqual([['SIGTERM'], ['SIGTERM']]);
    expect(apache.daemonStops).toEqual([apache.pid, other.pid]);
    f.stopOnExit();
    expect(other.received).toEqual(['SIGTERM', 'SIGTERM']);
  });

  it('with --graceful-stop, SIGTERM becomes SIGWINCH without stopping the daemons, and Ctrl-C overrides it', () => {
    const f = forwarder(true);
    f.stop('SIGTERM');
    expect(apache.received).toEqual(['SIGWINCH']);
    expect(apache.daemonStops).toEqual([]);
    f.stop('SIGINT');
    expect(apache.received).toEqual(['SIGWINCH', 'SIGINT']);
    expect(apache.daemonStops).toEqual([apache.pid]);
    time.advance(STOP_RESEND_MS);
    expect(apache.received).toEqual(['SIGWINCH', 'SIGINT', 'SIGINT']);
    expect(time.active()).toBe(1);
  });

  it('never turns a prompt stop under way into a graceful one', () => {
    const f = forwarder(true);
    f.stop('SIGINT');
    f.stop('SIGTERM');
    expect(apache.received).toEqual(['SIGINT']);
    expect(f.stopping()).toBe('SIGINT');
  });

  it('remembers what it sent, so that a kill from outside can be told apart', () => {
    const f = forwarder();
    f.stop('SIGTERM');
    expect(f.sent('SIGTERM')).toBe(true);
    expect(f.sent('SIGKILL')).toBe(false);
  });

  it('sends nothing once Apache has exited, and takes a vanished Apache in its stride', () => {
    const f = forwarder();
    apache.gone = true;
    expect(() => f.stop('SIGTERM')).not.toThrow();
    expect(() => f.stopOnExit()).not.toThrow();
    apache.gone = false;
    exited = true;
    f.stopOnExit();
    time.advance(STOP_RESEND_MS);
    expect(apache.received).toEqual([]);
  });

  it('stops Apache with SIGTERM when the launcher itself exits first', () => {
    forwarder().stopOnExit();
    expect(apache.received).toEqual(['SIGTERM']);
  });
});
