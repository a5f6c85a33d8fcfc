import { describe, expect, it } from '@jest/globals';

import { explainLoadFailure, importState } from '../../../src/launch/load-failure.js';

const log = (lines: string[]) =>
  lines.map((l) => `[Sun Nov 22 04:56:18.430783 2026] [wsgi:error] [pid 23375:tid 23375] ${l}`);

describe('explainLoadFailure', () => {
  it('names the exception and the innermost frame of a failed import', () => {
    const lines = log([
      "mod_wsgi (pid=23375): Failed to exec Python script file '/srv/root/handler.wsgi'.",
      "mod_wsgi (pid=23375): Exception occurred processing WSGI script '/srv/root/handler.wsgi'.",
      'Traceback (most recent call last):',
      '  File "/srv/root/handler.wsgi", line 47, in <module>',
      '    application, _watched = _load()',
      '  File "/srv/app/app.wsgi", line 3, in <module>',
      '    import missing',
      "ModuleNotFoundError: No module named 'missing'",
    ]);
    expect(explainLoadFailure(lines)).toEqual([
      "ModuleNotFoundError: No module named 'missing'",
      '  at /srv/app/app.wsgi, line 3',
    ]);
  });

  it('reads lines that carry a [remote …] part too', () => {
    const lines = [
      "[x] [wsgi:error] [pid 1:tid 2] [remote 127.0.0.1:5] mod_wsgi (pid=1): Failed to exec Python script file '/r/handler.wsgi'.",
      '[x] [wsgi:error] [pid 1:tid 2] [remote 127.0.0.1:5] Traceback (most recent call last):',
      '[x] [wsgi:error] [pid 1:tid 2] [remote 127.0.0.1:5]   File "/a.py", line 9, in <module>',
      '[x] [wsgi:error] [pid 1:tid 2] [remote 127.0.0.1:5] SyntaxError: invalid syntax',
    ];
    expect(explainLoadFailure(lines)).toEqual(['SyntaxError: invalid syntax', '  at /a.py, line 9']);
  });

  it('finds nothing in a log without a failed import', () => {
    const lines = log([
      'AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations',
      'Traceback (most recent call last):',
    ]);
    expect(explainLoadFailure(lines)).toBeUndefined();
  });

  it('waits for the exception line before saying anything', () => {
    const lines = log([
      "mod_wsgi (pid=1): Failed to exec Python script file '/r/handler.wsgi'.",
      'Traceback (most recent call last):',
      '  File "/a.py", line 9, in <module>',
    ]);
    expect(explainLoadFailure(lines)).toBeUndefined();
  });
});

describe('importState', () => {
  const alive = (pids: number[]) => (pid: number) => pids.includes(pid);

  it('a daemon gone before its import finished has died; mod_wsgi gives the status when logged', () => {
    const lines = log([
      'express-wsgi (pid=10): importing /srv/app.wsgi',
      "mod_wsgi (pid=10): Process 'localhost:80' terminated by signal 11",
      'express-wsgi (pid=11): importing /srv/app.wsgi',
    ]);
    expect(importState(lines, alive([11]))).toEqual({
      died: { file: '/srv/app.wsgi', pid: 10, code: 11, restarts: 1 },
      exited: undefined,
      pending: { file: '/srv/app.wsgi', pid: 11 },
      imported: false,
    });
  });

  it('daemons importing side by side, all alive, have not died; finished imports are not pending', () => {
    const lines = log([
      'express-wsgi (pid=10): importing /srv/app.wsgi',
      'express-wsgi (pid=11): importing /srv/app.wsgi',
      'express-wsgi (pid=11): imported /srv/app.wsgi',
      'express-wsgi (pid=10): imported /srv/app.wsgi',
    ]);
    expect(importState(lines, alive([10, 11]))).toEqual({
      died: undefined,
      exited: undefined,
      pending: undefined,
      imported: true,
    });
  });

  it('sys.exit() during the import is reported with its file', () => {
    const lines = log([
      'express-wsgi (pid=10): importing /srv/app.wsgi',
      'express-wsgi (pid=10): exited sys.exit(4) was called while importing the application',
    ]);
    expect(importState(lines, alive([10])).exited).toEqual({
      file: '/srv/app.wsgi',
      detail: 'sys.exit(4) was called while importing the application',
    });
  });
});
