/**
 * Issue 11 item 7: one start-server per server root. Two started together on one root: exactly
 * one becomes Ready and runs its own configuration; the other exits non-zero with one message,
 * having written nothing. apachectl start and setup-server honour the same lock.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import { launch, type Launcher, loopbackArgs, stopLauncher } from '../helpers/launcher.mjs';
import {
  GiveUp,
  freePort,
  get,
  makeWorkdir,
  processesOf,
  run,
  runCli,
  startServer,
  stopAll,
  trackRoot,
  waitFor,
  within,
} from '../helpers/server.js';

const launchers = new Set<Launcher>();

afterEach(async () => {
  for (const launcher of launchers) {
    await stopLauncher(launcher);
  }
  launchers.clear();
  await stopAll();
});

describe('the server root lock', () => {
  test('two start-servers on one server root at once: exactly one runs, with its own configuration', async () => {
    const cwd = makeWorkdir();
    for (let round = 1; round <= 4; round++) {
      const root = join(cwd, `root${round}`);
      trackRoot(root);
      const ports = [await freePort(), await freePort()];
      // Both spawned before either runs: launch() with a port given spawns before it returns.
      const pair = await Promise.all(ports.map((port) => launch(['hello.wsgi'], { cwd, root, port })));
      pair.forEach((l) => launchers.add(l));

      const { winner, loser } = await waitFor(
        () => {
          const ready = pair.filter((l) => /^Ready: /m.test(l.stdout()));
          const exited = pair.filter((l) => l.exit !== undefined);
          if (exited.length === 2) {
            throw new GiveUp(`both exited: ${pair.map((l) => `${l.exit?.code} ${l.stderr()}`).join(' | ')}`);
          }
          return ready.length === 1 && exited.length === 1 && exited[0] !== ready[0]
            ? { winner: ready[0] as Launcher, loser: exited[0] as Launcher }
            : undefined;
        },
        30_000,
        `round ${round}: one launcher Ready and the other exited`,
      );

      expect(loser.exit).toEqual({ code: 2, signal: null });
      // One message, before anything (not even the summary) was printed. Started a moment late,
      // the loser can find the winner's Apache running already: that refusal is as plain.
      expect(loser.stdout()).toBe('');
      expect(loser.stderr()).toMatch(
        new RegExp(
          `^express-wsgi: error: (--server-root: "${root}" is in use by express-wsgi start-server \\(pid \\d+\\)|an Apache of this server root is already running)`,
        ),
      );
      expect(loser.stderr().match(/error:/g)).toHaveLength(1);
      // The root holds the winner's configuration, and that is what runs: only its port answers.
      const conf = readFileSync(join(root, 'httpd.conf'), 'utf8');
      expect(conf).toContain(`:${winner.port}`);
      expect(conf).not.toContain(`:${loser.port}`);
      expect((await get(`http://127.0.0.1:${winner.port}/`)).text).toBe('Hello from hello.wsgi\n');
      await expect(get(`http://127.0.0.1:${loser.port}/`, {}, 2_000)).rejects.toThrow(/ECONNREFUSED/);

      // Stopped by hand, not by stopLauncher(), which would reap what it left behind.
      winner.child.kill('SIGTERM');
      expect(await within(winner.exited, 20_000)).toBe(true);
      expect(winner.exit).toEqual({ code: 0, signal: null });
      await waitFor(() => processesOf(root).length === 0, 20_000, 'the winner to stop');
    }
  });

  test('a .lock that is a FIFO is refused at once, not waited on', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    mkdirSync(root, { mode: 0o755 });
    execFileSync('mkfifo', [join(root, '.lock')]);
    for (const command of ['setup-server', 'start-server']) {
      const result = await runCli(
        [command, 'hello.wsgi', '--port', String(await freePort()), '--server-root', root],
        cwd,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${JSON.stringify(join(root, '.lock'))} is not a regular file`);
    }
  });

  test('apachectl start refuses a server root a start-server runs, changing nothing', async () => {
    const server = await startServer(['hello.wsgi']);
    const apachectl = join(server.root, 'apachectl');
    const before = processesOf(server.root).sort();

    const start = await run(apachectl, ['start'], { cwd: server.cwd });
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(
      new RegExp(
        `the server root ${server.root} is in use by express-wsgi start-server \\(pid ${server.child.pid}\\)`,
      ),
    );
    expect(processesOf(server.root).sort()).toEqual(before);
    expect((await get(`${server.url}/`)).status).toBe(200);
  });

  // Issue 17: once a start-server serves, setup-server may rewrite its root with other options,
  // and the next SIGHUP starts a new Apache from it (src/launch/generations.ts).
  test('setup-server rewrites the root of a start-server that serves, and SIGHUP puts it in force', async () => {
    const server = await startServer(['hello.wsgi']);
    const extra = join(server.cwd, 'extra');
    mkdirSync(extra);
    writeFileSync(join(extra, 'note.txt'), 'new option\n');
    // Before: the application answers that URL too.
    expect((await get(`${server.url}/extra/note.txt`)).text).not.toBe('new option\n');

    const setup = await runCli(
      [
        'setup-server',
        'hello.wsgi',
        '--url-alias',
        '/extra',
        extra,
        ...loopbackArgs(server.port, server.root),
      ],
      server.cwd,
    );
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(readFileSync(join(server.root, 'httpd.conf'), 'utf8')).toContain(extra);

    process.kill(server.child.pid as number, 'SIGHUP');
    await waitFor(
      () => server.stdout().includes('express-wsgi: restarted:'),
      30_000,
      'the new Apache to serve',
    );
    const note = await get(`${server.url}/extra/note.txt`);
    expect([note.status, note.text]).toEqual([200, 'new option\n']);
    expect((await get(`${server.url}/`)).status).toBe(200);
  });

  test('setup-server may rewrite the root of an Apache started with apachectl (then apachectl graceful)', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const args = ['setup-server', 'hello.wsgi', ...loopbackArgs(port, root)];
    expect((await runCli(args, cwd)).code).toBe(0);
    expect((await run(join(root, 'apachectl'), ['start'], { cwd })).code).toBe(0);
    await waitFor(
      () => get(`http://127.0.0.1:${port}/`, {}, 2_000).then((r) => r.status === 200),
      20_000,
      'Apache',
    );

    // A second start is refused by the lock Apache holds ...
    const again = await run(join(root, 'apachectl'), ['start'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `the server root ${root} is in use by a running Apache of this server root`,
    );
    // ... while rerunning setup-server, the documented way to change that server, still works.
    const rerun = await runCli([...args, '--log-level', 'info'], cwd);
    expect(rerun).toMatchObject({ code: 0 });
    expect((await run(join(root, 'apachectl'), ['stop'], { cwd })).code).toBe(0);
    await waitFor(() => processesOf(root).length === 0, 20_000, 'Apache to stop');
  });
});
