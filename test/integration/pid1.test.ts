/**
 * PID 1 of a container, without Docker: a new PID namespace (util-linux unshare) makes the first
 * process PID 1, which gets no default signal actions and must stop cleanly on SIGTERM. Two
 * shapes: the launcher as PID 1 (start-server), and the Docker example's entrypoint, which execs
 * apachectl so that httpd itself is PID 1.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { launch, waitReady } from '../helpers/launcher.mjs';
import {
  CLI,
  freePort,
  makeWorkdir,
  processesOf,
  REPO,
  stopAll,
  trackRoot,
  waitFor,
} from '../helpers/server.js';

/** Runs a command as PID 1 of a new PID namespace (with its own /proc). */
const UNSHARE = ['unshare', '--fork', '--pid', '--mount-proc'];

// Unprivileged users cannot make PID namespaces here; the PID 1 checks need root.
const canUnshare = (() => {
  try {
    execFileSync(UNSHARE[0] as string, [...UNSHARE.slice(1), 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const describeAsRoot = canUnshare ? describe : describe.skip;

let namespace: ChildProcess | undefined;
afterEach(async () => {
  namespace?.kill('SIGKILL');
  await stopAll();
});

/** The host pid of the namespace's PID 1: the child of unshare's own process. */
function pid1Of(unsharePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  } catch {
    return undefined;
  }
}

const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

async function startInNamespace(command: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const [file, ...args] = [...UNSHARE, ...command];
  const child = spawn(file as string, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  namespace = child;
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describeAsRoot('as PID 1 of a PID namespace', () => {
  it('the launcher serves and stops cleanly on SIGTERM with status 0', async () => {
    const ns = await launch(['hello.wsgi'], { cwd: makeWorkdir(), wrap: UNSHARE });
    namespace = ns.child;
    trackRoot(ns.root);
    await waitReady(ns).catch((error: Error) => {
      throw new Error(`${error.message}\n${ns.stdout()}${ns.stderr()}`);
    });
    const pid1 = pid1Of(ns.child.pid as number) as number;
    expect(commandOf(pid1)).toContain(CLI);
    expect((await fetch(`${ns.url}/`)).status).toBe(200);

    process.kill(pid1, 'SIGTERM');
    await expect(ns.exited).resolves.toEqual({ code: 0, signal: null });
    expect(processesOf(ns.root)).toEqual([]);
  });

  it('the Docker entrypoint makes httpd itself PID 1, which stops cleanly on SIGTERM', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const ns = await startInNamespace(
      [
        'sh',
        join(REPO, 'examples/docker/entrypoint.sh'),
        'hello.wsgi',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      cwd,
      { EXPRESS_WSGI: `${process.execPath} ${CLI}`, EXPRESS_WSGI_ROOT: root },
    );
    const url = `http://127.0.0.1:${port}/`;
    await waitFor(() => fetch(url).then((r) => r.status === 200), 30_000, 'Apache to answer').catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${ns.output()}`);
      },
    );
    const pid1 = pid1Of(ns.child.pid as number) as number;
    expect(commandOf(pid1)).toMatch(/apache2|httpd/);
    expect(processesOf(root)).toContain(pid1);

    process.kill(pid1, 'SIGTERM');
    await expect(ns.exited).resolves.toBe(0);
    expect(processesOf(root)).toEqual([]);
  });
});
