/** Ready's watches of the error log for a failed import (src/launch/load-watch.ts), on a fake clock. */
import { beforeEach, describe, expect, it } from '@jest/globals';

import {
  LOAD_WATCH_MS,
  type WatchSeams,
  watchForLoadFailure,
  watchImport,
  WATCH_POLL_MS,
} from '../../../src/launch/load-watch.js';
import { fakeTime } from './fakes.js';

const prefix = (l: string) => `[Sun Nov 22 04:56:18.430783 2026] [wsgi:error] [pid 23375:tid 23375] ${l}`;
const TRACEBACK = [
  "mod_wsgi (pid=23375): Failed to exec Python script file '/srv/app.wsgi'.",
  'Traceback (most recent call last):',
  '  File "/srv/app.wsgi", line 3, in <module>',
  "ModuleNotFoundError: No module named 'flask'",
].map(prefix);

let log: string[];
let polls: number;
let reports: string[][];
let seams: WatchSeams;
let alive: Set<number>;

beforeEach(() => {
  const time = fakeTime();
  log = [];
  polls = 0;
  reports = [];
  alive = new Set();
  seams = {
    clock: time.clock,
    pause: async (ms) => {
      polls++;
      time.advance(ms);
    },
    linesSince: () => log,
    tailSince: () => log,
    alive: (pid) => alive.has(pid),
  };
});

const report = (lines: string[]) => reports.push(lines);

describe('watchForLoadFailure', () => {
  it('says once what failed, as soon as the traceback is in the log', async () => {
    const watching = watchForLoadFailure('/srv/error_log', 0, () => false, report, {
      ...seams,
      tailSince: () => (polls >= 3 ? TRACEBACK : []),
    });
    await watching;
    expect(polls).toBe(3);
    expect(reports).toEqual([
      [
        'express-wsgi: the application failed to load; requests will get errors until it is fixed:',
        "  ModuleNotFoundError: No module named 'flask'\n    at /srv/app.wsgi, line 3",
        '  (full traceback in /srv/error_log)',
      ],
    ]);
  });

  it('gives up after its five seconds, and at once when Apache has exited', async () => {
    await watchForLoadFailure('/srv/error_log', 0, () => false, report, seams);
    expect(polls).toBe(LOAD_WATCH_MS / WATCH_POLL_MS);
    polls = 0;
    await watchForLoadFailure('/srv/error_log', 0, () => true, report, seams);
    expect(polls).toBe(0);
    expect(reports).toEqual([]);
  });
});

describe('watchImport', () => {
  const marker = (pid: number, what: string) => prefix(`express-wsgi (pid=${pid}): ${what}`);

  it('reports an import still going after hangMs, once', async () => {
    alive.add(41);
    log = [marker(41, 'importing /srv/app.wsgi')];
    await watchImport('/srv/error_log', 0, () => false, 1000, report, seams);
    expect(reports).toEqual([
      [
        'express-wsgi: importing /srv/app.wsgi (pid 41) has not finished after 1 s; it may never.',
        '  Requests wait for it and then fail; look for what the import blocks on (log: /srv/error_log).',
      ],
    ]);
    expect(polls).toBe(1 + 1000 / WATCH_POLL_MS);
  });

  it('reports sys.exit() during the import', async () => {
    log = [marker(41, 'importing /srv/app.wsgi'), marker(41, 'exited SystemExit: 3')];
    await watchImport('/srv/error_log', 0, () => false, 1000, report, seams);
    expect(reports[0]?.[0]).toBe(
      'express-wsgi: the application /srv/app.wsgi stopped its own import: SystemExit: 3.',
    );
  });

  it('says nothing of an import that finished, and stops looking after hangMs + 5 s', async () => {
    log = [marker(41, 'importing /srv/app.wsgi'), marker(41, 'imported /srv/app.wsgi')];
    await watchImport('/srv/error_log', 0, () => false, 1000, report, seams);
    expect(reports).toEqual([]);
    expect(polls).toBe((1000 + 5000) / WATCH_POLL_MS);
  });
});
