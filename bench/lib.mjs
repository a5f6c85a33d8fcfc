// Shared pieces of the benchmark scripts: a temp app directory, starting and stopping the built
// launcher (the tests' own code for it, test/helpers/launcher.mjs), wrk runs parsed into numbers,
// medians, and results written as JSON.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { CLI, freePort, launch, REPO, stopLauncher, waitReady } from '../test/helpers/launcher.mjs';
import { scratchDir } from '../test/helpers/scratch.mjs';

export {
  CLI,
  freePort,
  launch,
  loopbackArgs,
  REPO,
  stopLauncher,
  waitFor,
} from '../test/helpers/launcher.mjs';

/** The options every bench script takes: --quick, and --only A,B (DEFAULTS when absent). */
export function benchArgs(defaults) {
  const args = process.argv.slice(2);
  const only = args.indexOf('--only');
  return { quick: args.includes('--quick'), only: only >= 0 ? (args[only + 1] ?? '').split(',') : defaults };
}

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

/** gunicorn too, for the comparisons. */
export function ensureGunicorn() {
  if (spawnSync('gunicorn', ['--version'], { stdio: 'ignore' }).error) {
    process.stderr.write('installing gunicorn from Debian …\n');
    execFileSync(
      'sh',
      [
        '-c',
        'apt-get install -y -qq gunicorn >/dev/null || (apt-get update -qq && apt-get install -y -qq gunicorn)',
      ],
      { stdio: 'inherit' },
    );
  }
}

/** A fresh 0755 directory with the given fixtures copied in (readable by www-data as root). */
export function workdir(...fixtures) {
  const dir = scratchDir('ewbench').path; // removed when the bench exits
  for (const f of fixtures) {
    const target = join(dir, f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(REPO, 'fixtures', f), target);
    chmodSync(target, 0o644);
  }
  return dir;
}

/** Starts `express-wsgi start-server ARGS` (root CWD/root-PORT) and resolves once it is Ready. */
export async function startLauncher(args, cwd) {
  const port = await freePort();
  const launcher = await launch(args, { cwd, port, root: join(cwd, `root-${port}`) });
  try {
    await waitReady(launcher);
  } catch (error) {
    await stopLauncher(launcher);
    throw new Error(`${error.message}: ${launcher.stdout()}${launcher.stderr()}`);
  }
  return launcher;
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
  // Of those, the requests wrk gave up on after its 2 s: a crowd waiting for too few threads, not a
  // failed request (the server answers them later), told apart in the reports.
  const timeouts = sock ? Number(sock[4]) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(text);
    return m ? ms(m[1], m[2]) : NaN;
  };
  return { requests, rps, socketErrors, timeouts, non2xx, p50: pct(50), p99: pct(99), raw: text };
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
