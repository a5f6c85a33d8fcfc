/** What the launcher says when Apache is gone (src/launch/failure-report.ts). */
import { beforeEach, describe, expect, it } from '@jest/globals';

import {
  type Outcome,
  reportOutcome,
  type ReportIo,
  type Where,
} from '../../../src/launch/failure-report.js';

let said: string[];
let log: string[];
let full: string | undefined;
const io: ReportIo = {
  err: (text) => said.push(text),
  tail: (_path, _offset, maxLines = 20) => log.slice(-maxLines),
  diskFull: () => full,
};
const where: Where = { serverRoot: '/srv/root', errorLog: '/srv/root/error_log', logOffset: 0 };
const outcome = (over: Partial<Outcome>): Outcome => ({
  pid: 2000,
  signal: undefined,
  status: 1,
  sent: () => false,
  stopping: false,
  leftovers: [],
  ...over,
});

beforeEach(() => {
  said = [];
  log = [];
  full = undefined;
});

describe('reportOutcome', () => {
  it('names a kill from outside', () => {
    reportOutcome(outcome({ signal: 'SIGKILL', status: 137 }), where, io);
    expect(said).toEqual(['express-wsgi: Apache (pid 2000) was killed by SIGKILL; exiting with status 137.']);
  });

  it('says nothing of a signal the launcher sent itself, during a stop', () => {
    reportOutcome(
      outcome({ signal: 'SIGTERM', status: 143, sent: (s) => s === 'SIGTERM', stopping: true }),
      where,
      io,
    );
    expect(said).toEqual([]);
  });

  it('quotes the error log for a failed start', () => {
    log = ['AH00526: Syntax error on line 3', 'AH00111: Config variable not defined'];
    reportOutcome(outcome({ status: 1 }), where, io);
    expect(said).toEqual([
      'express-wsgi: Apache exited with status 1. The error log (/srv/root/error_log) says:',
      '  AH00526: Syntax error on line 3\n  AH00111: Config variable not defined',
    ]);
  });

  it('points at the terminal when the log has nothing new', () => {
    reportOutcome(outcome({ status: 1 }), where, io);
    expect(said).toEqual([
      'express-wsgi: Apache exited with status 1; what it said is above (its log: /srv/root/error_log).',
    ]);
  });

  it('explains a full disk first, and with the log on the terminal only that', () => {
    full = 'the disk is full.';
    reportOutcome(outcome({ status: 1 }), { ...where, errorLog: undefined }, io);
    expect(said).toEqual(['express-wsgi: Apache exited with status 1: the disk is full.']);
  });

  it('says nothing of a failure status during a stop, or of a clean exit', () => {
    reportOutcome(outcome({ status: 1, stopping: true }), where, io);
    reportOutcome(outcome({ status: 0 }), where, io);
    expect(said).toEqual([]);
  });

  it.each([
    [[31], '1 process', '31'],
    [[31, 32], '2 processes', '31, 32'],
  ])('reports leftovers %j', (leftovers, count, pids) => {
    reportOutcome(outcome({ status: 0, leftovers }), where, io);
    expect(said).toEqual([`express-wsgi: killed ${count} of the server that outlived Apache (pid ${pids}).`]);
  });
});
