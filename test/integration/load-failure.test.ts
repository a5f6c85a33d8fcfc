/** An application that fails to import is reported by the launcher in plain words, not only as 500s. */
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
  // The import has happened once a request is served; the watch would have reported by then.
  expect((await fetch(server.url)).status).toBe(200);
  expect(server.stderr()).not.toContain('failed to load');
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
