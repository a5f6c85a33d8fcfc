/**
 * What an apachectl killed (kill -9) in the middle of a graceful leaves, and what the next command
 * makes of it (templates/apachectl/generations.hbs): stop and graceful-stop end every Apache of the
 * server root in one run, and only those; httpd.pid never goes missing, since no Apache this
 * apachectl starts detached has it as its own pid file; the server root holds only the current
 * generation's runtime files after a restart; and `apachectl status` says what runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import {
  alive,
  apacheParents,
  get,
  processesOf,
  run,
  setUpApachectl,
  startAndAnswer,
  stopAll,
  waitFor,
} from '../helpers/server.js';

const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
  }
  await stopAll();
});

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

/** The runtime files in the server root: pid files (temporary ones too) and daemon sockets. */
const runtimeFiles = (root: string) =>
  readdirSync(root).filter((name) => /\.pid$|\.sock$|^httpd\.pid\./.test(name));

/**
 * `apachectl graceful`, killed with SIGKILL once `when` holds: its new Apache runs on beside the
 * old one, which nothing told to stop. Resolves with the Apache parents then running.
 */
async function killGracefulWhen(
  apachectl: string,
  cwd: string,
  root: string,
  when: (output: string) => boolean,
): Promise<void> {
  const child = spawn(apachectl, ['graceful'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_, signal) => resolve(signal)),
  );
  await waitFor(() => when(output), 20_000, 'the moment to kill apachectl graceful', 5);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

/** Killed as soon as the new Apache has written its pid file: both run, httpd.pid names the old one. */
async function twoGenerations(apachectl: string, cwd: string, root: string): Promise<[number, number]> {
  const before = readPid(root);
  await killGracefulWhen(apachectl, cwd, root, () =>
    readdirSync(root).some(
      (name) =>
        name.startsWith('.httpd.generation-') &&
        Number(readFileSync(join(root, name), 'utf8').trim() || 0) !== before,
    ),
  );
  await waitFor(() => apacheParents(root).length === 2, 10_000, 'two Apaches');
  const [other] = apacheParents(root).filter((pid) => pid !== before);
  expect(readPid(root)).toBe(before);
  return [before, other as number];
}

describe('apachectl killed with SIGKILL during a graceful, both Apaches left running', () => {
  test.each(['stop', 'graceful-stop'])(
    'one apachectl %s ends both (and a stale temporary pid file goes), not another server root',
    async (command) => {
      const other = await setUpApachectl();
      await startAndAnswer(other.apachectl, other.cwd, other.url);
      const [othersApache] = apacheParents(other.root);
      const { cwd, root, url, apachectl } = await setUpApachectl();
      await startAndAnswer(apachectl, cwd, url);
      const [before, next] = await twoGenerations(apachectl, cwd, root);
      // As a kill between write_pid_file's mktemp and its rename leaves.
      writeFileSync(join(root, 'httpd.pid.tmp.Xy12Ab'), `${next}\n`);

      const status = await run(apachectl, ['status'], { cwd });
      expect(status.code).toBe(0);
      const since = 'since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d';
      const listens = `listens on 127\\.0\\.0\\.1:${new URL(url).port}`;
      expect(status.stdout.trim().split('\n')).toHaveLength(2);
      expect(status.stdout).toMatch(
        new RegExp(`^pid ${before} \\(generation 1, current\\) ${listens} ${since}`, 'm'),
      );
      expect(status.stdout).toMatch(new RegExp(`^pid ${next} \\(generation 2\\) ${listens} ${since}`, 'm'));

      const stop = await run(apachectl, [command], { cwd });
      expect(stop).toMatchObject({ code: 0, stderr: '' });
      expect(stop.stdout).toContain(`${command}: also stopping Apache (pid ${next}) of ${root}`);
      expect(processesOf(root)).toEqual([]);
      expect(runtimeFiles(root)).toEqual([]);
      expect((await run(apachectl, ['status'], { cwd })).code).toBe(3);
      // The other server root's Apache serves on.
      expect(apacheParents(other.root)).toEqual([othersApache]);
      expect((await get(other.url)).status).toBe(200);
    },
  );

  test('the next graceful first stops the one left beside, then replaces the running one', async () => {
    const { cwd, root, url, apachectl } = await setUpApachectl();
    await startAndAnswer(apachectl, cwd, url);
    const [before, next] = await twoGenerations(apachectl, cwd, root);
    const graceful = await run(apachectl, ['graceful'], { cwd });
    expect(graceful).toMatchObject({ code: 0, stderr: '' });
    expect(graceful.stdout).toContain(`first stopping an Apache (pid ${next})`);
    const parents = apacheParents(root);
    expect(parents).toHaveLength(1);
    expect(parents).not.toContain(before);
    expect(parents).not.toContain(next);
    expect(readPid(root)).toBe(parents[0]);
    expect((await get(url)).status).toBe(200);
    expect((await run(apachectl, ['stop'], { cwd })).code).toBe(0);
    expect(processesOf(root)).toEqual([]);
  });
});

