/**
 * A restart's decisions (src/launch/generations.ts) on fake generations, files, log and clock:
 * what a failed new generation leaves (nothing), a port another server holds, an application that
 * fails to import, and the old parent killed from outside while the new one starts.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals';

import { type ChildEnd, type GenerationSeams, generations } from '../../../src/launch/generations.js';
import type { ServerConfig } from '../../../src/config.js';
import { type FakeTime, fakeTime } from './fakes.js';

const ROOT = '/srv/root';
const CONF = `${ROOT}/httpd.conf`;
const PID_FILE = `${ROOT}/httpd.pid`;
const STEER = `${ROOT}/steer-listeners.pl`;
const config = {
  log: { toTerminal: false, errorLog: `${ROOT}/error_log` },
  paths: { serverRoot: ROOT, httpdConf: CONF, pidFile: PID_FILE, steerListeners: STEER },
  host: '127.0.0.1',
  port: 8000,
  readyTimeout: 5,
  restarts: { importCheck: 'first-request', importMarkers: true },
} as unknown as ServerConfig;

const logLine = (pid: number, message: string) =>
  `[Thu Dec 03 17:00:00.000000 2026] [wsgi:error] [pid ${pid}:tid ${pid}] ${message}`;

/** What the handler and mod_wsgi log for a daemon `pid` whose import of /srv/app.wsgi fails. */
const importFails = (pid: number) => [
  logLine(pid, `express-wsgi (pid=${pid}): importing /srv/app.wsgi`),
  logLine(pid, `mod_wsgi (pid=${pid}): Failed to exec Python script file '${ROOT}/handler.wsgi'.`),
  logLine(pid, 'Traceback (most recent call last):'),
  logLine(pid, '  File "/srv/app.wsgi", line 2, in <module>'),
  logLine(pid, "ModuleNotFoundError: No module named 'missing'"),
];

let time: FakeTime;
/** The server root's files and what they hold. */
let files: Map<string, string>;
/** Each generation's end; generation n is pid 2000 + n. */
let ends: ((end: ChildEnd) => void)[];
let kills: [number, string][];
let log: string[];
/** The process group of each running process (a generation's daemons are in its parent's). */
let groups: Map<number, number>;
let serving: boolean;
let said: string[];
let seams: GenerationSeams;
let portFree: jest.Mock<GenerationSeams['portFree']>;
/** What happened, in order: each steer (pid → where, drain) and each spawn and signal. */
let events: string[];

beforeEach(() => {
  time = fakeTime();
  files = new Map([[CONF, 'Listen "127.0.0.1:8000"\n']]);
  ends = [];
  kills = [];
  log = [];
  groups = new Map();
  serving = true;
  said = [];
  portFree = jest.fn<GenerationSeams['portFree']>(async () => {});
  events = [];
  seams = {
    spawn: (args) => {
      const pid = 2000 + ends.length;
      events.push(`spawn ${pid}`);
      const pidFile = /PidFile "(.*)"/.exec(args.join(' '))?.[1] as string;
      const child = new Promise<ChildEnd>((resolve) => ends.push(resolve));
      // Apache writes its pid file as it starts; one that exits on a full disk leaves it empty.
      files.set(pidFile, '');
      groups.set(pid, pid);
      void child.then(() => groups.delete(pid));
      return Object.assign(child, { pid });
    },
    exists: (path) => files.has(path),
    kill: (pid, signal) => {
      events.push(`${signal} ${pid}`);
      kills.push([pid, signal]);
    },
    stopDaemons: () => {},
    serving: () => serving,
    writePidFile: (path, pid) => files.set(path, `${pid}\n`),
    logSize: () => 0,
    logLines: () => log,
    readFile: (path) => files.get(path),
    portFree,
    groupOf: (pid) => groups.get(pid),
    alive: (pid) => groups.has(pid),
    diskFull: () => undefined,
    // As the real one: only a pid file that still names `pid`.
    removePidFile: (path, pid) => {
      if (files.get(path)?.trim() === String(pid)) {
        files.delete(path);
      }
    },
    removeFile: (path) => files.delete(path),
    killGroup: async () => [],
    steer: async (script, pid, to, drainS) => {
      events.push(`steer ${script} ${pid} to ${to}${drainS ? ` draining ${drainS} s` : ''}`);
    },
    cores: () => 2,
    clock: time.clock,
    timers: time.timers,
    out: (text) => said.push(text),
    err: (text) => said.push(text),
  };
});

