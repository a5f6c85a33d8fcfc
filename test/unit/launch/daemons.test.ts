/**
 * mod_wsgi's daemons as the launcher finds and signals them (src/launch/daemons.ts), on a fake
 * process table and a clock that moves only when the code pauses (test/unit/launch/fakes.ts).
 */
import { beforeEach, describe, expect, it } from '@jest/globals';

import type { Mode } from '../../../src/config.js';
import {
  generationServing,
  reloadApplication,
  signalDaemons,
  stopDaemons,
} from '../../../src/launch/daemons.js';
import { type FakeProc, FakeProcs, type FakeSleep, fakeSleep } from './fakes.js';

const ROOT = '/srv/root';
const APACHE = 2000;
const TIMEOUT_MS = 2000;
const ANNOUNCE_ONE =
  'reloading the application: 1 mod_wsgi daemon process restarts gracefully, one at a time';
const GRACEFUL = 'reloading the application: Apache restarts gracefully';
const DONE = 'reloading the application: done';
const TIMED_OUT = 'reloading the application: no new daemon process served within 2 s; see the error log';

let procs: FakeProcs;
let time: FakeSleep;
let lines: string[];
let nextPid: number;
/** When each replacement daemon started its request threads, in order. */
let servedAt: number[];
/** When each SIGUSR1 reached a daemon, in order. */
let usr1At: number[];

const apache = () => procs.add({ pid: APACHE, argv: ['/usr/sbin/httpd', '-d', ROOT, '-DFOREGROUND'] });
const worker = (pid: number) =>
  procs.add({ pid, ppid: APACHE, pgid: APACHE, argv: ['/usr/sbin/httpd', '-d', ROOT], threads: 27 });
/** A daemon process: mod_wsgi writes its display name over argv[0]. */
const daemon = (pid: number, name = 'localhost:8000:0', threads = 16) =>
  procs.add({ pid, ppid: APACHE, pgid: APACHE, argv: [`(wsgi:${name})`, '-d', ROOT], threads });

/**
 * mod_wsgi's answer to SIGUSR1: the daemon finishes its requests and exits, Apache forks its
 * replacement `startsAfter` ms later with one thread, which has its request threads `servesAfter`
 * ms after the signal.
 */
function replaceOnUsr1(startsAfter = 100, servesAfter: number | 'never' = 300) {
  procs.onSignal = (proc: FakeProc, signal) => {
    if (signal !== 'SIGUSR1' || proc.pid === APACHE) {
      return;
    }
    const signalled = time.clock.now();
    usr1At.push(signalled);
    time.at(signalled + startsAfter, () => {
      procs.remove(proc.pid);
      const fresh = daemon(nextPid++, proc.argv[0]?.slice(6, -1), 1);
      if (servesAfter !== 'never') {
        time.at(signalled + servesAfter, () => {
          fresh.threads = 16;
          servedAt.push(time.clock.now());
        });
      }
    });
  };
}

const reload = (mode: Mode = 'daemon', cancelled?: () => boolean) =>
  reloadApplication(
    { procs, clock: time.clock, pause: time.pause },
    APACHE,
    mode,
    (line) => lines.push(line),
    TIMEOUT_MS,
    cancelled,
  );

beforeEach(() => {
  procs = new FakeProcs();
  time = fakeSleep();
  lines = [];
  nextPid = 3000;
  servedAt = [];
  usr1At = [];
  apache();
  worker(2001);
  replaceOnUsr1();
});

