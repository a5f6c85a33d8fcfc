/**
 * What the generated apachectl's swap checks before the new Apache replaces the running one
 * (templates/apachectl/ports.hbs, generations.hbs): the ports it holds, by address and port; an
 * application that fails to import in the new Apache; and messages that name the command, what
 * failed, and that the old one serves on.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
  expect(pidFiles(root)).toEqual(['httpd.pid']);
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
