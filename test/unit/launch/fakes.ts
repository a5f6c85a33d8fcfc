/**
 * Doubles for the launcher's seams: a clock with interval timers that run only when the test
 * advances it, a fake process (an EventEmitter with pid and kill), a fake Apache that records
 * the signals it receives and installs its handlers when the test says so, and for the loops over
 * /proc a clock their pauses move and a fake process table.
 */
import { EventEmitter } from 'node:events';

import type { ProcessTable } from '../../../src/launch/proc.js';
import type { Clock, Pause, Timers } from '../../../src/launch/timers.js';

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

/**
 * A clock that moves only when the code under test pauses: each pause takes no real time, runs
 * what the test scheduled for that moment (`at`), and then resolves, so a loop that polls for
 * seconds finishes at once. A loop that never ends fails instead of hanging the test.
 */
export interface FakeSleep {
  readonly clock: Clock;
  readonly pause: Pause;
  /** Runs `action` once the clock has reached `ms`. */
  at(ms: number, action: () => void): void;
}

/** Where the fake clock stops a loop that polls without end. */
const FAKE_CLOCK_LIMIT_MS = 3_600_000;

export function fakeSleep(): FakeSleep {
  let now = 0;
  const due: { at: number; action: () => void }[] = [];
  return {
    clock: { now: () => now },
    pause: async (ms) => {
      if (now > FAKE_CLOCK_LIMIT_MS) {
        throw new Error('the fake clock passed an hour: a loop that never ends');
      }
      now += ms;
      for (;;) {
        const next = due.filter((event) => event.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!next) {
          break;
        }
        due.splice(due.indexOf(next), 1);
        next.action();
      }
    },
    at: (ms, action) => {
      due.push({ at: ms, action });
    },
  };
}

/** One process of the fake table. */
export interface FakeProc {
  readonly pid: number;
  ppid: number;
  pgid: number;
  uid: number;
  argv: string[];
  threads: number;
  /** 'S' while it runs, 'Z' once it is a zombie. */
  state: string;
}

/**
 * The process table as /proc would show it: processes the test adds and removes, and kill, which
 * records every signal that reached a process and, by default, removes a process on SIGKILL.
 */
export class FakeProcs implements ProcessTable {
  private readonly table = new Map<number, FakeProc>();
  /** [pid, signal] of every signal delivered; a group as -pgid. */
  readonly sent: [number, string][] = [];
  /** What a delivered signal does to each process it reaches; a zombie waits for its parent. */
  onSignal: (proc: FakeProc, signal: NodeJS.Signals) => void = (proc, signal) => {
    if (signal === 'SIGKILL' && proc.state !== 'Z') {
      this.remove(proc.pid);
    }
  };

  add(proc: Partial<FakeProc> & Pick<FakeProc, 'pid'>): FakeProc {
    const full: FakeProc = { ppid: 1, pgid: proc.pid, uid: 0, argv: [], threads: 1, state: 'S', ...proc };
    this.table.set(full.pid, full);
    return full;
  }

  remove(pid: number): void {
    this.table.delete(pid);
  }

  pids(): number[] {
    return [...this.table.keys()];
  }

  children(pid: number): number[] {
    // An orphan is its init's child by the time anyone looks.
    if (!this.table.has(pid)) {
      return [];
    }
    return [...this.table.values()].filter((proc) => proc.ppid === pid).map((proc) => proc.pid);
  }

  cmdline(pid: number): string | undefined {
    return this.table
      .get(pid)
      ?.argv.map((arg) => `${arg}\0`)
      .join('');
  }

  stat(pid: number) {
    const proc = this.table.get(pid);
    return proc && { state: proc.state, pgid: proc.pgid };
  }

  owner(pid: number): number | undefined {
    return this.table.get(pid)?.uid;
  }

  threads(pid: number): number | undefined {
    return this.table.get(pid)?.threads;
  }

  exists(pid: number): boolean {
    return this.table.has(pid);
  }

  kill(pid: number, signal: NodeJS.Signals): void {
    const targets = [...this.table.values()].filter((proc) =>
      pid < 0 ? proc.pgid === -pid : proc.pid === pid,
    );
    if (targets.length === 0) {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    }
    this.sent.push([pid, signal]);
    for (const proc of targets) {
      this.onSignal(proc, signal);
    }
  }
}

/** A restart's checks of the new generation that find nothing: no log, no config, every port free. */
export const QUIET_RESTART_CHECKS = {
  logLines: () => [],
  readFile: () => undefined,
  portFree: async () => {},
  groupOf: () => undefined,
  alive: () => true,
  steer: async () => {},
};