test('a generation pid file naming a process that is no Apache of this root: stop leaves it alone', async () => {
  const { cwd, root, url, apachectl } = await setUpApachectl();
  await startAndAnswer(apachectl, cwd, url);
  const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(bystander);
  writeFileSync(join(root, '.httpd.generation-2.pid'), `${bystander.pid}\n`);
  expect(await run(apachectl, ['stop'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  expect(processesOf(root)).toEqual([]);
  expect(alive(bystander.pid as number)).toBe(true);
  expect(runtimeFiles(root)).toEqual([]);
});

test('httpd.pid names the running Apache after apachectl was killed once the new one served', async () => {
  const { cwd, root, url, apachectl } = await setUpApachectl();
  await startAndAnswer(apachectl, cwd, url);
  for (let i = 0; i < 2; i++) {
    const before = readPid(root);
    await killGracefulWhen(apachectl, cwd, root, (output) => output.includes('serves; the previous one'));
    const [current] = apacheParents(root).filter((pid) => pid !== before);
    expect(current).toBeDefined();
    // Whether or not it got there, the old one is told to stop, as apachectl would have.
    if (alive(before)) {
      process.kill(before, 'SIGWINCH');
    }
    await waitFor(() => !apacheParents(root).includes(before), 20_000, 'the old Apache to stop');
    expect(existsSync(join(root, 'httpd.pid'))).toBe(true);
    expect(readPid(root)).toBe(current);
    expect((await get(url)).status).toBe(200);
  }
  // The next graceful leaves only the current generation's runtime files.
  writeFileSync(join(root, 'httpd.pid.tmp.Xy12Ab'), '');
  expect(await run(apachectl, ['graceful'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  const [current] = apacheParents(root);
  expect(apacheParents(root)).toHaveLength(1);
  for (const name of runtimeFiles(root)) {
    if (name.endsWith('.sock')) {
      expect(name.startsWith(`wsgi.${current}.`)).toBe(true);
    } else {
      expect([name, readFileSync(join(root, name), 'utf8').trim()]).toEqual([name, String(current)]);
    }
  }
  expect(await run(apachectl, ['stop'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  expect(processesOf(root)).toEqual([]);
  expect(runtimeFiles(root)).toEqual([]);
});

describe('apachectl status', () => {
  test('exits 3 when nothing runs, 0 with a line when it runs, 4 when the pid file cannot be read', async () => {
    const { cwd, root, url, apachectl } = await setUpApachectl();
    const idle = await run(apachectl, ['status'], { cwd });
    expect(idle).toMatchObject({ code: 3, stderr: '' });
    expect(idle.stdout).toContain('not running');
    await startAndAnswer(apachectl, cwd, url);
    const pid = readPid(root);
    const running = await run(apachectl, ['status'], { cwd });
    expect(running).toMatchObject({ code: 0, stderr: '' });
    expect(running.stdout).toMatch(
      new RegExp(
        `^pid ${pid} \\(generation 1, current\\) listens on 127\\.0\\.0\\.1:${new URL(url).port} since \\S+ \\S+`,
      ),
    );
    expect(running.stdout.trim().split('\n')).toHaveLength(1);
    // A pid file that is no file to read (chmod 000 would not stop root).
    rmSync(join(root, 'httpd.pid'));
    mkdirSync(join(root, 'httpd.pid'));
    const unknown = await run(apachectl, ['status'], { cwd });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('cannot tell');
    rmSync(join(root, 'httpd.pid'), { recursive: true });
    writeFileSync(join(root, 'httpd.pid'), `${pid}\n`);
    expect((await run(apachectl, ['stop'], { cwd })).code).toBe(0);
    expect((await run(apachectl, ['status'], { cwd })).code).toBe(3);
  });

  test('is in the usage text', async () => {
    const { cwd, apachectl } = await setUpApachectl();
    const help = await run(apachectl, ['--help'], { cwd });
    expect(help.stdout).toContain('start|stop|restart|graceful|graceful-stop|status|');
  });
});

// Adversarial pass: the new Apache's parent SIGKILLed while its application imports. The shell had
// reaped it before apachectl looked for its group, so its orphaned children ran on, holding the
// port without a daemon socket, and every later graceful was refused as onto another's port.
test('a new Apache killed while it starts leaves nothing: the next graceful replaces the running one', async () => {
  const { cwd, root, url, apachectl } = await setUpApachectl([], undefined, 'generation.wsgi');
  await startAndAnswer(apachectl, cwd, url);
  const [before] = apacheParents(root);
  writeFileSync(join(cwd, 'slow-import'), '3');
  const graceful = run(apachectl, ['graceful'], { cwd });
  // Its own pid file names it as soon as it runs (it imports for 3 s after that).
  const newParent = await waitFor(
    () =>
      readdirSync(root)
        .filter((name) => /^\.httpd\.generation-\d\.pid$/.test(name))
        .map((name) => Number(readFileSync(join(root, name), 'utf8').trim()))
        .find((pid) => pid > 0 && pid !== before && alive(pid)),
    20_000,
    'the new Apache to start',
  );
  process.kill(newParent, 'SIGKILL');
  const failed = await graceful;
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain('exited with status 137 before it served');
  // Nothing of the killed one is left: every process of the root is the running Apache's.
  const group = (pid: number) =>
    Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3]);
  await waitFor(
    () => processesOf(root).every((pid) => group(pid) === group(before as number)),
    10_000,
    "the killed Apache's children to be gone",
  );
  rmSync(join(cwd, 'slow-import'));
  expect(await run(apachectl, ['graceful'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  expect((await get(url)).text).toBe('2');
});
