/** Signals held while the server root is written, then handed on (src/launch/early-signals.ts). */
import { describe, expect, it } from '@jest/globals';

import { holdSignals } from '../../../src/launch/early-signals.js';
import { EVENTS, FakeProcess } from './fakes.js';

describe('holdSignals', () => {
  it('holds each signal once, in the order it first came, with those the guard caught first', () => {
    const proc = new FakeProcess();
    const guard = new Set(['SIGUSR1', 'SIGPIPE']);
    const held = holdSignals({ process: proc, guard: () => guard });
    proc.emit('SIGHUP', 'SIGHUP');
    proc.emit('SIGUSR1', 'SIGUSR1');
    proc.emit('SIGHUP', 'SIGHUP');
    proc.emit('SIGWINCH', 'SIGWINCH');
    expect(held.take()).toEqual(['SIGUSR1', 'SIGHUP', 'SIGWINCH']);
    expect(guard.size).toBe(0);
    expect(held.take()).toEqual([]);
  });

  it('keeps a stop from ending the process while held', () => {
    const proc = new FakeProcess();
    const held = holdSignals({ process: proc, guard: () => undefined });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGUSR2']) {
      expect(proc.listenerCount(signal)).toBe(1);
    }
    proc.emit('SIGTERM', 'SIGTERM');
    expect(held.take()).toEqual(['SIGTERM']);
  });

  it('on release, raises again what was not taken, and removes its listeners', () => {
    const proc = new FakeProcess();
    const before = proc.counts(EVENTS);
    const held = holdSignals({ process: proc, guard: () => undefined });
    proc.emit('SIGHUP', 'SIGHUP');
    expect(held.take()).toEqual(['SIGHUP']);
    proc.emit('SIGUSR2', 'SIGUSR2');
    proc.emit('SIGINT', 'SIGINT');
    held.release();
    expect(proc.raised).toEqual(['SIGUSR2', 'SIGINT']);
    expect(proc.counts(EVENTS)).toEqual(before);
  });
});
