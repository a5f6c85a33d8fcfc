/**
 * A restart starts a new, complete Apache generation beside the old one (src/launch/generations.ts,
 * templates/apachectl/generations.hbs). Both write the same logs, and the access log tells which
 * generation served a request when its format asks for %{EXPRESS_WSGI_GENERATION}e: every Apache
 * gets its number (start-server and apachectl pass `-C "Define EXPRESS_WSGI_GENERATION N"`, 1 for
 * the first), which httpd.conf sets in the request's environment, the WSGI environ's too. Daemon
 * mode and embedded mode, since mod_wsgi hands the environment to its daemons itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  getJson,
  parentOf,
  processesOf,
  run,
  type Server,
  setUpApachectl,
  startAndAnswer,
  startServer,
  stopAll,
  stopServer,
  waitFor,
} from '../helpers/server.js';

afterEach(stopAll);

/** The access log's lines: the generation, then the URL path. */
const FORMAT = ['--access-log', '--access-log-format', 'generation=%{EXPRESS_WSGI_GENERATION}e %U'];

const MODES = [
  ['daemon mode', []],
  ['embedded mode', ['--embedded-mode']],
] as const;

const accessLog = (root: string) => {
  try {
    return readFileSync(join(root, 'access_log'), 'utf8');
  } catch {
    return '';
  }
};

/**
 * GET `path` of environ.wsgi: the generation the WSGI environ names. Then waits until the access
 * log has the request's line (Apache writes it once the response is sent) and returns that log.
 */
async function request(url: string, root: string, path: string): Promise<string | undefined> {
  const { status, json } = await getJson(new URL(path, url).href);
  expect(status).toBe(200);
  await waitFor(() => accessLog(root).includes(` ${path}\n`), 10_000, `the access log line of ${path}`);
  return json.EXPRESS_WSGI_GENERATION;
}

/** The access log's lines for the requests made here (the paths starting with /r-). */
const served = (root: string) =>
  accessLog(root)
    .split('\n')
    .filter((line) => line.includes(' /r-'));

/** The Apache parents running for a launcher: its children among the server's processes. */
const apacheParents = (server: Server) =>
  processesOf(server.root).filter((pid) => parentOf(pid) === server.child.pid);

describe.each(MODES)('start-server, %s', (_, mode) => {
  it('the access log and the WSGI environ name generation 1, then 2 after SIGUSR1', async () => {
    const server = await startServer(['environ.wsgi', ...mode, ...FORMAT]);
    const url = `http://127.0.0.1:${server.port}/`;
    expect(await request(url, server.root, '/r-before')).toBe('1');
    process.kill(server.child.pid as number, 'SIGUSR1');
    await waitFor(
      () => server.stdout().includes('express-wsgi: restarted:'),
      30_000,
      'the new generation to serve',
    );
    // The old one stops once its requests are done: then only the new one takes connections.
    await waitFor(() => apacheParents(server).length === 1, 45_000, 'the previous generation to stop');
    expect(await request(url, server.root, '/r-after')).toBe('2');
    expect(served(server.root)).toEqual(['generation=1 /r-before', 'generation=2 /r-after']);
    await stopServer(server);
  });
});

describe.each(MODES)('setup-server, apachectl start and graceful, %s', (_, mode) => {
  it('the access log and the WSGI environ name generation 1, then 2, then 3', async () => {
    const { cwd, root, url, apachectl } = await setUpApachectl(
      [...mode, ...FORMAT],
      undefined,
      'environ.wsgi',
    );
    await startAndAnswer(apachectl, cwd, url);
    expect(await request(url, root, '/r-1')).toBe('1');
    // graceful returns once the previous Apache is gone: only the new one takes connections then.
    // Twice: apachectl's two pid files take turns, its generation numbers go on counting.
    for (const generation of ['2', '3']) {
      const graceful = await run(apachectl, ['graceful'], { cwd });
      expect(graceful).toMatchObject({ code: 0, stderr: '' });
      expect(await request(url, root, `/r-${generation}`)).toBe(generation);
    }
    expect(served(root)).toEqual(['generation=1 /r-1', 'generation=2 /r-2', 'generation=3 /r-3']);
    expect(await run(apachectl, ['stop'], { cwd })).toMatchObject({ code: 0 });
  });
});
