/**
 * Shared helpers for the integration tests: free ports, a fresh temp directory with the fixtures
 * copied in, starting the built CLI's Apache and stopping it (leaving no process behind), polling
 * with a deadline, and plain HTTP requests to 127.0.0.1.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  cpSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll } from '@jest/globals';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO, 'dist', 'cli.js');
export const FIXTURES = join(REPO, 'fixtures');

/** A port on 127.0.0.1 that was free a moment ago: bind port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port from the kernel'))));
    });
  });
}

/** Thrown inside a waitFor() callback to stop polling at once (other errors mean "not yet"). */
export class GiveUp extends Error {}

/** Polls `fn` until it returns a truthy value (which is returned) or the deadline passes. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what = 'condition',
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) {
        return value as NonNullable<T>;
      }
    } catch (error) {
      if (error instanceof GiveUp) {
        throw error;
      }
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits for `promise` at most `ms`; true when it settled in time. Leaves no timer behind. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

const workdirs = new Set<string>();

/**
 * A fresh directory (mode 0755) holding a copy of fixtures/, readable by www-data, the account
 * Apache serves as when the tests run as root. The launcher runs with it as its cwd.
 */
export function makeWorkdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ewit-'));
  cpSync(FIXTURES, dir, { recursive: true });
  chmodTree(dir);
  workdirs.add(dir);
  return dir;
}

export function removeWorkdirs(): void {
  for (const dir of workdirs) {
    rmSync(dir, { recursive: true, force: true });
  }
  workdirs.clear();
}

/** PIDs of processes (other than this one) whose command line names the server root. */
export function processesOf(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) {
      continue;
    }
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    // mod_wsgi daemons overwrite argv[0] with their display name but keep `-d ROOT` after it.
    if (args.some((a) => a === root || a.startsWith(`${root}/`))) {
      pids.push(pid);
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already, or not ours
  }
}

function pidFromFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure nothing runs from `root` any more: asks Apache (httpd.pid) to stop, then SIGKILLs
 * whatever is left. Returns the PIDs that had to be killed.
 */
export async function killRoot(root: string): Promise<number[]> {
  if (!processesOf(root).length) {
    return [];
  }
  const apache = pidFromFile(join(root, 'httpd.pid'));
  if (apache && processesOf(root).includes(apache)) {
    signal(apache, 'SIGTERM');
    try {
      await waitFor(() => processesOf(root).length === 0, 10_000, `Apache of ${root} to stop`);
      return [];
    } catch {
      // fall through to SIGKILL
    }
  }
  const left = processesOf(root);
  for (const pid of left) {
    signal(pid, 'SIGKILL');
  }
  await waitFor(() => processesOf(root).length === 0, 10_000, `processes of ${root} to die`);
  return left;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Server {
  readonly port: number;
  readonly root: string;
  readonly cwd: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the launcher wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the launcher exits. */
  readonly exited: Promise<Exit>;
  /** Set once the launcher has exited. */
  exit?: Exit;
}

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
  const stdio: ('ignore' | 'pipe' | number)[] = pipes ? ['ignore', ...writeFds] : ['ignore', 'pipe', 'pipe'];
  readers.set(root, pipes ? [pipes.out.reader, pipes.err.reader] : []);
  const child = spawn(
    process.execPath,
    [
      CLI,
      options.command ?? 'start-server',
      ...args,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--server-root',
      root,
    ],
    { cwd, env: options.env ?? process.env, stdio },
  );
  for (const fd of writeFds) {
    closeSync(fd); // the child has its copy; EOF comes when the last process holding one exits
  }
  let out = '';
  let err = '';
  (pipes ? pipes.out.reader : child.stdout)?.setEncoding('utf8').on('data', (d: string) => (out += d));
  (pipes ? pipes.err.reader : child.stderr)?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const server: Server = {
    port,
    root,
    cwd,
    url: `http://127.0.0.1:${port}`,
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, sig) => {
        server.exit = { code, signal: sig };
        resolve(server.exit);
      });
    }),
  };
  running.add(server);

  try {
    await waitFor(
      () => {
        if (server.exit) {
          throw new GiveUp(`launcher exited early (${JSON.stringify(server.exit)})`);
        }
        return /^Ready: /m.test(out);
      },
      options.readyTimeoutMs ?? 30_000,
      'the "Ready:" line',
    );
  } catch (error) {
    // Give the pipes a moment's chance to deliver what the launcher said before it died.
    await within(server.exited, 200);
    let log = '';
    try {
      log = readFileSync(join(root, 'error_log'), 'utf8').slice(-3000);
    } catch {
      // no error log (yet)
    }
    const message = `${(error as Error).message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}\n--- error_log ---\n${log}`;
    await stopServer(server);
    throw /Address already in use/.test(err + log) ? new PortTaken(message) : new Error(message);
  }
  return server;
}

/**
 * SIGTERMs the launcher and waits (with a deadline) for it to exit, then kills anything still
 * running from its server root. Returns how the launcher exited.
 */
export async function stopServer(server: Server, timeoutMs = 20_000): Promise<Exit | undefined> {
  if (!server.exit) {
    signal(server.child.pid as number, 'SIGTERM');
    await within(server.exited, timeoutMs);
  }
  if (!server.exit) {
    signal(server.child.pid as number, 'SIGKILL');
    await within(server.exited, 5_000);
  }
  await killRoot(server.root);
  for (const reader of readers.get(server.root) ?? []) {
    reader.destroy();
  }
  readers.delete(server.root);
  running.delete(server);
  return server.exit;
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
