/** The launcher's listeners on its own process (src/launch/signal-listeners.ts). */
import { describe, expect, it, jest } from '@jest/globals';

import { listenForSignals, type SignalHandlers } from '../../../src/launch/signal-listeners.js';
import { EVENTS, FakeProcess } from './fakes.js';

function handlers() {
  return {
    stop: jest.fn<SignalHandlers['stop']>(),
    restart: jest.fn<SignalHandlers['restart']>(),
    reload: jest.fn<SignalHandlers['reload']>(),
    exit: jest.fn<SignalHandlers['exit']>(),
  };
}

describe('listenForSignals', () => {
  it.each([
    ['SIGINT', 'stop'],
    ['SIGTERM', 'stop'],
    ['SIGHUP', 'restart'],
    ['SIGUSR1', 'restart'],
  ] as const)('hands %s to %s, once per signal', (signal, handler) => {
    const proc = new FakeProcess();
    const h = handlers();
    listenForSignals(proc, h);
    proc.emit(signal, signal);
    expect(h[handler].mock.calls).toEqual([[signal]]);
    proc.emit(signal, signal);
    expect(h[handler].mock.calls).toEqual([[signal], [signal]]);
  });

  it('hands SIGUSR2 to the reload, and the launcher’s exit to its own handler', () => {
    const proc = new FakeProcess();
    const h = handlers();
    listenForSignals(proc, h);
    proc.emit('SIGUSR2', 'SIGUSR2');
    proc.emit('exit', 0);
    expect(h.reload).toHaveBeenCalledTimes(1);
    expect(h.exit).toHaveBeenCalledTimes(1);
  });

  it('swallows SIGWINCH: a listener (so that Node does not act on it) that does nothing', () => {
    const proc = new FakeProcess();
    const h = handlers();
    listenForSignals(proc, h);
    expect(proc.listenerCount('SIGWINCH')).toBe(1);
    proc.emit('SIGWINCH', 'SIGWINCH');
    proc.emit('SIGHUP', 'SIGHUP');
    expect([...h.stop.mock.calls, ...h.restart.mock.calls, ...h.reload.mock.calls]).toEqual([['SIGHUP']]);
  });

  it('replays held signals as if they came now', () => {
    const proc = new FakeProcess();
    const h = handlers();
    listenForSignals(proc, h).replay(['SIGUSR1', 'SIGWINCH', 'SIGUSR2', 'SIGTERM']);
    expect(h.restart.mock.calls).toEqual([['SIGUSR1']]);
    expect(h.reload).toHaveBeenCalledTimes(1);
    expect(h.stop.mock.calls).toEqual([['SIGTERM']]);
  });

  it('removes every listener it added, and only those', () => {
    const proc = new FakeProcess();
    const theirs = () => {};
    proc.on('SIGINT', theirs);
    proc.on('exit', theirs);
    const before = proc.counts(EVENTS);
    const h = handlers();
    const listening = listenForSignals(proc, h);
    expect(proc.counts(EVENTS)).not.toEqual(before);
    listening.remove();
    expect(proc.counts(EVENTS)).toEqual(before);
    proc.emit('SIGTERM', 'SIGTERM');
    expect(h.stop).not.toHaveBeenCalled();
  });
});
