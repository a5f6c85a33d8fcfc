// `npm run bench`: the performance figures of issue 7 in one run, interleaved repetitions, medians.
//   node bench/run.mjs [--quick] [--only commands,launch,load]
// 1. Command wall time: `node -e 0` vs setup-server, --help, --version, with and without
//    NODE_EXTRA_CA_CERTS (which costs every Node start the parsing of a CA bundle).
// 2. Launch: start-server → first HTTP 200, and SIGTERM → every process gone; the same for bare
//    `apache2 -d ROOT -f ROOT/httpd.conf -DFOREGROUND` on the config setup-server generated.
// 3. Load: wrk at 16 and 256 connections against express-wsgi (default flags, --embedded-mode,
//    --embedded-mode --processes 2 --threads 8), gunicorn gthread 2×5 and sync ×2 on the same app,
//    and a static file through the same Apache; RSS of the launcher and of every server process.
// Loopback only. Prints a table and writes bench/results/bench-<date>.json.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import {
  CLI as BUILT_CLI,
  ensureBuilt,
  ensureWrk,
  freePort,
  launch,
  loopbackArgs,
  median,
  saveResults,
  waitFor,
  workdir,
  wrk,
} from './lib.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? (args[onlyArg + 1] ?? '').split(',') : ['commands', 'launch', 'load', 'scale'];
const REPS = QUICK
  ? { commands: 5, launch: 3, load: 1, seconds: 2 }
  : { commands: 15, launch: 9, load: 3, seconds: 5 };
// EXPRESS_WSGI_CLI=path/to/cli.js measures another build (say, a copy of the previous one).
const CLI = process.env.EXPRESS_WSGI_CLI ?? BUILT_CLI;
// Measured beside it in the same interleaved run, for before/after and against the original:
// EXPRESS_WSGI_CLI_BEFORE=path/to/old/cli.js, MOD_WSGI_EXPRESS=path/to/venv/bin/mod_wsgi-express.
const CLI_BEFORE = process.env.EXPRESS_WSGI_CLI_BEFORE;
const MOD_WSGI_EXPRESS = process.env.MOD_WSGI_EXPRESS;
const log = (line) => process.stderr.write(`${line}\n`);

ensureBuilt();

// ---------------------------------------------------------------------------------------------
// Processes, from /proc: descendants of a PID, processes naming a server root, their RSS.

function procs() {
  const list = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      list.push({ pid: Number(entry), ppid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return list;
}

/** The PID and every process below it, plus any process whose command line names `marker`. */
function family(pid, marker) {
  const all = procs();
  const found = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!found.has(p.pid) && (found.has(p.ppid) || (marker && p.cmdline.includes(marker)))) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => found.has(p.pid));
}

function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Proportional set size: shared pages split between the processes sharing them. */
function pssKiB(pid) {
  return Number(/^Pss:\s+(\d+)/m.exec(safeRead(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0);
}

const alive = (pid) => existsSync(`/proc/${pid}`) && !/\) Z /.test(safeRead(`/proc/${pid}/stat`));
function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Resolves true once GET url answers 200 (polled every few ms), false when the process died first. */
function get(url) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    });
    req.once('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
    req.end();
  });
}