/** Lets pending promise callbacks run, moving the fake clock a poll on each time. */
async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    time.advance(20);
  }
}

/** Settles (the fake clock moving on) until `promise` has resolved. */
async function done(promise: Promise<unknown>): Promise<void> {
  let resolved = false;
  void promise.then(() => (resolved = true));
  for (let i = 0; i < 20 && !resolved; i++) {
    await settle();
  }
  expect(resolved).toBe(true);
}

/** Generations with the first one up; `over` false: no stop asked. */
async function started() {
  const gens = generations(config, seams);
  await settle(2);
  expect(files.get(PID_FILE)).toBe('2000\n');
  return gens;
}

const runtimeFiles = () => [...files.keys()].filter((path) => path.endsWith('.pid')).sort();
const failures = () => said.filter((line) => line.includes('the restart failed'));

describe('a restart', () => {
  it('leaves no pid file of a new generation that failed, only the current one’s', async () => {
    const gens = await started();
    serving = false;
    const swapped = gens.swap(() => false);
    await settle(2);
    ends[1]?.({ exitCode: 1 });
    await done(swapped);
    expect(failures()).toHaveLength(1);
    expect(runtimeFiles()).toEqual([`${ROOT}/.httpd.generation-0.pid`, PID_FILE]);
    // The next try is a generation of its own, under a name no failed one had.
    serving = true;
    void gens.swap(() => false);
    await settle();
    expect(gens.current().pidFile).toBe(`${ROOT}/.httpd.generation-2.pid`);
  });

  it('keeps new connections off the new generation until it serves, then sends them there before the old one stops', async () => {
    const gens = await started();
    const swapped = gens.swap(() => false);
    await settle();
    ends[0]?.({ exitCode: 0 }); // the old one's graceful stop
    await done(swapped);
    expect(events).toEqual([
      'spawn 2000',
      `steer ${STEER} 2000 to 0`,
      'spawn 2001',
      `steer ${STEER} 2000 to 1 draining 1 s`,
      'SIGWINCH 2000',
    ]);
  });

  it('never sends connections to a new generation that does not serve', async () => {
    const gens = await started();
    serving = false;
    const swapped = gens.swap(() => false);
    await settle(2);
    ends[1]?.({ exitCode: 1 });
    await done(swapped);
    expect(events.filter((e) => e.startsWith('steer'))).toEqual([`steer ${STEER} 2000 to 0`]);
    expect(gens.current().pid).toBe(2000);
  });

  describe('onto a port the running generation does not hold', () => {
    it('checks it first and, when another server has it, starts nothing and says why', async () => {
      const gens = await started();
      files.set(CONF, 'Listen "127.0.0.1:8001"\nListen "127.0.0.1:8443" https\n');
      portFree.mockImplementation(async (_host, port, option) => {
        if (port === 8443) {
          throw new Error(
            `--${option}: 8443 is already in use on 127.0.0.1:8443; stop what listens there or give another --${option}.`,
          );
        }
      });
      await gens.swap(() => false);
      expect(portFree.mock.calls).toEqual([
        ['127.0.0.1', 8001, 'port'],
        ['127.0.0.1', 8443, 'https-port'],
      ]);
      expect(ends).toHaveLength(1);
      expect(failures()).toEqual([
        `express-wsgi: the restart failed: ${CONF} listens on 127.0.0.1:8443, which cannot be used ` +
          '(--https-port: 8443 is already in use on 127.0.0.1:8443; stop what listens there or give another --https-port); ' +
          'no new Apache was started. The running one (pid 2000) goes on serving.',
      ]);
      expect(gens.current().pid).toBe(2000);
    });

    it('does not test the port the running generation listens on, on any of its addresses', async () => {
      files.set(CONF, 'Listen "8000"\n');
      const gens = await started();
      files.set(CONF, 'Listen "127.0.0.1:8000"\n');
      const swapped = gens.swap(() => false);
      await settle();
      ends[0]?.({ exitCode: 0 }); // the old one's graceful stop
      await done(swapped);
      expect(portFree).not.toHaveBeenCalled();
      expect(gens.current().pid).toBe(2001);
    });
  });

  describe('onto an application that fails to import', () => {
    it('fails, stops the new generation and keeps the old one, though the new one "serves"', async () => {
      const gens = await started();
      // What the new generation's daemon logs as soon as it runs, before its threads serve.
      groups.set(3001, 2001);
      log = importFails(3001);
      const swapped = gens.swap(() => false);
      await settle();
      expect(kills).toContainEqual([2001, 'SIGTERM']);
      expect(kills).not.toContainEqual([2000, 'SIGWINCH']);
      ends[1]?.({ signal: 'SIGTERM' });
      await done(swapped);
      expect(failures()).toEqual([
        `express-wsgi: the restart failed: a new Apache was started from ${ROOT}, but its application failed to load ` +
          "(ModuleNotFoundError: No module named 'missing', at /srv/app.wsgi, line 2); " +
          `Apache's own messages are above and in ${ROOT}/error_log. The running one (pid 2000) goes on serving.`,
      ]);
      expect(gens.current().pid).toBe(2000);
      expect(files.get(PID_FILE)).toBe('2000\n');
    });

    it('reads only the new generation’s lines: an old daemon’s failed import is not its', async () => {
      const gens = await started();
      groups.set(3000, 2000); // a daemon of the old generation, restarting meanwhile
      log = importFails(3000);
      const swapped = gens.swap(() => false);
      await settle();
      ends[0]?.({ exitCode: 0 });
      await done(swapped);
      expect(failures()).toEqual([]);
      expect(gens.current().pid).toBe(2001);
    });

    it('waits for an import under way, and replaces the old one once it is done', async () => {
      const gens = await started();
      groups.set(3001, 2001);
      log = [logLine(3001, 'express-wsgi (pid=3001): importing /srv/app.wsgi')];
      const swapped = gens.swap(() => false);
      await settle();
      expect(kills).toEqual([]);
      log.push(logLine(3001, 'express-wsgi (pid=3001): imported /srv/app.wsgi'));
      await settle();
      expect(kills).toContainEqual([2000, 'SIGWINCH']);
      ends[0]?.({ exitCode: 0 });
      await done(swapped);
      expect(gens.current().pid).toBe(2001);
    });
  });

  describe('while the old parent is killed from outside', () => {
    /** A restart under way whose old generation gets SIGKILL before the new one serves. */
    async function oldKilled() {
      const gens = await started();
      const end: { value?: ChildEnd } = {};
      void gens.ended.then((value) => (end.value = value));
      serving = false;
      const swapped = gens.swap(() => false);
      await settle(2);
      ends[0]?.({ signal: 'SIGKILL' });
      return { gens, end, swapped };
    }

    it('goes on with the new generation when it serves: the launcher does not end', async () => {
      const { gens, end, swapped } = await oldKilled();
      await settle(5);
      serving = true;
      await settle();
      await done(swapped);
      expect(end.value).toBeUndefined();
      expect(gens.current().pid).toBe(2001);
      expect(files.get(PID_FILE)).toBe('2001\n');
      expect(said).toContain(
        'express-wsgi: restarted: a new Apache (pid 2001) serves; the previous one (pid 2000) was killed by SIGKILL before that.',
      );
      expect(runtimeFiles()).toEqual([`${ROOT}/.httpd.generation-1.pid`, PID_FILE]);
      ends[1]?.({ signal: 'SIGTERM' });
      await settle(2);
      expect(end.value).toEqual({ signal: 'SIGTERM' });
    });

    it('ends with the old one’s end when the new one then fails', async () => {
      const { end, swapped } = await oldKilled();
      ends[1]?.({ exitCode: 1 });
      await settle();
      await done(swapped);
      expect(failures()[0]).toContain(
        'The previous one (pid 2000) was killed by SIGKILL meanwhile: nothing serves now.',
      );
      await settle(2);
      expect(end.value).toEqual({ signal: 'SIGKILL' });
    });
  });
});
