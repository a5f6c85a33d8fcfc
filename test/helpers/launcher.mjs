// The one way the tests and the benchmarks start the built CLI's server on loopback and take it
// down again: a free port, the spawn with --host/--port/--server-root, polling with a deadline for
// "Ready:", and a stop that ends with nothing left running from the server root.
//
// Plain JavaScript with its types beside it (launcher.d.mts) because bench/ is run by node as it
// is, with no TypeScript step, and the tests import it through ts-jest all the same.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** This checkout's build (a bench may measure another one: launch()'s `cli`). */
export const CLI = join(REPO, 'dist', 'cli.js');
export const FIXTURES = join(REPO, 'fixtures');

/** A port on 127.0.0.1 that was free a moment ago: bind port 0, read the port, close. */
export function freePort() {
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
export async function waitFor(fn, timeoutMs, what = 'condition', intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await fn();
      if (value) {
        return value;
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
export async function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The arguments that put a server on HOST:PORT (127.0.0.1 unless told) with its root at ROOT. */
export function loopbackArgs(port, root, host = '127.0.0.1') {
  return ['--host', host, '--port', String(port), '--server-root', root];
}

/**
 * Spawns `node CLI COMMAND ARGS --host 127.0.0.1 --port PORT --server-root ROOT` in `cwd` (PORT a
 * free one unless given, ROOT `CWD/root` unless given). Returns at once; waitReady() waits.
 */
export async function launch(args, options) {
  // Its own port and root unless told: a new one for every launch.
  const port = options.port ?? (await freePort());
  const root = options.root ?? join(options.cwd, 'root');
  const host = options.host ?? '127.0.0.1';
  const command = [
    // As installed, the bin runs through its #! line; otherwise as `node CLI`.
    ...(options.asInstalled ? [] : [process.execPath]),
    options.cli ?? CLI,
    options.command ?? 'start-server',
    ...args,
    ...loopbackArgs(port, root, host),
  ];
  // A wrapper (a terminal driver, say) gets the whole command line as its arguments.
  const [file, ...argv] = [...(options.wrap ?? []), ...command];
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d) => (err += d));
  const launcher = {
    port,
    root,
    cwd: options.cwd,
    url: `http://${host}:${port}`,
    child,
    stdout: () => out,
    stderr: () => err,
    /** Fed by a caller that reads the output some other way (FIFOs, a terminal). */
    append: (stream, text) => (stream === 'stdout' ? (out += text) : (err += text)),
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        launcher.exit = { code, signal };
        resolve(launcher.exit);
      });
    }),
    exit: undefined,
  };
  return launcher;
}

/** Waits (with a deadline) for the launcher's "Ready:" line; gives up at once if it exits first. */
export function waitReady(launcher, timeoutMs = 30_000) {
  return waitFor(
    () => {
      if (launcher.exit) {
        throw new GiveUp(`launcher exited early (${JSON.stringify(launcher.exit)})`);
      }
      return /^Ready: /m.test(launcher.stdout());
    },
    timeoutMs,
    'the "Ready:" line',
  );
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already, or not ours
  }
}

/** PIDs of processes (other than this one) whose command line names the server root. */
export function processesOf(root) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) {
      continue;
    }
    let args;
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

function pidFromFile(path) {
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
export async function killRoot(root) {
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

/**
 * SIGTERMs the launcher and waits (with a deadline) for it to exit, SIGKILLs it if it does not,
 * then kills anything still running from its server root. Returns how the launcher exited.
 */
export async function stopLauncher(launcher, timeoutMs = 20_000) {
  if (!launcher.exit) {
    signal(launcher.child.pid, 'SIGTERM');
    await within(launcher.exited, timeoutMs);
  }
  if (!launcher.exit) {
    signal(launcher.child.pid, 'SIGKILL');
    await within(launcher.exited, 5_000);
  }
  await killRoot(launcher.root);
  return launcher.exit;
}
