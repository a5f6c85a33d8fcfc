/**
 * --application-type paste: a Paste Deploy .ini (fixtures/paste/, Debian's python3-pastedeploy)
 * with a filter pipeline is loaded and served, and an edit of the .ini reloads it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { makeWorkdir, startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

it('serves the pipeline of a Paste Deploy .ini, and reloads when the .ini changes', async () => {
  const cwd = makeWorkdir();
  const ini = join(cwd, 'paste', 'site.ini');
  // The factories' module sits next to the .ini; --python-path makes it importable.
  const server = await startServer(
    ['paste/site.ini', '--application-type', 'paste', '--python-path', 'paste'],
    {
      cwd,
    },
  );
  expect(server.stdout()).toContain(`Application        : ${ini} (paste)`);

  const first = await fetch(`${server.url}/some/path?x=1`);
  expect(first.status).toBe(200);
  // The filter of the pipeline ran...
  expect(first.headers.get('x-stamp')).toBe('stamped-by-filter');
  // ...in front of the application, built from the .ini's values (%(here)s included).
  expect(await first.json()).toEqual({
    greeting: 'Hello from Paste Deploy',
    here: join(cwd, 'paste'),
    config_file: ini,
    path: '/some/path',
  });

  writeFileSync(ini, readFileSync(ini, 'utf8').replace('Hello from Paste Deploy', 'Changed in the .ini'));
  const second = (await (await fetch(`${server.url}/`)).json()) as { greeting: string };
  expect(second.greeting).toBe('Changed in the .ini');
});
