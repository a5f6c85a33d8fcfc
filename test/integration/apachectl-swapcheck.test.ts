/**
 * What the generated apachectl's swap checks before the new Apache replaces the running one
 * (templates/apachectl/ports.hbs, generations.hbs): the ports it holds, by address and port; an
 * application that fails to import in the new Apache; and messages that name the command, what
 * failed, and that the old one serves on.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  get,
  loopbackArgs,
  parentOf,
  processesOf,
  run,
  runCli,
  setUpApachectl,
  startAndAnswer,
  stopAll,
} from '../helpers/server.js';

afterEach(async () => {
  await stopAll();
});

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

/** The Apache parents of a server root: its httpd processes whose parent is none of its processes. */
function apacheParents(root: string): number[] {
  const all = processesOf(root);
  return all.filter((pid) => {
    let args: string[] = [];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      // gone meanwhile
    }
    return !all.includes(parentOf(pid) as number) && args.includes('-f'); // not apachectl
  });
}

const pidFiles = (root: string) => readdirSync(root).filter((name) => name.endsWith('.pid'));

/** apachectl stop leaves nothing running. */
async function stop(cwd: string, root: string): Promise<void> {
  expect(await run(join(root, 'apachectl'), ['stop'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  expect(processesOf(root)).toEqual([]);
}

/** Reruns setup-server for a server root, with `app` on host:port. */
async function rerun(
  cwd: string,
  root: string,
  port: number,
  host: string,
  app = 'hello.wsgi',
  extra: string[] = [],
) {
  expect(await runCli(['setup-server', app, ...loopbackArgs(port, root, host), ...extra], cwd)).toMatchObject(
    {
      code: 0,
    },
  );
}

/** The old Apache serves on as before: the only one, named by the pid file, answering. */
async function expectServesOn(root: string, before: number, url: string): Promise<void> {
  expect(apacheParents(root)).toEqual([before]);
  expect(readPid(root)).toBe(before);
  // httpd.pid and the pid file of its own that apachectl start gives it: no other generation's.
  expect(pidFiles(root)).toContain('httpd.pid');
  expect(pidFiles(root).length).toBeLessThanOrEqual(2);
  for (const name of pidFiles(root)) {
    expect(readFileSync(join(root, name), 'utf8').trim()).toBe(String(before));
  }
  expect((await get(url)).status).toBe(200);
}

describe('apachectl graceful/restart: the ports the running Apache holds, by address and port', () => {
  // The running Apache holds 127.0.0.1:P, another Apache (with SO_REUSEPORT, as apachectl gives
  // it) 127.0.0.2:P: a rerun onto 127.0.0.2:P, or onto every address of P, is onto the other's.
  it.each([
    ['graceful', '127.0.0.2'],
    ['restart', '0.0.0.0'],
  ])('%s onto %s:P, where another server listens on 127.0.0.2:P, is refused', async (command, host) => {
    const first = await setUpApachectl();
    await startAndAnswer(first.apachectl, first.cwd, first.url);
    const before = readPid(first.root);
    const other = await setUpApachectl();
    await rerun(other.cwd, other.root, first.port, '127.0.0.2');
    const otherUrl = `http://127.0.0.2:${first.port}/`;
    await startAndAnswer(other.apachectl, other.cwd, otherUrl);
    const otherPid = readPid(other.root);
    await rerun(first.cwd, first.root, first.port, host);
    const replaced = await run(first.apachectl, [command], { cwd: first.cwd });
    expect(replaced.stderr).toBe(
      `${first.apachectl}: ${command} failed: httpd.conf listens on ${host}:${first.port}, which another program or server already listens on, so no new Apache was started. ` +
        `The running one (pid ${before}) goes on serving. Stop that other one, or run setup-server again with another --port.\n`,
    );
    expect(replaced.code).toBe(1);
    await expectServesOn(first.root, before, first.url);
    expect(apacheParents(other.root)).toEqual([otherPid]);
    expect((await get(otherUrl)).status).toBe(200);
    // Back on its own address: its own port again, no refusal.
    await rerun(first.cwd, first.root, first.port, '127.0.0.1');
    expect(await run(first.apachectl, ['graceful'], { cwd: first.cwd })).toMatchObject({
      code: 0,
      stderr: '',
    });
    await stop(first.cwd, first.root);
    await stop(other.cwd, other.root);
  });

  it('a running Apache on 0.0.0.0:P holds 127.0.0.1:P, and one on 127.0.0.1:P, 0.0.0.0:P when nobody else is on P', async () => {
    const { cwd, root, port, url, apachectl } = await setUpApachectl();
    await rerun(cwd, root, port, '0.0.0.0');
    await startAndAnswer(apachectl, cwd, url);
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const before = readPid(root);
      await rerun(cwd, root, port, host);
      expect(await run(apachectl, ['graceful'], { cwd })).toMatchObject({ code: 0, stderr: '' });
      expect(apacheParents(root)).toEqual([readPid(root)]);
      expect(readPid(root)).not.toBe(before);
      expect((await get(url)).status).toBe(200);
    }
    await stop(cwd, root);
  });
});

// --disable-reloading: otherwise the old Apache's daemons restart into the edited file at their
// next request (the default reloading of the entry point), and the old one fails as well.
describe.each([
  ['graceful', 'daemon mode', []],
  ['restart', 'daemon mode', []],
  // A worker serves before it imports: the swap waits for the import's outcome.
  ['graceful', 'embedded mode', ['--embedded-mode']],
])('apachectl %s onto an application that fails to import, %s', (command, _, mode) => {
  it('stops the new Apache, the old one serves on, and says why in one sentence', async () => {
    const { cwd, root, url, apachectl } = await setUpApachectl(['--disable-reloading', ...mode]);
    await startAndAnswer(apachectl, cwd, url);
    const before = readPid(root);
    const app = join(cwd, 'hello.wsgi');
    const good = readFileSync(app, 'utf8');
    writeFileSync(app, `raise RuntimeError('broken on purpose')\n${good}`);
    const replaced = await run(apachectl, [command], { cwd });
    expect(replaced.stderr).toBe(
      `${apachectl}: ${command} failed: a new Apache was started from ${root} beside the running one, but the application ${app} ` +
        `failed to import: RuntimeError: broken on purpose, so it was stopped again. The running one (pid ${before}) goes on serving.\n`,
    );
    expect(replaced.code).toBe(1);
    await expectServesOn(root, before, url);
    // Fixed again: the swap goes through.
    writeFileSync(app, good);
    expect(await run(apachectl, [command], { cwd })).toMatchObject({ code: 0, stderr: '' });
    expect(readPid(root)).not.toBe(before);
    await stop(cwd, root);
  });
});

// Adversarial pass: a rerun rewrote handler.wsgi (it names the entry point), and mod_wsgi reloads a
// script whose modification time changed: the running Apache took the rerun's application at its
// next request, before any restart, and a failed graceful left it answering 500s. The rewritten
// handler keeps the old one's modification time (src/server-root/write.ts).
it('a setup-server rerun onto another application changes nothing until a restart, and a failed one keeps the old', async () => {
  const { cwd, root, port, url, apachectl } = await setUpApachectl();
  await startAndAnswer(apachectl, cwd, url);
  const before = readPid(root);
  await rerun(cwd, root, port, '127.0.0.1', 'import-error.wsgi');
  for (let i = 0; i < 5; i++) {
    expect((await get(url)).status).toBe(200);
  }
  const replaced = await run(apachectl, ['graceful'], { cwd });
  expect(replaced.code).toBe(1);
  expect(replaced.stderr).toContain('import-error.wsgi failed to import');
  await expectServesOn(root, before, url);
  await stop(cwd, root);
});

it('apachectl graceful onto an import that does not finish within --ready-timeout says so', async () => {
  const { cwd, root, url, apachectl } = await setUpApachectl(['--ready-timeout', '3', '--disable-reloading']);
  await startAndAnswer(apachectl, cwd, url);
  const before = readPid(root);
  const app = join(cwd, 'hello.wsgi');
  writeFileSync(app, `import time\ntime.sleep(600)\n${readFileSync(app, 'utf8')}`);
  const replaced = await run(apachectl, ['graceful'], { cwd });
  expect(replaced.stderr).toBe(
    `${apachectl}: graceful failed: a new Apache was started from ${root} beside the running one, but its import of ${app} ` +
      `did not finish within 3 s (--ready-timeout), so it was stopped again. The running one (pid ${before}) goes on serving.\n`,
  );
  expect(replaced.code).toBe(1);
  await expectServesOn(root, before, url);
  await stop(cwd, root);
});