describe('reloadApplication', () => {
  it.each<[string, Mode, () => void]>([
    ['daemon mode without daemons', 'daemon', () => {}],
    // In embedded mode the application lives in Apache's children, whatever runs beside them.
    ['embedded mode', 'embedded', () => daemon(2002)],
    ['daemon mode with only --service-script daemons', 'daemon', () => daemon(2002, 'service:tasks', 1)],
  ])('%s: SIGUSR1 to Apache once, with its message', async (_name, mode, setUp) => {
    setUp();
    await reload(mode);
    expect(procs.sent).toEqual([[APACHE, 'SIGUSR1']]);
    expect(lines).toEqual([GRACEFUL]);
  });

  it('an Apache that has just exited: the graceful restart is said and nothing thrown', async () => {
    procs.remove(APACHE);
    await reload('daemon');
    expect(procs.sent).toEqual([]);
    expect(lines).toEqual([GRACEFUL]);
  });

  it('N daemons: each gets SIGUSR1 once, the next only once its predecessor’s replacement serves', async () => {
    daemon(2002);
    daemon(2003);
    daemon(2004);
    await reload();
    expect(procs.sent).toEqual([
      [2002, 'SIGUSR1'],
      [2003, 'SIGUSR1'],
      [2004, 'SIGUSR1'],
    ]);
    expect(servedAt).toHaveLength(3);
    // A replacement with its one thread does not serve yet (it appears at 100 ms, serves at 300).
    expect(usr1At[1]).toBeGreaterThanOrEqual(servedAt[0] as number);
    expect(usr1At[2]).toBeGreaterThanOrEqual(servedAt[1] as number);
    expect(lines).toEqual([
      'reloading the application: 3 mod_wsgi daemon processes restart gracefully, one at a time',
      DONE,
    ]);
  });

  it('--service-script daemons, (wsgi:service:NAME), are never signalled', async () => {
    daemon(2002, 'service:tasks', 1);
    daemon(2003);
    daemon(2004, 'service:mail', 1);
    await reload();
    expect(procs.sent).toEqual([[2003, 'SIGUSR1']]);
    expect(lines).toEqual([ANNOUNCE_ONE, DONE]);
  });

  it.each<[string, () => void]>([
    ['is never replaced', () => (procs.onSignal = () => {})],
    ['is replaced by one that never starts its request threads', () => replaceOnUsr1(100, 'never')],
  ])('a daemon that %s: the timeout is said and the next daemon is left alone', async (_name, setUp) => {
    setUp();
    daemon(2002);
    daemon(2003);
    await reload();
    expect(procs.sent).toEqual([[2002, 'SIGUSR1']]);
    expect(lines).toEqual([
      'reloading the application: 2 mod_wsgi daemon processes restart gracefully, one at a time',
      TIMED_OUT,
    ]);
    expect(time.clock.now()).toBeGreaterThan(TIMEOUT_MS);
  });

  it.each<[string, number, () => void]>([
    // The replacement never serves: only the stop ends the wait, before the timeout.
    ['while it waits for a replacement', 100, () => replaceOnUsr1(100, 'never')],
    // The replacement serves at 300 ms, when the stop comes.
    ['before the next daemon', 300, () => {}],
  ])('cancelled() %s: it stops without a word', async (_name, at, setUp) => {
    setUp();
    daemon(2002);
    daemon(2003);
    let over = false;
    time.at(at, () => (over = true));
    await reload('daemon', () => over);
    expect(procs.sent).toEqual([[2002, 'SIGUSR1']]);
    expect(lines).toEqual([
      'reloading the application: 2 mod_wsgi daemon processes restart gracefully, one at a time',
    ]);
    expect(time.clock.now()).toBeLessThan(TIMEOUT_MS);
  });

  it('Apache gone while it waits: it stops without a word', async () => {
    procs.onSignal = () => {};
    daemon(2002);
    time.at(100, () => procs.remove(APACHE));
    await reload();
    expect(lines).toEqual([ANNOUNCE_ONE]);
    expect(time.clock.now()).toBeLessThan(TIMEOUT_MS);
  });

  it('a daemon that vanished before its signal is skipped, without waiting for its replacement', async () => {
    daemon(2002);
    daemon(2003);
    daemon(2004);
    const restart = procs.onSignal;
    procs.onSignal = (proc, signal) => {
      restart(proc, signal);
      procs.remove(2003); // crashed meanwhile; Apache replaces it by itself
    };
    await reload();
    expect(procs.sent).toEqual([
      [2002, 'SIGUSR1'],
      [2004, 'SIGUSR1'],
    ]);
    expect(lines.at(-1)).toBe(DONE);
    // 2004 was signalled as soon as 2002's replacement served: nothing was awaited for 2003.
    expect(usr1At[1]).toBe(servedAt[0]);
  });
});

describe('generationServing', () => {
  it.each<[string, boolean, () => void]>([
    [
      'a worker and every application daemon with its request threads',
      true,
      () => {
        daemon(2002);
        daemon(2003);
      },
    ],
    ['a worker in embedded mode (no daemons)', true, () => {}],
    [
      'a daemon still importing (one thread)',
      false,
      () => {
        daemon(2002);
        daemon(2003, undefined, 1);
      },
    ],
    [
      'a --service-script daemon, which never starts request threads',
      true,
      () => daemon(2002, 'service:tasks', 1),
    ],
    [
      'no worker yet',
      false,
      () => {
        procs.remove(2001);
        daemon(2002);
      },
    ],
    ['Apache gone', false, () => procs.remove(APACHE)],
  ])('%s: %p', (_name, expected, setUp) => {
    setUp();
    expect(generationServing(procs, APACHE)).toBe(expected);
  });
});

describe('signalDaemons, stopDaemons', () => {
  it('signal every daemon, --service-script ones too, and neither Apache nor its workers', () => {
    daemon(2002);
    daemon(2003, 'service:tasks', 1);
    procs.add({ pid: 2500, ppid: 1, argv: ['(wsgi:localhost:8000:0)', '-d', ROOT] }); // another parent's
    expect(signalDaemons(procs, APACHE, 'SIGHUP')).toBe(2);
    stopDaemons(procs, APACHE);
    expect(procs.sent).toEqual([
      [2002, 'SIGHUP'],
      [2003, 'SIGHUP'],
      [2002, 'SIGTERM'],
      [2003, 'SIGTERM'],
    ]);
  });
});
