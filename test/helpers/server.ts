/**
 * Shared helpers for the integration tests: a fresh temp directory with the fixtures copied in,
 * starting the built CLI's Apache and stopping it (leaving no process behind; the spawning itself
 * is launcher.mjs, shared with bench/), and plain HTTP requests to 127.0.0.1.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  cpSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from '@jest/globals';

import {
  CLI,
  type Exit,
  FIXTURES,
  freePort,
  killRoot,
  launch,
  type Launcher,
  loopbackArgs,
  processesOf,
  stopLauncher,
  waitFor,
  waitReady,
  within,
} from './launcher.mjs';
import { scratchDir } from './scratch.mjs';

export {
  CLI,
  type Exit,
  FIXTURES,
  freePort,
  GiveUp,
  killRoot,
  loopbackArgs,
  processesOf,
  REPO,
  waitFor,
  waitReady,
  within,
} from './launcher.mjs';

function chmodTree(path: string): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) {
      chmodTree(join(path, name));
    }
  } else {
    chmodSync(path, 0o644);
  }
}

const workdirs = new Map<string, () => void>();

/**
 * A fresh directory (mode 0755) holding a copy of fixtures/, readable by www-data, the account
 * Apache serves as when the tests run as root. The launcher runs with it as its cwd.
 */
export function makeWorkdir(): string {
  const { path, remove } = scratchDir('ewit');
  cpSync(FIXTURES, path, { recursive: true });
  chmodTree(path);
  workdirs.set(path, remove);
  return path;
}

export function removeWorkdirs(): void {
  for (const remove of workdirs.values()) {
    remove();
  }
  workdirs.clear();
}

/** A launcher started by startServer(), with its piped or FIFO output collected. */
export type Server = Launcher;

const running = new Set<Server>();
const readers = new Map<string, Socket[]>();
const roots = new Set<string>();

/** Registers a server root (e.g. one started by apachectl) for stopAll() to clean up. */
export function trackRoot(root: string): void {
  roots.add(root);
}

export interface StartOptions {
  /** Directory the launcher runs in; a fresh makeWorkdir() when omitted. */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
  /** The subcommand; start-server unless told. */
  readonly command?: string;
  /**
   * 'sockets' (Node's default: its child pipes are UNIX socket pairs, as under systemd's journal)
   * or 'pipes' (FIFOs: real pipes, as in a shell pipeline or a container runtime).
   */
  readonly stdio?: 'sockets' | 'pipes';
  /** false: return as soon as the launcher is spawned, before Apache answers (then waitReady()). */
  readonly ready?: boolean;
}

/** A FIFO in `dir`: our non-blocking read end as a stream, and a write end to hand to a child. */
function fifo(dir: string, name: string): { reader: Socket; writeFd: number } {
  const path = join(dir, name);
  execFileSync('mkfifo', ['-m', '600', path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  return { reader: new Socket({ fd: readFd, readable: true, writable: false }), writeFd };
}

/** Runs `node dist/cli.js start-server ARGS --host 127.0.0.1 --port P --server-root CWD/root`. */
export async function startServer(args: readonly string[], options: StartOptions = {}): Promise<Server> {
  const cwd = options.cwd ?? makeWorkdir();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(args, options, cwd);
    } catch (error) {
      // Something else took the port between freePort() and Apache's bind: try another.
      if (attempt < 3 && error instanceof PortTaken) {
        continue;
      }
      throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(args: readonly string[], options: StartOptions, cwd: string): Promise<Server> {
  const port = await freePort();
  const root = join(cwd, 'root');
  roots.add(root);
  const pipes =
    options.stdio === 'pipes'
      ? { out: fifo(cwd, `.stdout.${port}.fifo`), err: fifo(cwd, `.stderr.${port}.fifo`) }
      : undefined;
  const writeFds = pipes ? [pipes.out.writeFd, pipes.err.writeFd] : [];
  readers.set(root, pipes ? [pipes.out.reader, pipes.err.reader] : []);
  const server = await launch(args, {
    cwd,
    root,
    port,
    command: options.command,
    env: options.env,
    stdio: pipes ? ['ignore', ...writeFds] : undefined,
  });
  for (const fd of writeFds) {
    closeSync(fd); // the child has its copy; EOF comes when the last process holding one exits
  }
  pipes?.out.reader.setEncoding('utf8').on('data', (d: string) => server.append('stdout', d));
  pipes?.err.reader.setEncoding('utf8').on('data', (d: string) => server.append('stderr', d));
  running.add(server);
  if (options.ready === false) {
    return server;
  }

  try {
    await waitReady(server, options.readyTimeoutMs);
  } catch (error) {
    // Give the pipes a moment's chance to deliver what the launcher said before it died.
    await within(server.exited, 200);
    let log = '';
    try {
      log = readFileSync(join(root, 'error_log'), 'utf8').slice(-3000);
    } catch {
      // no error log (yet)
    }
    const [out, err] = [server.stdout(), server.stderr()];
    const message = `${(error as Error).message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}\n--- error_log ---\n${log}`;
    await stopServer(server);
    throw /Address already in use/.test(err + log) ? new PortTaken(message) : new Error(message);
  }
  return server;
}

/**
 * One server for all the tests of a describe block (which must not stopAll after each): started
 * by `start` in a beforeAll, stopped in an afterAll. The returned function gives it to the tests.
 */
export function serverForAll(start: () => Promise<Server>): () => Server {
  let server: Server | undefined;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    if (server) {
      await stopServer(server);
    }
  });
  return () => {
    if (!server) {
      throw new Error('the shared server is started in beforeAll: use it in a test');
    }
    return server;
  };
}

/**
 * SIGTERMs the launcher and waits (with a deadline) for it to exit, then kills anything still
 * running from its server root. Returns how the launcher exited.
 */
export async function stopServer(server: Server, timeoutMs = 20_000): Promise<Exit | undefined> {
  const exit = await stopLauncher(server, timeoutMs);
  for (const reader of readers.get(server.root) ?? []) {
    reader.destroy();
  }
  readers.delete(server.root);
  running.delete(server);
  return exit;
}

/** For afterEach: stops every server this test file started, kills leftovers, removes temp dirs. */
export async function stopAll(): Promise<void> {
  for (const server of [...running]) {
    await stopServer(server);
  }
  for (const root of [...roots]) {
    await killRoot(root);
  }
  roots.clear();
  removeWorkdirs();
}

// Whatever a test file left behind (servers it did not stop, temp directories) goes when it ends.
afterAll(stopAll);

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as received (not decompressed). */
  readonly body: Buffer;
  readonly text: string;
}

