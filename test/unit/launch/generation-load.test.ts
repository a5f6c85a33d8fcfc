/** What the error log says of a restart's new generation loading the app (src/launch/generation-load.ts). */
import { describe, expect, it } from '@jest/globals';

import { generationLoad } from '../../../src/launch/generation-load.js';

const line = (pid: number, message: string) =>
  `[Thu Dec 03 18:00:00.000000 2026] [wsgi:error] [pid ${pid}:tid ${pid}] ${message}`;
const failing = (pid: number) => [
  line(pid, `express-wsgi (pid=${pid}): importing /srv/app.wsgi`),
  line(pid, `mod_wsgi (pid=${pid}): Failed to exec Python script file '/srv/root/handler.wsgi'.`),
  line(pid, 'Traceback (most recent call last):'),
  line(pid, '  File "/srv/helper.py", line 1, in <module>'),
  line(pid, "ModuleNotFoundError: No module named 'missing'"),
];

it('explains one daemon’s failed import though another daemon’s lines come in between', () => {
  const [a, b] = [failing(11), failing(12)];
  // Two daemons importing side by side: their tracebacks interleave line by line.
  const lines = a.flatMap((l, i) => [l, b[i] as string]);
  const seams = { groupOf: () => 10, alive: () => true };
  expect(generationLoad(lines, 10, new Map(), seams)).toEqual({
    state: 'failed',
    why: ["ModuleNotFoundError: No module named 'missing'", '  at /srv/helper.py, line 1'],
  });
});

describe('when the application is imported at start and its markers are logged (awaitImport)', () => {
  const seams = { groupOf: () => 10, alive: () => true };

  it('is still loading while no import has finished: no line yet is not a success', () => {
    expect(generationLoad([], 10, new Map(), seams, true)).toEqual({ state: 'loading' });
    expect(generationLoad([], 10, new Map(), seams, false)).toEqual({ state: 'loaded' });
  });

  it('is loaded once one of its daemons has imported, and failed as soon as the traceback is there', () => {
    const imported = [
      line(11, 'express-wsgi (pid=11): importing /srv/app.wsgi'),
      line(11, 'express-wsgi (pid=11): imported /srv/app.wsgi'),
    ];
    expect(generationLoad(imported, 10, new Map(), seams, true)).toEqual({ state: 'loaded' });
    expect(generationLoad(failing(12), 10, new Map(), seams, true)).toMatchObject({ state: 'failed' });
  });

  it('does not count an import of the old generation', () => {
    const old = [
      line(21, 'express-wsgi (pid=21): importing /srv/app.wsgi'),
      line(21, 'express-wsgi (pid=21): imported /srv/app.wsgi'),
    ];
    const groups = { groupOf: (pid: number) => (pid === 21 ? 20 : 10), alive: () => true };
    expect(generationLoad(old, 10, new Map(), groups, true)).toEqual({ state: 'loading' });
  });
});
