/**
 * What is left of a server whose Apache parent has exited (src/launch/leftovers.ts), on a fake
 * process table and a clock that moves only when the code pauses (test/unit/launch/fakes.ts).
 */
import { beforeEach, describe, expect, it } from '@jest/globals';

import { killLeftovers } from '../../../src/launch/leftovers.js';
import { type FakeProc, FakeProcs, type FakeSleep, fakeSleep } from './fakes.js';

const ROOT = '/srv/root';
/** The exited Apache parent, leader of the server's process group. */
const PGID = 2000;
const GRACE_MS = 2000;
const UIDS = new Set([1000]);

let procs: FakeProcs;
let time: FakeSleep;

/** An httpd process of the server root: a worker, or a daemon (`name`) with argv[0] rewritten. */
const httpd = (pid: number, more: Partial<FakeProc> = {}, name?: string) =>
  procs.add({
    pid,
    pgid: PGID,
    uid: 1000,
    argv: [name ? `(wsgi:${name})` : '/usr/sbin/httpd', '-d', ROOT],
    ...more,
  });
/** apachectl's log relay: in the group, but no Apache process; it ends once the writers are gone. */
const relay = (pid: number) =>
  procs.add({ pid, pgid: PGID, uid: 1000, argv: ['tee', '-a', `${ROOT}/error_log`] });

const kill = (scanRoot?: boolean) =>
  killLeftovers({ procs, clock: time.clock, pause: time.pause }, PGID, ROOT, UIDS, scanRoot, GRACE_MS);
const groupKill: [number, string] = [-PGID, 'SIGKILL'];

beforeEach(() => {
  procs = new FakeProcs();
  time = fakeSleep();
});

describe('killLeftovers', () => {
  it("Apache's processes get SIGKILL at once, in the group or not, and are returned", async () => {
    httpd(2001);
    httpd(2002, {}, 'localhost:8000:0');
    httpd(2003, { pgid: 2003 }, 'localhost:8000:0'); // left the group (setsid)
    const killed = await kill();
    expect(procs.sent).toEqual([
      [2001, 'SIGKILL'],
      [2002, 'SIGKILL'],
      [2003, 'SIGKILL'],
    ]);
    expect(killed.sort((a, b) => a - b)).toEqual([2001, 2002, 2003]);
    expect(procs.pids()).toEqual([]);
    expect(time.clock.now()).toBeLessThan(GRACE_MS);
  });

  it('nothing left: nothing signalled, nothing returned, no wait', async () => {
    procs.add({ pid: 2500, uid: 1000, argv: ['/usr/sbin/httpd', '-d', '/srv/other'] });
    expect(await kill()).toEqual([]);
    expect(procs.sent).toEqual([]);
    expect(time.clock.now()).toBe(0);
  });

  it('in the group whoever owns it; outside it, only a process of the expected owners', async () => {
    httpd(2001, { uid: 33 }); // a worker run as User www-data
    httpd(2500, { pgid: 2500, uid: 2222 }); // another account's process naming the path
    expect(await kill()).toEqual([2001]);
    expect(procs.sent).toEqual([[2001, 'SIGKILL']]);
  });

  it('a zombie is neither killed nor waited for', async () => {
    httpd(2001, { state: 'Z' });
    relay(2010).state = 'Z';
    expect(await kill()).toEqual([]);
    expect(procs.sent).toEqual([]);
    expect(time.clock.now()).toBeLessThan(GRACE_MS);
  });

  it("a dying parent's late fork, seen only after the first look, is caught on the next round", async () => {
    httpd(2001);
    time.at(10, () => httpd(2005));
    const killed = await kill();
    expect(procs.sent).toEqual([
      [2001, 'SIGKILL'],
      [2005, 'SIGKILL'],
    ]);
    expect(killed.sort((a, b) => a - b)).toEqual([2001, 2005]);
    expect(time.clock.now()).toBeLessThan(GRACE_MS);
  });

  it('another member of the group that does not end gets the grace, then the group SIGKILL', async () => {
    httpd(2001);
    relay(2010);
    const killed = await kill();
    expect(procs.sent).toEqual([[2001, 'SIGKILL'], groupKill]);
    expect(killed.sort((a, b) => a - b)).toEqual([2001, 2010]);
    expect(time.clock.now()).toBeGreaterThan(GRACE_MS);
    expect(procs.pids()).toEqual([]);
  });

  it('another member that ends within the grace is left to end by itself', async () => {
    relay(2010);
    time.at(GRACE_MS - 100, () => procs.remove(2010));
    expect(await kill()).toEqual([]);
    expect(procs.sent).toEqual([]);
  });

  it('a member that outlives SIGKILL (uninterruptible sleep): it gives up within a bound and names it', async () => {
    relay(2010);
    procs.onSignal = () => {};
    expect(await kill()).toEqual([2010]);
    expect(procs.sent).toEqual([groupKill]);
    expect(procs.pids()).toEqual([2010]);
  });

  it('scanRoot false: only the group, since sibling generations of the same root run on', async () => {
    httpd(2001);
    httpd(2100, { pgid: 2100 }); // the next generation's Apache
    httpd(2101, { pgid: 2100 }, 'localhost:8000:0');
    expect(await kill(false)).toEqual([2001]);
    expect(procs.sent).toEqual([[2001, 'SIGKILL']]);
    expect(procs.pids()).toEqual([2100, 2101]);
  });
});
