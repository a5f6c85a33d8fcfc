/** An application that fails to import is reported by the launcher in plain words, not only as 500s. */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);
jest.setTimeout(60_000);

it('says which exception stopped the application from loading, and where', async () => {
  const server = await startServer(['import-error.wsgi']);
  await waitFor(() => server.stderr().includes('the application failed to load'), 10_000, 'the load report');
  await waitFor(() => server.stderr().includes('(full traceback in'), 5_000, 'the whole report');
  expect(server.stderr()).toContain("ModuleNotFoundError: No module named 'express_wsgi_no_such_module'");
  expect(server.stderr()).toMatch(/at \S+\/import-error\.wsgi, line 2/);
  expect((await fetch(server.url)).status).toBe(500);
});

it('says nothing of the kind when the application loads', async () => {
  const server = await startServer(['hello.wsgi']);
  // The import has happened once a request is served.
  expect((await fetch(server.url)).status).toBe(200);
  // Silence alone proves nothing: the watch looks at the log every 200 ms, for 5 s after Ready.
  // So it is given a failure to find after the successful load: once it reports that one, it has
  // read (and passed over) everything the load wrote, and it reports only the first it finds.
  const at = '[Thu Dec 03 00:00:00.000000 2026] [wsgi:error] [pid 1:tid 2] ';
  appendFileSync(
    join(server.root, 'error_log'),
    [
      "mod_wsgi (pid=1): Failed to exec Python script file '/planted.wsgi'.",
      'Traceback (most recent call last):',
      '  File "/planted.wsgi", line 7, in <module>',
      'PlantedError: the proof that the watch read the log',
    ]
      .map((line) => `${at}${line}\n`)
      .join(''),
  );
  await waitFor(
    () => server.stderr().includes('PlantedError'),
    10_000,
    'the watch to report the planted failure',
  );
  expect(server.stderr().match(/failed to load/g)).toHaveLength(1);
  expect(server.stderr()).toContain(
    '  PlantedError: the proof that the watch read the log\n    at /planted.wsgi, line 7',
  );
});

// Issue 11 item 9: an import that never finishes or ends its process is reported, within a bound.
describe('an import that hangs, exits or crashes', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'import-hang.wsgi',
      ['--startup-timeout', '3'],
      /importing \S+import-hang\.wsgi \(pid \d+\) has not finished after 3 s/,
    ],
    [
      'import-exit.wsgi',
      [],
      /daemon process \(pid \d+\) importing \S+import-exit\.wsgi died with exit status or signal 3 .*before the import finished/,
    ],
    [
      'import-segv.wsgi',
      [],
      /daemon process \(pid \d+\) importing \S+import-segv\.wsgi died with exit status or signal 11 .*before the import finished/,
    ],
    [
      'import-sysexit.wsgi',
      [],
      /the application \S+import-sysexit\.wsgi stopped its own import: sys\.exit\(4\)/,
    ],
  ];
  it.each(cases)('%s is reported in plain words', async (app, args, message) => {
    const server = await startServer([app, ...args]);
    await waitFor(() => message.test(server.stderr()), 30_000, `the report for ${app}`);
    if (app !== 'import-hang.wsgi' && app !== 'import-sysexit.wsgi') {
      expect(server.stderr()).toMatch(/keeps restarting it/);
    }
  });
});
