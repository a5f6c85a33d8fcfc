/** Issue 11, item 10: a failed restart on a full disk is explained as such. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { apacheErrors, diskFullReason } from '../../../src/launch/exit-reason.js';

const dir = mkdtempSync(join(tmpdir(), 'ew-exit-reason-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOG = [
  '[Wed Dec 02 16:48:10.475883 2026] [mpm_worker:notice] [pid 27004:tid 27004] AH00298: SIGHUP received.  Attempting to restart',
  "[Wed Dec 02 16:48:10.484254 2026] [wsgi:info] [pid 27006:tid 27006] mod_wsgi (pid=27006): Exiting process '127.0.0.1:19612'.",
  '[Wed Dec 02 16:48:10.531933 2026] [core:error] [pid 27004:tid 27004] (28)No space left on device: AH10231: apache2       : Failed creating pid file /srv/root/httpd.pid.9M4sYY',
  "[Wed Dec 02 16:48:10.532747 2026] [wsgi:info] [pid 27363:tid 27363] mod_wsgi (pid=27363): Starting process '127.0.0.1:19612' with uid=33, gid=33 and threads=5.",
];

describe('apacheErrors', () => {
  it('keeps the messages of error-level lines only', () => {
    expect(apacheErrors(LOG)).toEqual([
      '(28)No space left on device: AH10231: apache2       : Failed creating pid file /srv/root/httpd.pid.9M4sYY',
    ]);
  });
});

describe('diskFullReason', () => {
  it("quotes Apache's ENOSPC error, which names the file", () => {
    expect(diskFullReason(apacheErrors(LOG), [dir])).toBe(
      'the disk is full (ENOSPC, no space left on device): Apache says "Failed creating pid file /srv/root/httpd.pid.9M4sYY".',
    );
  });

  it('says nothing when neither the log nor the file systems show a full disk', () => {
    expect(diskFullReason(apacheErrors(LOG.slice(0, 2)), [dir])).toBeUndefined();
  });
});
