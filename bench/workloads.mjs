// `npm run bench:workloads` (issue 16): applications that spend time in Python, under crowds.
//   node bench/workloads.mjs [--quick] [--only flask-json,flask-page,django,slow]
// Four workloads (fixtures/workloads/): a Flask JSON API (a query parsed, ~2 KB of JSON), a Flask
// page rendered with Jinja2 (~10 KB), a Django view rendering a template from a SQLite read, and a
// view that waits 100 ms (I/O). Each under wrk at 16, 64 and 256 connections against express-wsgi
// with default flags, sized for the machine and in embedded mode, and gunicorn sync (its documented
// 2 × cores + 1 workers) and gthread (cores × 5 threads), all in one interleaved run: every
// repetition starts every server afresh, in the same order. Reports req/s, p50/p99, errors (socket
// errors and non-2xx), the memory of every server process, and each server's ratio to the best
// gunicorn configuration for that workload and crowd. Loopback only. Writes
// bench/results/workloads-<date>.json, from which bench/report.mjs writes docs/performance.md's tables.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, cpSync, openSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

import {
  benchArgs,
  CLI,
  ensureBuilt,
  ensureGunicorn,
  ensureWrk,
  freePort,
  launch,
  median,
  REPO,
  saveResults,
  workdir,
  wrk,
} from './lib.mjs';
import { family, firstOk, now, rssKiB, stopAll } from './processes.mjs';

const CORES = cpus().length;
const CONNECTIONS = [16, 64, 256];
const log = (line) => process.stderr.write(`${line}\n`);

/** Which app serves a workload, at which URL, and whether it is bound by the CPU (the goals differ). */
const WORKLOADS = {
  'flask-json': { app: 'flask', path: '/api?category=books&limit=12&offset=3', cpuBound: true },
  'flask-page': { app: 'flask', path: '/page', cpuBound: true },
  django: { app: 'django', path: '/products?category=garden', cpuBound: true },
  slow: { app: 'flask', path: '/slow', cpuBound: false },
};
const { quick: QUICK, only: ONLY } = benchArgs(Object.keys(WORKLOADS));
const REPS = QUICK ? { runs: 1, seconds: 2 } : { runs: 3, seconds: 5 };
for (const name of ONLY) {
  if (!WORKLOADS[name]) {
    log(`--only: no workload "${name}"; there are ${Object.keys(WORKLOADS).join(', ')}`);
    process.exit(2);
  }
}

/** The WSGI entry point of each app, for express-wsgi (a script) and gunicorn (module:callable). */
const APPS = {
  flask: { script: 'flask_workloads.py', chdir: '.', module: 'flask_workloads:application' },
  django: { script: 'catalog_site/wsgi.py', chdir: 'catalog_site', module: 'wsgi:application' },
};

const SERVERS = {
  'express-wsgi (default flags)': { express: [] },
  [`express-wsgi --processes ${CORES} (sized for the machine)`]: { express: ['--processes', String(CORES)] },
  'express-wsgi --embedded-mode': { express: ['--embedded-mode'] },
  [`gunicorn sync ${2 * CORES + 1}`]: {
    gunicorn: ['--worker-class', 'sync', '--workers', String(2 * CORES + 1)],
  },
  [`gunicorn gthread ${CORES}x5`]: {
    gunicorn: ['--worker-class', 'gthread', '--workers', String(CORES), '--threads', '5'],
  },
};

ensureBuilt();
ensureWrk();
ensureGunicorn();

const dir = workdir();
cpSync(join(REPO, 'fixtures', 'workloads'), dir, { recursive: true });
// The SQLite database the Django view reads, made afresh (and the same) for every run.
execFileSync('/usr/bin/python3', [join(dir, 'catalog_site', 'seed.py')], { cwd: dir, stdio: 'inherit' });
readableByAll(dir);
const logFd = openSync(join(dir, 'servers.log'), 'a');

/** As root the servers run as www-data: everything in the scratch copy must be readable by it. */
function readableByAll(path) {
  const stat = statSync(path);
  chmodSync(path, stat.isDirectory() ? 0o755 : 0o644);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      readableByAll(join(path, entry));
    }
  }
}

async function start(server, app) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  if (server.express) {
    const root = join(dir, `root-${port}`);
    const { child } = await launch([APPS[app].script, ...server.express], {
      cli: CLI,
      cwd: dir,
      port,
      root,
      stdio: ['ignore', logFd, logFd],
    });
    return { child, marker: root, url };
  }
  const child = spawn(
    'gunicorn',
    [...server.gunicorn, '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', APPS[app].module],
    { cwd: join(dir, APPS[app].chdir), stdio: ['ignore', logFd, logFd] },
  );
  return { child, marker: undefined, url };
}

