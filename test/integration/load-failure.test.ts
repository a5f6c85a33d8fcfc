/** An application that fails to import is reported by the launcher in plain words, not only as 500s. */
import { afterEach, expect, it } from '@jest/globals';

import { startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

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
