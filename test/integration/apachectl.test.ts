/**
 * setup-server, then the generated <root>/apachectl drives a daemonised Apache: start, graceful,
 * configtest, stop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import {
  freePort,
  get,
  makeWorkdir,
  processesOf,
  run,
  runCli,
  stopAll,
  trackRoot,
  waitFor,
} from '../helpers/server.js';

afterEach(stopAll);

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

describe('setup-server + apachectl', () => {
  test('start, serve, graceful, configtest, stop', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const apachectl = join(root, 'apachectl');

    const setup = await runCli(
      ['setup-server', 'hello.wsgi', '--host', '127.0.0.1', '--port', String(port), '--server-root', root],
      cwd,
    );
    expect(setup).toMatchObject({ code: 0 });
    expect(setup.stdout).toContain(`${apachectl} start`);
    // setup-server only writes: nothing runs yet.
    expect(processesOf(root)).toEqual([]);

    const start = await run(apachectl, ['start'], { cwd });
    expect(start).toMatchObject({ code: 0 });
    // `apachectl start` returns once Apache has daemonised; it answers soon after.
    const first = await waitFor(
      () => get(url, {}, 5_000).then((r) => (r.status === 200 ? r : undefined)),
      20_000,
      'Apache to answer after apachectl start',
    );
    expect(first.text).toBe('Hello from hello.wsgi\n');
    const parent = await waitFor(
      () => (existsSync(join(root, 'httpd.pid')) ? readPid(root) : undefined),
      5_000,
      'httpd.pid',
    );
    expect(processesOf(root)).toContain(parent);

    const graceful = await run(apachectl, ['graceful'], { cwd });
    expect(graceful).toMatchObject({ code: 0 });
    // A graceful restart is logged and keeps the parent process; the server still answers.
    await waitFor(
      () => /SIGUSR1 received/.test(readFileSync(join(root, 'error_log'), 'utf8')),
      10_000,
      'the graceful restart in the error log',
    );
    const after = await get(url);
    expect(after.status).toBe(200);
    expect(after.text).toBe('Hello from hello.wsgi\n');
    expect(readPid(root)).toBe(parent);

    const configtest = await run(apachectl, ['configtest'], { cwd });
    expect(configtest.code).toBe(0);
    expect(`${configtest.stdout}${configtest.stderr}`).toContain('Syntax OK');

    const stop = await run(apachectl, ['stop'], { cwd });
    expect(stop).toMatchObject({ code: 0 });
    await waitFor(() => processesOf(root).length === 0, 20_000, 'every process of the server root to exit');
    await expect(get(url, {}, 2_000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