/** The RSS of every process serving (the launcher's own apart: it serves nothing). */
function memoryOf(server) {
  const members = family(server.child.pid, server.marker).filter(
    (p) => !server.marker || p.pid !== server.child.pid,
  );
  return { serverKiB: members.reduce((sum, p) => sum + rssKiB(p.pid), 0), processes: members.length };
}

const runs = {};
const startLoad = loadavg();
const started = now();
if (startLoad[0] > CORES) {
  log(
    `warning: load average ${startLoad[0].toFixed(2)} exceeds the ${CORES} cores: the figures will be noisy`,
  );
}
try {
  for (let rep = 0; rep < REPS.runs; rep++) {
    for (const app of Object.keys(APPS)) {
      const workloads = ONLY.filter((w) => WORKLOADS[w].app === app);
      if (!workloads.length) {
        continue;
      }
      for (const [name, server] of Object.entries(SERVERS)) {
        const running = await start(server, app);
        try {
          if (!(await firstOk(`${running.url}${WORKLOADS[workloads[0]].path}`, running.child))) {
            log(`${name} (${app}): did not answer 200; see ${join(dir, 'servers.log')}`);
            continue;
          }
          for (const workload of workloads) {
            const url = `${running.url}${WORKLOADS[workload].path}`;
            await wrk(url, { connections: 16, seconds: 1 }); // warm-up: every process imports the app
            for (const connections of CONNECTIONS) {
              const r = await wrk(url, { connections, seconds: REPS.seconds });
              delete r.raw;
              const key = `${workload}|${connections}|${name}`;
              (runs[key] ??= []).push({ ...r, ...memoryOf(running) });
              log(`#${rep + 1} ${workload} @${connections} ${name}: ${r.rps} req/s, p99 ${r.p99} ms`);
            }
          }
        } finally {
          await stopAll(running);
        }
      }
    }
  }
} finally {
  closeSync(logFd);
}

// Medians per workload, crowd and server; the ratio to the best gunicorn of the same workload and crowd.
const rows = [];
for (const workload of ONLY) {
  for (const connections of CONNECTIONS) {
    const cell = Object.keys(SERVERS).map((server) => {
      const r = runs[`${workload}|${connections}|${server}`] ?? [];
      return {
        workload,
        connections,
        server,
        gunicorn: Boolean(SERVERS[server].gunicorn),
        rps: median(r.map((x) => x.rps)),
        p50Ms: median(r.map((x) => x.p50)),
        p99Ms: median(r.map((x) => x.p99)),
        // Every run's errors, not the median: one run with errors is a failure.
        errors: r.reduce((sum, x) => sum + x.socketErrors + x.non2xx, 0),
        timeouts: r.reduce((sum, x) => sum + (x.timeouts ?? 0), 0),
        serverMiB: median(r.map((x) => x.serverKiB)) / 1024,
        processes: median(r.map((x) => x.processes)),
        runs: r.length,
      };
    });
    const best = Math.max(
      ...cell
        .filter((c) => c.gunicorn)
        .map((c) => c.rps)
        .filter(Number.isFinite),
    );
    for (const c of cell) {
      rows.push({ ...c, ratioToBestGunicorn: c.rps / best });
    }
  }
}

const endLoad = loadavg();
const results = {
  machine: {
    node: process.version,
    cpus: CORES,
    cpuModel: cpus()[0]?.model,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    uid: process.getuid?.(),
    date: new Date().toISOString(),
    loadAverageAtStart: startLoad,
    loadAverageAtEnd: endLoad,
    noisy: startLoad[0] > CORES,
    quick: QUICK,
    repetitions: REPS,
  },
  workloads: WORKLOADS,
  servers: SERVERS,
  rows,
  elapsedSeconds: (now() - started) / 1000,
};
const file = saveResults(QUICK ? 'workloads-quick' : 'workloads', results);

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const out = [`\nWorkloads, medians of ${REPS.runs} interleaved runs of ${REPS.seconds} s (errors: all runs)`];
out.push(
  `${'workload @connections  server'.padEnd(66)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'errors'.padStart(8)}${'MiB'.padStart(7)}${'x best gunicorn'.padStart(17)}`,
);
for (const r of rows) {
  out.push(
    `${`${r.workload} @${r.connections}  ${r.server}`.padEnd(66)}${f(r.rps).padStart(8)}${f(r.p50Ms, 1).padStart(8)}${f(r.p99Ms, 1).padStart(8)}${String(r.errors).padStart(8)}${f(r.serverMiB).padStart(7)}${f(r.ratioToBestGunicorn, 2).padStart(17)}`,
  );
}
out.push(
  `\nload average ${startLoad.map((x) => x.toFixed(2)).join(' ')} at the start${results.machine.noisy ? ' (NOISY: above the core count)' : ''}, ${endLoad.map((x) => x.toFixed(2)).join(' ')} at the end; ${results.elapsedSeconds.toFixed(0)} s; written to ${file}`,
);
process.stdout.write(`${out.join('\n')}\n`);