/** A GET to 127.0.0.1 with node:http: no connection reuse and no transparent decompression. */
export function get(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET expecting JSON (e.g. from environ.wsgi); fails with the body when it is not. */
export async function getJson<T = Record<string, string>>(url: string): Promise<{ status: number; json: T }> {
  const res = await get(url);
  try {
    return { status: res.status, json: JSON.parse(res.text) as T };
  } catch {
    throw new Error(`GET ${url}: status ${res.status}, not JSON: ${res.text.slice(0, 500)}`);
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin (which is then closed). */
  readonly input?: string;
  /** When the command has no exit status (it could not start, or was killed), add the reason to stderr. */
  readonly explainFailures?: boolean;
}

/** Runs a command to completion (with a deadline), never rejecting on a non-zero status. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 30_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const reason = error && code === null && options.explainFailures ? error.message : '';
        resolve({ code, stdout, stderr: `${stderr}${reason}` });
      },
    );
    if (options.input !== undefined) {
      // A command that exits without reading its input closes the pipe: that is not an error here.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
  });
}

/** `node dist/cli.js ARGS` run to completion. */
export function runCli(args: readonly string[], cwd: string): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { cwd });
}

/**
 * `setup-server hello.wsgi` (or `app`, plus `extra`) into a fresh root (CWD/root unless `root` is
 * given), for the tests that drive the generated apachectl themselves.
 */
export async function setUpApachectl(extra: readonly string[] = [], root?: string, app = 'hello.wsgi') {
  const cwd = makeWorkdir();
  const serverRoot = root ?? join(cwd, 'root');
  trackRoot(serverRoot);
  const port = await freePort();
  const setup = await runCli(['setup-server', app, ...loopbackArgs(port, serverRoot), ...extra], cwd);
  expect(setup).toMatchObject({ code: 0 });
  return {
    cwd,
    root: serverRoot,
    port,
    url: `http://127.0.0.1:${port}/`,
    apachectl: join(serverRoot, 'apachectl'),
  };
}

/** The parent of process `pid` (/proc/PID/stat), or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Whether process `pid` exists (a zombie too). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** The Apache parents of a server root: its httpd processes whose parent is none of its processes. */
export function apacheParents(root: string): number[] {
  const all = processesOf(root);
  return all.filter(
    (pid) => !all.includes(parentOf(pid) as number) && commandOf(pid).includes('-f'), // not apachectl
  );
}

/** The mod_wsgi daemons (children named "(wsgi:...") of an Apache parent. */
export function daemonsOf(parent: number): number[] {
  let children: string[];
  try {
    children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').split(' ').filter(Boolean);
  } catch {
    return [];
  }
  return children.map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('(wsgi:');
    } catch {
      return false;
    }
  });
}

/** `apachectl start`, then waits (with a deadline) until Apache answers 200. */
export async function startAndAnswer(apachectl: string, cwd: string, url: string): Promise<void> {
  expect(await run(apachectl, ['start'], { cwd })).toMatchObject({ code: 0 });
  await waitFor(
    () => get(url, {}, 2_000).then((r) => r.status === 200),
    20_000,
    'Apache to answer after apachectl start',
  );
}
