/**
 * Doubles for the launcher's seams: a clock with interval timers that run only when the test
 * advances it, a fake process (an EventEmitter with pid and kill), and a fake Apache that records
 * the signals it receives and installs its handlers when the test says so.
 */
import { EventEmitter } from 'node:events';

import type { Clock, Timers } from '../../../src/launch/timers.js';

export interface FakeTime {
  readonly clock: Clock;
  readonly timers: Timers;
  /** Moves the clock on by `ms`, running each interval as often as it falls due. */
  advance(ms: number): void;
  /** How many intervals are set. */
  active(): number;
}

export function fakeTime(): FakeTime {
  let now = 0;
  let nextId = 1;
  const intervals = new Map<number, { callback: () => void; ms: number; due: number }>();
  return {
    clock: { now: () => now },
    timers: {
      setInterval: (callback, ms) => {
        const id = nextId++;
        intervals.set(id, { callback, ms, due: now + ms });
        return id;
      },
      clearInterval: (id) => {
        intervals.delete(id as number);
      },
    },
    advance: (ms) => {
      const end = now + ms;
      for (;;) {
        const next = [...intervals.entries()].sort(([, a], [, b]) => a.due - b.due)[0];
        if (!next || next[1].due > end) {
          break;
        }
        now = next[1].due;
        next[1].due += next[1].ms;
        next[1].callback();
      }
      now = end;
    },
    active: () => intervals.size,
  };
}

/** The launcher's process: signal and exit events, its pid, and kill aimed at itself. */
export class FakeProcess extends EventEmitter {
  readonly pid = 1000;
  readonly raised: string[] = [];
  kill(pid: number, signal: string): void {
    if (pid === this.pid) {
      this.raised.push(signal);
    }
  }
  getuid(): number {
    return 0;
  }
  /** How many listeners each event has. */
  counts(events: readonly string[]): Record<string, number> {
    return Object.fromEntries(events.map((event) => [event, this.listenerCount(event)]));
  }
}

export const EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'exit'] as const;

/** Apache as the forwarder sees it: what it got, whether it has its handlers, whether it is gone. */
export class FakeApache {
  constructor(readonly pid = 2000) {}
  readonly received: string[] = [];
  readonly daemonStops: number[] = [];
  handlers = true;
  gone = false;
  readonly kill = (pid: number, signal: NodeJS.Signals): void => {
    if (pid !== this.pid || this.gone) {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    }
    this.received.push(signal);
  };
  readonly catches = (pid: number): boolean => pid === this.pid && this.handlers;
  readonly stopDaemons = (pid: number): void => {
    this.daemonStops.push(pid);
  };
}

/** A restart's checks of the new generation that find nothing: no log, no config, every port free. */
export const QUIET_RESTART_CHECKS = {
  logLines: () => [],
  readFile: () => undefined,
  portFree: async () => {},
  groupOf: () => undefined,
  alive: () => true,
};
