/**
 * Code reloading in daemon mode: a changed entry-point file restarts the daemon before the next
 * request (mod_wsgi asks handler.wsgi's reload_required), --disable-reloading turns that off, and
 * --reload-on-changes also watches every module the application imported.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { makeWorkdir, startServer, stopAll, waitFor, within } from '../helpers/server.js';

afterEach(stopAll);

const app = (version: string) => `import os
import helper

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%s %s %d' % (${JSON.stringify(version)}, helper.MESSAGE, os.getpid())).encode()]
`;
const helper = (message: string) => `MESSAGE = ${JSON.stringify(message)}\n`;

function workdirWithApp(): string {
  const cwd = makeWorkdir();
  writeFileSync(join(cwd, 'versioned.wsgi'), app('v1'));
  writeFileSync(join(cwd, 'helper.py'), helper('one'));
  return cwd;
}

const body = async (url: string) => (await fetch(url)).text();

it('reloads when the entry-point file changes', async () => {
  const cwd = workdirWithApp();
  const server = await startServer(['versioned.wsgi'], { cwd });
  const [, , firstPid] = (await body(server.url)).split(' ');
  writeFileSync(join(cwd, 'versioned.wsgi'), app('v2'));
  // reload_required runs before each request, so the first request after the change sees it.
  const [version, , pid] = (await body(server.url)).split(' ');
  expect(version).toBe('v2');
  expect(pid).not.toBe(firstPid);
});

it('does not reload with --disable-reloading', async () => {
  const cwd = workdirWithApp();
  const server = await startServer(['versioned.wsgi', '--disable-reloading'], { cwd });
  const first = await body(server.url);
  writeFileSync(join(cwd, 'versioned.wsgi'), app('v2'));
  for (let i = 0; i < 3; i++) {
    expect(await body(server.url)).toBe(first);
  }
});

it('with --reload-on-changes, reloads when an imported module changes', async () => {
  const cwd = workdirWithApp();
  const server = await startServer(['versioned.wsgi', '--reload-on-changes'], { cwd });
  expect(await body(server.url)).toMatch(/^v1 one \d+$/);
  writeFileSync(join(cwd, 'helper.py'), helper('two'));
  const reloaded = await waitFor(
    async () => /^v1 two \d+$/.test(await body(server.url)),
    15_000,
    'the daemon to restart with the changed module',
  );
  expect(reloaded).toBe(true);
});

it('a stop while a SIGUSR2 reload is pending cancels it without a word', async () => {
  // Issue 11, item 17: the new daemon never serves (its import hangs), so the reload waits for it.
  const cwd = workdirWithApp();
  const server = await startServer(['versioned.wsgi'], { cwd });
  expect(await body(server.url)).toMatch(/^v1 one \d+$/);
  writeFileSync(join(cwd, 'helper.py'), `import time\ntime.sleep(600)\n${helper('two')}`);
  server.child.kill('SIGUSR2');
  await waitFor(
    () => server.stdout().includes('reloading the application: 1 mod_wsgi'),
    10_000,
    'the reload',
  );
  server.child.kill('SIGINT');
  expect(await within(server.exited, 30_000)).toBe(true);
  expect(server.exit).toEqual({ code: 0, signal: null });
  expect(server.stdout() + server.stderr()).not.toMatch(
    /no new daemon process served|reloading the application: done/,
  );
});
