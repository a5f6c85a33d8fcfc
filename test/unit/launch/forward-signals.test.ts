/** What reaches Apache of the signals the launcher gets (src/launch/forward-signals.ts). */
import { beforeEach, describe, expect, it } from '@jest/globals';

import {
  type Forwarder,
  forwardSignals,
  HANDLER_POLL_MS,
  STOP_RESEND_MS,
} from '../../../src/launch/forward-signals.js';
import { FakeApache, type FakeTime, fakeTime } from './fakes.js';

let apache: FakeApache;
let time: FakeTime;
let ready: boolean;
let exited: boolean;

function forwarder(gracefulStop = false): Forwarder {
  return forwardSignals({
    pid: apache.pid,
    config: { gracefulStop: gracefulStop ? { timeout: 5 } : undefined },
    kill: apache.kill,
    catches: apache.catches,
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

describe.each(['SIGHUP', 'SIGUSR1'] as const)('a restart, %s', (signal) => {
  it('is sent exactly once per signal received, also the same one twice', () => {
    const f = forwarder();
    f.restart(signal);
    expect(apache.received).toEqual([signal]);
    time.advance(100 * HANDLER_POLL_MS);
    expect(apache.received).toEqual([signal]);
    f.restart(signal);
    expect(apache.received).toEqual([signal, signal]);
    expect(time.active()).toBe(0);
  });

  it('is owed while Apache has no handler for it, then sent once, and the poll ends', () => {
    apache.handlers = false;
    const f = forwarder();
    f.restart(signal);
    time.advance(5 * HANDLER_POLL_MS);
    expect(apache.received).toEqual([]);
    expect(time.active()).toBe(1);
    apache.handlers = true;
    time.advance(HANDLER_POLL_MS);
    expect(apache.received).toEqual([signal]);
    time.advance(100 * HANDLER_POLL_MS);
    expect(apache.received).toEqual([signal]);
    expect(time.active()).toBe(0);
  });

  it('owed, is dropped by a stop', () => {
    apache.handlers = false;
    const f = forwarder();
    f.restart(signal);
    f.stop('SIGTERM');
    apache.handlers = true;
    time.advance(5 * HANDLER_POLL_MS);
    expect(apache.received).toEqual(['SIGTERM']);
  });

  it('during a stop, or once Apache has exited, is not sent', () => {
    const f = forwarder();
    f.stop('SIGINT');
    f.restart(signal);
    expect(apache.received).toEqual(['SIGINT']);
    exited = true;
    forwarder().restart(signal);
    expect(apache.received).toEqual(['SIGINT']);
  });
});

describe('forwarding', () => {
  it('sends two different restarts once each', () => {
    const f = forwarder();
    f.restart('SIGHUP');
    f.restart('SIGUSR1');
    expect(apache.received).toEqual(['SIGHUP', 'SIGUSR1']);
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
    f.restart('SIGHUP');
    expect(f.sent('SIGHUP')).toBe(true);
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
