// Shared pieces of the benchmark scripts: a temp app directory, starting and stopping the built
// launcher, wrk runs parsed into numbers, medians, and results written as JSON.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../', import.meta.url));
export const CLI = join(REPO, 'dist', 'cli.js');

export function ensureBuilt() {
  if (!existsSync(CLI)) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  }
}

/** wrk comes from Debian; install it when missing (the harness runs as root on CI machines). */
export function ensureWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    if (error.code !== 'ENOENT' && error.status !== undefined) {
      return; // wrk --version exits 1 but exists
    }
    execFileSync(
      'sh',
      ['-c', 'apt-get install -y -qq wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)'],
      {
        stdio: 'inherit',
      },
    );
  }
}

/** A fresh 0755 directory with the given fixtures copied in (readable by www-data as root). */
export function workdir(...fixtures) {
  const dir = mkdtempSync(join(tmpdir(), 'ewbench-'));
  chmodSync(dir, 0o755);
  for (const f of fixtures) {
    const target = join(dir, f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(REPO, 'fixtures', f), target);
    chmodSync(target, 0o644);
  }
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(fn, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) {
      return v;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `express-wsgi start-server ARGS` and resolves once it prints its Ready line. */
export async function startLauncher(args, cwd) {
  const port = await freePort();
  const root = join(cwd, `root-${port}`);
  const child = spawn(
    process.execPath,
    [CLI, 'start-server', ...args, '--host', '127.0.0.1', '--port', String(port), '--server-root', root],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor(() => /^Ready:/m.test(out) || child.exitCode !== null, 30_000, 'Ready');
  if (child.exitCode !== null) {
    throw new Error(`launcher exited: ${out}`);
  }
  return { child, port, root, url: `http://127.0.0.1:${port}/`, exited, output: () => out };
}

export async function stopLauncher(launcher) {
  launcher.child.kill('SIGTERM');
  return launcher.exited;
}

/** Runs wrk and returns requests, req/s, errors and latency percentiles (ms). */
export function wrk(url, { connections = 16, seconds = 5, threads = 2 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [
      '-t',
      String(threads),
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--latency',
      url,
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', () => resolve(parseWrk(out)));
  });
}

const ms = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[unit] ?? 1);

export function parseWrk(text) {
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(text);
    return m ? ms(m[1], m[2]) : NaN;
  };
  return { requests, rps, socketErrors, non2xx, p50: pct(50), p99: pct(99), raw: text };
}

export const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) {
    return NaN;
  }
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export function saveResults(name, data) {
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export function machine() {
  return {
    node: process.version,
    cpus: (globalThis.navigator?.hardwareConcurrency ?? 0) || undefined,
    date: new Date().toISOString(),
  };
}
