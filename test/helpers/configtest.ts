/**
 * Shared plumbing for the integration tests that put options through the built CLI's setup-server
 * and then let the real tools judge the files it wrote: Apache's own configtest (through the
 * generated apachectl), `sh -n` on apachectl and Python's compiler on the .wsgi scripts. Also a
 * workspace (a temp directory readable by www-data) for those server roots, and a small pool to
 * run the cases a few at a time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { scratchDir } from './scratch.mjs';
import { CLI, run } from './server.js';

/** How a command ended: its exit status (null when it had none), and what it wrote. */
export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** This process's environment without what npm sets for its scripts (jest runs under `npm run jest`). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|INIT_CWD$)/i.test(name)));
}

export interface ToolOptions {
  /** The environment; cleanEnv() when omitted. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin. */
  readonly input?: string;
}

/**
 * Runs a command in `cwd` to completion (20 s at most); never rejects. A command that could not
 * start or was killed has status null, with the reason at the end of its stderr.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  cwd: string,
  options: ToolOptions = {},
): Promise<Ran> {
  const { code, stdout, stderr } = await run(command, args, {
    cwd,
    env: options.env ?? cleanEnv(),
    timeoutMs: 20_000,
    input: options.input,
    explainFailures: true,
  });
  return { status: code, stdout, stderr };
}

/** How many cases to check at once: each is mostly node and Apache start-up. */
export const PARALLEL = Math.max(2, availableParallelism());

/** Starts every job, at most `limit` at a time, in order; each promise settles with its own job's result. */
export function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T>[] {
  const slots = jobs.map(() => {
    let settle!: (value: T) => void;
    const promise = new Promise<T>((resolve) => (settle = resolve));
    return { promise, settle };
  });
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      (slots[k] as (typeof slots)[number]).settle(await (jobs[k] as () => Promise<T>)());
    }
  };
  for (let w = 0; w < limit; w++) {
    void worker();
  }
  return slots.map((s) => s.promise);
}

/** A minimal WSGI script, enough for setup-server and configtest. */
export const EMPTY_APP = 'def application(environ, start_response):\n    return []\n';

/** Workspaces made here, each with the function that removes it. */
const workspaces = new Map<string, () => void>();

/**
 * A fresh workspace `$TMPDIR/ew-NAME-PID-RANDOM` (its real path, mode 0755, so that Apache's children
 * can read it when the tests run as root) with the given subdirectories (mode 0755) in it. Fails
 * at once when the CLI has not been built.
 */
export function makeWorkspace(name: string, dirs: readonly string[] = ['roots']): string {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run npm run build first`);
  }
  const { path: ws, remove } = scratchDir(`ew-${name}`);
  workspaces.set(ws, remove);
  for (const dir of dirs) {
    mkdirSync(join(ws, dir), { recursive: true, mode: 0o755 });
  }
  return ws;
}

/** Writes files (path under `ws` → contents), readable by everyone. */
export function writeFiles(ws: string, files: Record<string, string | Buffer>): void {
  for (const [name, contents] of Object.entries(files)) {
    writeFileSync(join(ws, name), contents, { mode: 0o644 });
  }
}

/** Removes a workspace made by makeWorkspace() (nothing when it was never made). */
export function removeWorkspace(ws: string | undefined): void {
  if (ws) {
    workspaces.get(ws)?.();
    workspaces.delete(ws);
  }
}

/** A file's text, or '' when it does not exist. */
export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** `node dist/cli.js setup-server ARGS` in `cwd`. */
export function setupServer(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return runTool(process.execPath, [CLI, 'setup-server', ...args], cwd, { env });
}

/** `ROOT/apachectl configtest`: Apache reads the whole configuration, loads every module, checks every directive. */
export function runConfigtest(root: string, cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return runTool(join(root, 'apachectl'), ['configtest'], cwd, { env });
}

/** `SHELL -n ROOT/apachectl`: the generated apachectl parses as a shell script. */
export function shellSyntax(root: string, cwd: string, shell = '/bin/sh'): Promise<Ran> {
  return runTool(shell, ['-n', join(root, 'apachectl')], cwd);
}

/** `python3 -m py_compile FILE`: a generated script compiles. */
export function pyCompile(file: string, cwd: string, python = '/usr/bin/python3'): Promise<Ran> {
  return runTool(python, ['-m', 'py_compile', file], cwd);
}

export interface SetupOutcome {
  readonly root: string;
  /** setup-server itself. */
  readonly setup: Ran;
  /** ROOT/httpd.conf ('' when it was not written). */
  readonly conf: string;
  /** ROOT/apachectl ('' when it was not written). */
  readonly apachectl: string;
  readonly configtest: Ran;
}

/** setup-server ARGS --server-root ROOT in `cwd`, then what it wrote and Apache's configtest of it. */
export async function setupAndConfigtest(
  args: readonly string[],
  root: string,
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<SetupOutcome> {
  const setup = await setupServer([...args, '--server-root', root], cwd, env);
  return { root, setup, ...(await checkRoot(root, cwd, env)) };
}

/** What setup-server wrote into `root` (httpd.conf, apachectl) and Apache's configtest of it. */
export async function checkRoot(
  root: string,
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ conf: string; apachectl: string; configtest: Ran }> {
  const conf = readIfExists(join(root, 'httpd.conf'));
  const apachectl = readIfExists(join(root, 'apachectl'));
  return { conf, apachectl, configtest: await runConfigtest(root, cwd, env) };
}

/** A case that setup-server must refuse: its arguments and a text the error message contains. */
export interface Refusal {
  readonly args: readonly string[];
  readonly message: string;
}

/**
 * setup-server for each argument list, two at a time, each into its own server root
 * `WS/roots/refused-I`: for options that must be refused before anything is written.
 */
export function setupRefused(
  argLists: readonly (readonly string[])[],
  ws: string,
): Promise<{ root: string; setup: Ran }>[] {
  return pool(
    argLists.map((args, i) => async () => {
      const root = join(ws, 'roots', `refused-${i}`);
      return { root, setup: await setupServer([...args, '--server-root', root], ws) };
    }),
    2,
  );
}