async function firstOk(url, child, deadlineMs = 30_000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if ((await get(url)) === 200) {
      return true;
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > until) {
      return false;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** SIGTERM the server, then wait (bounded) until it and every process of its family are gone. */
async function stopAll(server) {
  const pids = family(server.child.pid, server.marker).map((p) => p.pid);
  const t0 = now();
  server.child.kill('SIGTERM');
  let ok = true;
  try {
    await waitFor(
      () =>
        pids.every((pid) => !alive(pid)) &&
        (!server.marker || family(-1, server.marker).length === 0) &&
        (server.child.exitCode !== null || server.child.signalCode !== null),
      20_000,
      'shutdown',
      20,
    );
  } catch {
    ok = false;
  }
  const ms = now() - t0;
  for (const p of family(server.child.pid, server.marker)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return ok ? ms : NaN;
}

// ---------------------------------------------------------------------------------------------
// Servers under test.

const dir = workdir('hello.wsgi', 'robots.txt');
writeFileSync(join(dir, 'hello_app.py'), readFileSync(join(dir, 'hello.wsgi')));
const logFd = openSync(join(dir, 'servers.log'), 'a');
const env0 = { ...process.env };
const envNoCa = { ...process.env };
delete envNoCa.NODE_EXTRA_CA_CERTS;

/** express-wsgi start-server FLAGS on a fresh port and root; the static file is /static/robots.txt. */
async function startExpress(flags, cli = CLI) {
  const port = await freePort();
  const root = join(dir, `root-${port}`);
  const t0 = now();
  const { child } = await launch(
    ['hello.wsgi', '--url-alias', '/static', join(dir, 'robots.txt'), ...flags],
    {
      cli,
      cwd: dir,
      port,
      root,
      stdio: ['ignore', logFd, logFd],
    },
  );
  return { child, port, marker: root, t0, url: `http://127.0.0.1:${port}/` };
}

/** mod_wsgi-express start-server with the same app, flags, address and kind of root. */
async function startModWsgiExpress(flags) {
  const port = await freePort();
  const root = join(dir, `mwe-${port}`);
  const t0 = now();
  const child = spawn(
    MOD_WSGI_EXPRESS,
    [
      'start-server',
      'hello.wsgi',
      '--url-alias',
      '/static',
      join(dir, 'robots.txt'),
      // As root it must be told the account that express-wsgi picks by itself.
      ...(process.getuid?.() === 0 ? ['--user', 'www-data', '--group', 'www-data'] : []),
      ...flags,
      ...loopbackArgs(port, root),
    ],
    { cwd: dir, stdio: ['ignore', logFd, logFd] },
  );
  return { child, port, marker: root, t0, url: `http://127.0.0.1:${port}/` };
}

/** The same config as startExpress(flags), generated by setup-server and run by apache2 itself. */
async function startBareApache(flags) {
  const port = await freePort();
  const root = join(dir, `bare-${port}`);
  execFileSync(process.execPath, [CLI, 'setup-server', 'hello.wsgi', ...flags, ...loopbackArgs(port, root)], {
    cwd: dir,
    stdio: 'ignore',
  });
  const env = {
    ...process.env,
    MOD_WSGI_SERVER_ROOT: root,
    MOD_WSGI_WORKING_DIRECTORY: dir,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
  const t0 = now();
  const child = spawn('/usr/sbin/apache2', ['-d', root, '-f', join(root, 'httpd.conf'), '-DFOREGROUND'], {
    cwd: dir,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  return { child, port, marker: root, t0, url: `http://127.0.0.1:${port}/` };
}

function ensureGunicorn() {
  if (spawnSync('gunicorn', ['--version'], { stdio: 'ignore' }).error) {
    log('installing gunicorn from Debian …');
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

async function startGunicorn(gunicornArgs) {
  const port = await freePort();
  const t0 = now();
  const child = spawn(
    'gunicorn',
    [...gunicornArgs, '--bind', `127.0.0.1:${port}`, '--log-level', 'warning', 'hello_app:application'],
    { cwd: dir, stdio: ['ignore', logFd, logFd] },
  );
  return { child, port, marker: undefined, t0, url: `http://127.0.0.1:${port}/` };
}

// ---------------------------------------------------------------------------------------------
// 1. Command wall times.

function wall(argv, env) {
  const t0 = now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, env, stdio: 'ignore' });
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${r.status}`);
  }
  return now() - t0;
}

function commands() {
  const setupRoot = join(dir, 'setup-root');
  const cases = {
    'node -e 0': [process.execPath, '-e', '0'],
    'setup-server': [process.execPath, CLI, 'setup-server', 'hello.wsgi', '--server-root', setupRoot],
    '--help': [process.execPath, CLI, '--help'],
    'start-server --help': [process.execPath, CLI, 'start-server', '--help'],
    '--version': [process.execPath, CLI, '--version'],
  };
  if (CLI_BEFORE) {
    cases['setup-server (before)'] = [
      process.execPath,
      CLI_BEFORE,
      'setup-server',
      'hello.wsgi',
      '--server-root',
      `${setupRoot}-before`,
    ];
    cases['--help (before)'] = [process.execPath, CLI_BEFORE, '--help'];
  }
  if (MOD_WSGI_EXPRESS) {
    cases['mod_wsgi-express setup-server'] = [
      MOD_WSGI_EXPRESS,
      'setup-server',
      'hello.wsgi',
      '--server-root',
      `${setupRoot}-mwe`,
    ];
  }
  const envs = process.env.NODE_EXTRA_CA_CERTS
    ? { 'with NODE_EXTRA_CA_CERTS': env0, 'without NODE_EXTRA_CA_CERTS': envNoCa }
    : { 'NODE_EXTRA_CA_CERTS unset': envNoCa };
  const runs = {};
  for (const e of Object.keys(envs)) {
    for (const c of Object.keys(cases)) {
      runs[`${c} | ${e}`] = [];
    }
  }
  for (const env of Object.values(envs)) {
    for (const argv of Object.values(cases)) {
      wall(argv, env); // warm the page cache once
    }
  }
  for (let i = 0; i < REPS.commands; i++) {
    for (const [e, env] of Object.entries(envs)) {
      for (const [c, argv] of Object.entries(cases)) {
        runs[`${c} | ${e}`].push(wall(argv, env));
      }
    }
  }
  for (const root of [setupRoot, `${setupRoot}-before`, `${setupRoot}-mwe`]) {
    rmSync(root, { recursive: true, force: true });
  }
  const rows = [];
  for (const e of Object.keys(envs)) {
    const base = median(runs[`node -e 0 | ${e}`]);
    for (const c of Object.keys(cases)) {
      const m = median(runs[`${c} | ${e}`]);
      rows.push({ command: c, env: e, medianMs: m, ratioToNode: m / base, runs: runs[`${c} | ${e}`] });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 2. Launch → first 200 and SIGTERM → all gone.

async function launches() {
  const kinds = { 'express-wsgi start-server': startExpress, 'bare apache2 -DFOREGROUND': startBareApache };
  if (CLI_BEFORE) {
    kinds['express-wsgi start-server (before)'] = (flags) => startExpress(flags, CLI_BEFORE);
  }
  if (MOD_WSGI_EXPRESS) {
    kinds['mod_wsgi-express start-server'] = startModWsgiExpress;
  }
  const runs = Object.fromEntries(Object.keys(kinds).map((k) => [k, { firstOk: [], allGone: [] }]));
  for (let i = 0; i < REPS.launch; i++) {
    for (const [kind, start] of Object.entries(kinds)) {
      const server = await start([]);
      const ok = await firstOk(server.url, server.child);
      runs[kind].firstOk.push(ok ? now() - server.t0 : NaN);
      runs[kind].allGone.push(await stopAll(server));
    }
  }
  const rows = Object.entries(runs).map(([kind, r]) => ({
    kind,
    firstOkMs: median(r.firstOk),
    allGoneMs: median(r.allGone),
    failures: r.firstOk.filter((x) => !Number.isFinite(x)).length,
    runs: r,
  }));
  const [ew, bare, ...others] = rows;
  rows.push({
    kind: 'launcher overhead (difference)',
    firstOkMs: ew.firstOkMs - bare.firstOkMs,
    allGoneMs: ew.allGoneMs - bare.allGoneMs,
  });
  for (const other of others) {
    rows.push({ kind: `ratio to ${other.kind}`, firstOkMs: ew.firstOkMs / other.firstOkMs, ratio: true });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 3. Load.

const LOAD_CASES = {
  'express-wsgi (default flags)': () => startExpress([]),
  'express-wsgi --processes 2 (daemon, one per core)': () => startExpress(['--processes', '2']),
  'express-wsgi --embedded-mode': () => startExpress(['--embedded-mode']),
  'express-wsgi --embedded-mode --processes 2 --threads 8': () =>
    startExpress(['--embedded-mode', '--processes', '2', '--threads', '8']),
  'gunicorn gthread 2x5': () =>
    startGunicorn(['--worker-class', 'gthread', '--workers', '2', '--threads', '5']),
  'gunicorn sync 2': () => startGunicorn(['--worker-class', 'sync', '--workers', '2']),
};
const CONNECTIONS = [16, 64, 256];
const STATIC_CASE = 'express-wsgi --embedded-mode --processes 2 --threads 8';

async function load() {
  ensureWrk();
  ensureGunicorn();
  const runs = {};
  const add = (name, r) => (runs[name] ??= []).push(r);
  for (let i = 0; i < REPS.load; i++) {
    for (const [name, start] of Object.entries(LOAD_CASES)) {
      const server = await start();
      if (!(await firstOk(server.url, server.child))) {
        log(`${name}: did not answer 200; see ${join(dir, 'servers.log')}`);
        await stopAll(server);
        continue;
      }
      await wrk(server.url, { connections: 16, seconds: 1 }); // warm-up: daemons, imports
      for (const connections of CONNECTIONS) {
        const r = await wrk(server.url, { connections, seconds: REPS.seconds });
        delete r.raw;
        const members = family(server.child.pid, server.marker);
        const launcherRss = server.marker ? rssKiB(server.child.pid) : 0;
        const serverRss = members
          .filter((p) => !server.marker || p.pid !== server.child.pid)
          .reduce((sum, p) => sum + rssKiB(p.pid), 0);
        add(`${name} @${connections}`, {
          ...r,
          launcherRssKiB: launcherRss,
          serverRssKiB: serverRss,
          serverProcesses: members.length - (server.marker ? 1 : 0),
        });
        log(`load #${i + 1} ${name} @${connections}: ${r.rps} req/s p99 ${r.p99} ms`);
      }
      if (name === STATIC_CASE) {
        for (const connections of CONNECTIONS) {
          const r = await wrk(`${server.url}static`, { connections, seconds: REPS.seconds });
          delete r.raw;
          add(`static file through Apache (${name}) @${connections}`, r);
        }
      }
      await stopAll(server);
    }
  }
  return Object.entries(runs).map(([name, r]) => ({
    name,
    rps: median(r.map((x) => x.rps)),
    p50Ms: median(r.map((x) => x.p50)),
    p99Ms: median(r.map((x) => x.p99)),
    errors: Math.max(...r.map((x) => x.socketErrors + x.non2xx)),
    launcherRssMiB: median(r.map((x) => x.launcherRssKiB ?? NaN)) / 1024,
    serverRssMiB: median(r.map((x) => x.serverRssKiB ?? NaN)) / 1024,
    serverProcesses: median(r.map((x) => x.serverProcesses ?? NaN)),
    runs: r,
  }));
}

// ---------------------------------------------------------------------------------------------
// 4. Scale: memory per extra daemon process, and the largest processes × threads that starts and
//    serves 64 connections without an error.

const daemonsOf = (server) =>
  family(server.child.pid, server.marker).filter((p) => p.cmdline.startsWith('(wsgi:'));
const serving = (pid) => Number(/^Threads:\s+(\d+)/m.exec(safeRead(`/proc/${pid}/status`))?.[1] ?? 0) > 1;

async function scale() {
  ensureWrk();
  const memory = [];
  for (const processes of [1, 2, 4, 8]) {
    const server = await startExpress(['--processes', String(processes)]);
    await firstOk(server.url, server.child);
    await waitFor(
      () => daemonsOf(server).filter((p) => serving(p.pid)).length === processes,
      60_000,
      `${processes} daemon processes serving`,
    );
    await wrk(server.url, { connections: 16, seconds: 1 }); // every daemon has served requests
    const daemons = daemonsOf(server);
    const apache = family(server.child.pid, server.marker).filter(
      (p) => p.pid !== server.child.pid && !p.cmdline.startsWith('(wsgi:'),
    );
    const sum = (list, f) => list.reduce((t, p) => t + f(p.pid), 0) / 1024;
    memory.push({
      processes,
      daemonRssMiB: sum(daemons, rssKiB),
      daemonPssMiB: sum(daemons, pssKiB),
      apacheRssMiB: sum(apache, rssKiB),
      apachePssMiB: sum(apache, pssKiB),
    });
    await stopAll(server);
  }
  const [one, , , eight] = memory;
  const perExtraDaemon = {
    rssMiB: (eight.daemonRssMiB - one.daemonRssMiB) / 7,
    pssMiB: (eight.daemonPssMiB - one.daemonPssMiB) / 7,
  };
  const ladder = [];
  for (const [p, t] of [
    [1, 5],
    [2, 25],
    [4, 50],
    [8, 100],
    [16, 100],
    [32, 100],
    [64, 100],
  ]) {
    const server = await startExpress(['--processes', String(p), '--threads', String(t)]);
    const up = await firstOk(server.url, server.child, 60_000);
    const r = up ? await wrk(server.url, { connections: 64, seconds: 2 }) : undefined;
    const errors = r ? r.socketErrors + r.non2xx : NaN;
    ladder.push({ processes: p, threads: t, started: up, rps: r?.rps ?? NaN, errors });
    log(`scale ${p}x${t}: ${up ? `${r.rps} req/s, ${errors} errors` : 'did not start'}`);
    await stopAll(server);
    if (!up || errors > 0) {
      break;
    }
  }
  return { memory, perExtraDaemon, ladder };
}

// ---------------------------------------------------------------------------------------------

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const results = {
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    uid: process.getuid?.(),
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    date: new Date().toISOString(),
    quick: QUICK,
    repetitions: REPS,
  },
};
const started = Date.now();
try {
  if (ONLY.includes('commands')) {
    log('commands …');
    results.commands = commands();
  }
  if (ONLY.includes('launch')) {
    log('launch …');
    results.launch = await launches();
  }
  if (ONLY.includes('load')) {
    log('load …');
    results.load = await load();
  }
  if (ONLY.includes('scale')) {
    log('scale …');
    results.scale = await scale();
  }
} finally {
  closeSync(logFd);
}

const out = [];
if (results.commands) {
  out.push(`\nCommand wall time, medians of ${REPS.commands} interleaved runs`);
  out.push(
    `${'command'.padEnd(32)}${'environment'.padEnd(30)}${'ms'.padStart(8)}${'x node -e 0'.padStart(13)}`,
  );
  for (const r of results.commands) {
    out.push(
      `${r.command.padEnd(32)}${r.env.padEnd(30)}${f(r.medianMs).padStart(8)}${f(r.ratioToNode, 2).padStart(13)}`,
    );
  }
}
if (results.launch) {
  out.push(`\nLaunch, default flags, medians of ${REPS.launch} interleaved runs`);
  out.push(`${'server'.padEnd(34)}${'→ first 200 ms'.padStart(16)}${'SIGTERM → gone ms'.padStart(19)}`);
  for (const r of results.launch) {
    out.push(
      r.ratio
        ? `${r.kind.padEnd(34)}${f(r.firstOkMs, 2).padStart(16)}`
        : `${r.kind.padEnd(34)}${f(r.firstOkMs).padStart(16)}${f(r.allGoneMs).padStart(19)}`,
    );
  }
}
if (results.load) {
  out.push(`\nHello world under wrk (${REPS.seconds} s per run), medians of ${REPS.load} interleaved runs`);
  out.push(
    `${'server @connections'.padEnd(62)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'errors'.padStart(8)}${'launcher MiB'.padStart(13)}${'server MiB (procs)'.padStart(20)}`,
  );
  for (const r of results.load) {
    out.push(
      `${r.name.padEnd(62)}${f(r.rps).padStart(8)}${f(r.p50Ms, 1).padStart(8)}${f(r.p99Ms, 1).padStart(8)}${String(r.errors).padStart(8)}${f(r.launcherRssMiB, 1).padStart(13)}${`${f(r.serverRssMiB, 1)} (${f(r.serverProcesses)})`.padStart(20)}`,
    );
  }
}
if (results.scale) {
  out.push('\nMemory with --processes N (default threads), after serving: MiB');
  out.push(
    `${'processes'.padEnd(12)}${'daemon RSS'.padStart(12)}${'daemon PSS'.padStart(12)}${'Apache RSS'.padStart(12)}${'Apache PSS'.padStart(12)}`,
  );
  for (const m of results.scale.memory) {
    out.push(
      `${String(m.processes).padEnd(12)}${f(m.daemonRssMiB, 1).padStart(12)}${f(m.daemonPssMiB, 1).padStart(12)}${f(m.apacheRssMiB, 1).padStart(12)}${f(m.apachePssMiB, 1).padStart(12)}`,
    );
  }
  const per = results.scale.perExtraDaemon;
  out.push(`each extra daemon process: ${f(per.rssMiB, 1)} MiB RSS, ${f(per.pssMiB, 1)} MiB PSS`);
  out.push('\nLargest --processes x --threads: started, then 2 s of wrk at 64 connections');
  for (const l of results.scale.ladder) {
    out.push(
      `${`${l.processes} x ${l.threads}`.padEnd(12)}${l.started ? `${f(l.rps)} req/s, ${l.errors} errors` : 'did not start'}`,
    );
  }
}
results.elapsedSeconds = (Date.now() - started) / 1000;
out.push(
  `\n${results.elapsedSeconds.toFixed(0)} s; written to ${saveResults(QUICK ? 'bench-quick' : 'bench', results)}`,
);
process.stdout.write(`${out.join('\n')}\n`);
rmSync(dir, { recursive: true, force: true });
