// `node bench/compat-modules.mjs [REPS]`: what loading the modules mod_wsgi-express always loads
// (feature compat: access_compat, authn_core, env, headers, filter) costs. The same generated
// httpd.conf is started by bare Apache with and without those five LoadModule blocks, interleaved:
// time from spawn to the first HTTP 200, and the RSS of every server process once it answers.
// Loopback only. Prints medians and writes bench/results/compat-modules-<date>.json.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';

import {
  CLI,
  ensureBuilt,
  freePort,
  loopbackArgs,
  machine,
  median,
  saveResults,
  waitFor,
  workdir,
} from './lib.mjs';

const REPS = Number(process.argv[2] ?? 9);
const COMPAT = ['access_compat', 'authn_core', 'env', 'headers', 'filter'];
const log = (line) => process.stderr.write(`${line}\n`);

function ok(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Kilobytes of resident memory of every process whose command line names the server root. */
function rssOf(root) {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(root)) {
        continue;
      }
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb;
}

async function once(httpd, root, conf, port) {
  const started = performance.now();
  const child = spawn(httpd, ['-d', root, '-f', conf, '-DFOREGROUND'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => ok(`http://127.0.0.1:${port}/`), 30_000, 'HTTP 200', 20);
    const ms = performance.now() - started;
    return { ms, rssKb: rssOf(root) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

ensureBuilt();
log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${REPS} interleaved repetitions`,
);
const cwd = workdir('hello.wsgi');
const port = await freePort();
const root = join(cwd, 'root');
execFileSync(process.execPath, [CLI, 'setup-server', 'hello.wsgi', ...loopbackArgs(port, root)], {
  cwd,
  stdio: 'ignore',
});
const full = join(root, 'httpd.conf');
const httpd = /Self-contained: `(\S+) -f/.exec(readFileSync(full, 'utf8'))?.[1] ?? '/usr/sbin/apache2';
const without = join(root, 'httpd-without-compat.conf');
let text = readFileSync(full, 'utf8');
for (const m of COMPAT) {
  text = text.replace(new RegExp(`<IfModule !${m}_module>\\n[^\\n]*\\n</IfModule>\\n`), '');
}
writeFileSync(without, text);

const runs = { with: [], without: [] };
for (let i = 0; i < REPS; i++) {
  for (const [name, conf] of i % 2
    ? [
        ['without', without],
        ['with', full],
      ]
    : [
        ['with', full],
        ['without', without],
      ]) {
    runs[name].push(await once(httpd, root, conf, port));
  }
}
const summary = Object.fromEntries(
  Object.entries(runs).map(([name, rs]) => [
    name,
    { msToFirst200: median(rs.map((r) => r.ms)), rssKb: median(rs.map((r) => r.rssKb)) },
  ]),
);
console.log(JSON.stringify(summary, null, 2));
log(`saved ${saveResults('compat-modules', { machine: machine(), loadavg: loadavg(), runs, summary })}`);
rmSync(cwd, { recursive: true, force: true });
