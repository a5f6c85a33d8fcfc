/**
 * setup-server, then the generated <root>/apachectl drives a daemonised Apache: start, graceful,
 * configtest, stop. (graceful and restart under load: apachectl-generations.test.ts.)
 */
import { chmodSync, chownSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import {
  daemonsOf,
  freePort,
  get,
  loopbackArgs,
  makeWorkdir,
  processesOf,
  run,
  runCli,
  setUpApachectl,
  startAndAnswer,
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

    const setup = await runCli(['setup-server', 'hello.wsgi', ...loopbackArgs(port, root)], cwd);
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
    // graceful returns once a new Apache serves in place of the old one, which has stopped
    // (issue 17: not Apache's own restart, which keeps the parent process).
    expect(readPid(root)).not.toBe(parent);
    expect(processesOf(root)).toContain(readPid(root));
    expect(processesOf(root)).not.toContain(parent);
    expect(readFileSync(join(root, 'error_log'), 'utf8')).not.toMatch(/SIGUSR1 received/);
    const after = await get(url);
    expect(after.status).toBe(200);
    expect(after.text).toBe('Hello from hello.wsgi\n');

    const configtest = await run(apachectl, ['configtest'], { cwd });
    expect(configtest.code).toBe(0);
    expect(`${configtest.stdout}${configtest.stderr}`).toContain('Syntax OK');

    const stop = await run(apachectl, ['stop'], { cwd });
    expect(stop).toMatchObject({ code: 0 });
    await waitFor(() => processesOf(root).length === 0, 20_000, 'every process of the server root to exit');
    await expect(get(url, {}, 2_000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

const setUp = (extra: readonly string[] = []) => setUpApachectl(extra);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A daemon serves once it has started its request threads (as src/launch/daemons.ts judges). */
function serving(pid: number): boolean {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) > 1;
  } catch {
    return false;
  }
}

describe('apachectl and what is left of a server (issue 11 item 4)', () => {
  test('after its parent was SIGKILLed, apachectl stop stops the children and daemons left', async () => {
    const { cwd, root, url, apachectl } = await setUp(['--processes', '2']);
    await startAndAnswer(apachectl, cwd, url);
    const parent = await waitFor(
      () => (existsSync(join(root, 'httpd.pid')) ? readPid(root) : undefined),
      5_000,
      'httpd.pid',
    );
    await waitFor(() => daemonsOf(parent).length === 2, 10_000, 'both daemons');
    process.kill(parent, 'SIGKILL');
    await waitFor(
      () => !alive(parent) || /^Z/m.test(readFileSync(`/proc/${parent}/stat`, 'utf8').split(') ')[1] ?? ''),
      10_000,
      'the parent to die',
    );
    // Its children and daemons serve on, unsupervised.
    expect(processesOf(root).filter((p) => p !== parent).length).toBeGreaterThan(0);

    const stop = await run(apachectl, ['stop'], { cwd });
    expect(stop.code).toBe(0);
    await waitFor(() => processesOf(root).length === 0, 20_000, 'every process of the server root to exit');
    expect(stop.stdout).toContain('no Apache parent process; stopping what is left of this server');
    await expect(get(url, {}, 2_000)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
  });
});

describe('apachectl refuses kept files someone else could have changed (issue 11 item 2)', () => {
  test('envvars writable by its group: start refuses, naming the file, and starts nothing', async () => {
    const { cwd, root, apachectl } = await setUp();
    const envvars = join(root, 'envvars');
    chmodSync(envvars, 0o664);
    const start = await run(apachectl, ['start'], { cwd });
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(
      `${apachectl}: ${envvars} can be written by its group (mode 664); refusing to use it. Fix its owner and mode, or remove it.\n`,
    );
    expect(processesOf(root)).toEqual([]);
  });

  test('rewrite.conf writable by anyone: refused too', async () => {
    const { cwd, root, apachectl } = await setUp();
    chmodSync(join(root, 'rewrite.conf'), 0o646);
    const start = await run(apachectl, ['start'], { cwd });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`${join(root, 'rewrite.conf')} can be written by anyone (mode 646)`);
    expect(processesOf(root)).toEqual([]);
  });

  (process.getuid?.() === 0 ? test : test.skip)(
    'as root, an envvars another user owns is refused',
    async () => {
      const { cwd, root, apachectl } = await setUp();
      const envvars = join(root, 'envvars');
      chownSync(envvars, 65534, 65534);
      const start = await run(apachectl, ['start'], { cwd });
      expect(start.code).toBe(1);
      expect(start.stderr).toContain(
        `${envvars} belongs to uid 65534, not to you (uid 0) or root; refusing to use it.`,
      );
      expect(processesOf(root)).toEqual([]);
    },
  );
});

describe('apachectl reload-app (issue 11, "Also")', () => {
  test('replaces the daemons one at a time under load: no request fails, one always serves, every pid changes', async () => {
    const { cwd, root, url, apachectl } = await setUp(['--processes', '3']);
    await startAndAnswer(apachectl, cwd, url);
    const parent = readPid(root);
    const before = await waitFor(
      () => {
        const daemons = daemonsOf(parent);
        return daemons.length === 3 && daemons.every(serving) ? daemons : undefined;
      },
      20_000,
      'three serving daemons',
    );

    // Requests keep flowing (four at a time) throughout the reload, and the daemons are sampled:
    // a rolling reload keeps at least one serving at every moment; all at once would not.
    let loading = true;
    const failures: string[] = [];
    let answered = 0;
    let leastServing = before.length;
    const worker = async () => {
      while (loading) {
        try {
          const res = await get(url, {}, 30_000);
          if (res.status === 200) {
            answered++;
          } else {
            failures.push(`status ${res.status}`);
          }
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const sampler = async () => {
      while (loading) {
        leastServing = Math.min(leastServing, daemonsOf(parent).filter(serving).length);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = [worker(), worker(), worker(), worker(), sampler()];
    await waitFor(() => answered > 20, 10_000, 'the load to get going');
    const reload = await run(apachectl, ['reload-app'], { cwd, timeoutMs: 120_000 });
    const during = answered;
    await waitFor(() => answered > during + 20, 10_000, 'requests after the reload');
    loading = false;
    await Promise.all(load);

    expect(reload).toMatchObject({ code: 0 });
    expect(failures).toEqual([]);
    expect(leastServing).toBeGreaterThan(0);
    const after = daemonsOf(parent);
    expect(after).toHaveLength(3);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    expect(reload.stdout).toContain('3 mod_wsgi daemon process(es) restart gracefully, one at a time');
    expect(reload.stdout).toContain('reloading the application: done');

    expect((await run(apachectl, ['stop'], { cwd })).code).toBe(0);
    await waitFor(() => processesOf(root).length === 0, 20_000, 'Apache to stop');
  });
});
