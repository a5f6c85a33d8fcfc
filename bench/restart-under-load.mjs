// What a restart costs while requests are flowing. A load runs for a few seconds against a
// 2 × 5 server while the launcher gets, a third of the way in, one of:
//   SIGUSR1, SIGHUP  start-server's restart since issue 17: a new Apache beside the old one, which
//            then stops gracefully (src/launch/generations.ts); before, Apache's own graceful and
//            hard restart
//   SIGUSR2  express-wsgi's application reload (daemon mode: mod_wsgi's daemons restart one by one
//            from the inside; embedded mode: Apache's graceful restart)
// or nothing (the baseline). Two clients: wrk, which counts every keep-alive connection the server
// closes under it as an error, and bench/load-client.mjs, which retries such a request once on a
// new connection as browsers do (RFC 9112 §9.3.1), so its "failed" is what a user would see.
// For comparison, gunicorn gthread 2 × 5 on the same app gets its own graceful restart, SIGHUP
// (new workers, then the old ones finish their requests). Interleaved repetitions, medians.
//   node bench/restart-under-load.mjs [repetitions] [--quick]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  ensureBuilt,
  ensureGunicorn,
  ensureWrk,
  freePort,
  machine,
  median,
  saveResults,
  startLauncher,
  stopLauncher,
  workdir,
  wrk,
} from './lib.mjs';
import { firstOk, stopAll } from './processes.mjs';

const args = process.argv.slice(2);
const repetitions = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const SECONDS = args.includes('--quick') ? 3 : 6;
const CONNECTIONS = 16;
ensureBuilt();
ensureWrk();
ensureGunicorn();

const CLIENT = fileURLToPath(new URL('./load-client.mjs', import.meta.url));
function retryingClient(url, { connections, seconds }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, url, String(connections), String(seconds)]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.once('error', reject);
    child.once('exit', () => resolve(JSON.parse(out)));
  });
}

const MODES = {
  daemon: ['--processes', '2', '--threads', '5'],
  embedded: ['--embedded-mode', '--processes', '2', '--threads', '5'],
  gunicorn: undefined,
};
// gunicorn's SIGUSR1 reopens its logs and SIGUSR2 starts a new master: only HUP is a restart.
const SIGNALS = { daemon: ['none', 'SIGUSR1', 'SIGHUP', 'SIGUSR2'], gunicorn: ['none', 'SIGHUP'] };
const SCENARIOS = [];
for (const mode of Object.keys(MODES)) {
  for (const signal of SIGNALS[mode] ?? SIGNALS.daemon) {
    for (const client of ['wrk', 'retrying']) {
      SCENARIOS.push({ mode, signal, client });
    }
  }
}
const key = (s) => `${s.mode} ${s.signal} ${s.client}`;
const runs = Object.fromEntries(SCENARIOS.map((s) => [key(s), []]));
const cwd = workdir('hello.wsgi');
writeFileSync(join(cwd, 'hello_app.py'), readFileSync(join(cwd, 'hello.wsgi')));

/** gunicorn gthread 2 × 5 on a free port, shaped like startLauncher()'s result for the loop below. */
async function startGunicorn() {
  const port = await freePort();
  const child = spawn(
    'gunicorn',
    ['--worker-class', 'gthread', '--workers', '2', '--threads', '5', '--bind', `127.0.0.1:${port}`].concat([
      '--log-level',
      'warning',
      'hello_app:application',
    ]),
    { cwd, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  if (!(await firstOk(`${url}/`, child))) {
    await stopAll({ child });
    throw new Error('gunicorn did not answer');
  }
  return { child, url, stop: () => stopAll({ child }) };
}

async function start(mode) {
  if (mode === 'gunicorn') {
    return startGunicorn();
  }
  const launcher = await startLauncher(['hello.wsgi', ...MODES[mode]], cwd);
  return { child: launcher.child, url: launcher.url, stop: () => stopLauncher(launcher) };
}

for (let i = 0; i < repetitions; i++) {
  for (const scenario of SCENARIOS) {
    const launcher = await start(scenario.mode);
    await wrk(`${launcher.url}/`, { connections: 4, seconds: 1 }); // warm up the processes
    const timer =
      scenario.signal === 'none'
        ? undefined
        : setTimeout(() => launcher.child.kill(scenario.signal), (SECONDS * 1000) / 3);
    const load = scenario.client === 'wrk' ? wrk : retryingClient;
    const result = await load(`${launcher.url}/`, { connections: CONNECTIONS, seconds: SECONDS });
    clearTimeout(timer);
    await launcher.stop();
    delete result.raw;
    if (scenario.client === 'wrk') {
      result.failed = result.socketErrors + result.non2xx;
    }
    runs[key(scenario)].push(result);
    process.stderr.write(`${key(scenario)} #${i + 1}: ${JSON.stringify(result)}\n`);
  }
}

const summary = SCENARIOS.map((s) => {
  const r = runs[key(s)];
  return {
    ...s,
    requests: median(r.map((x) => x.requests)),
    rps: median(r.map((x) => x.rps)),
    failed: median(r.map((x) => x.failed)),
    maxFailed: Math.max(...r.map((x) => x.failed)),
    retried: s.client === 'retrying' ? median(r.map((x) => x.retried)) : undefined,
    p99ms: median(r.map((x) => x.p99)),
  };
});
process.stdout.write(
  `restart under load: ${SECONDS} s at ${CONNECTIONS} connections, 2 × 5 (gunicorn: gthread 2 × 5), medians of ${repetitions}\n`,
);
process.stdout.write('mode      signal   client     requests   req/s  failed(max)  retried  p99 ms\n');
for (const s of summary) {
  process.stdout.write(
    [
      s.mode.padEnd(9),
      s.signal.padEnd(8),
      s.client.padEnd(9),
      String(s.requests).padStart(9),
      s.rps.toFixed(0).padStart(7),
      `${s.failed}(${s.maxFailed})`.padStart(12),
      String(s.retried ?? '-').padStart(8),
      s.p99ms.toFixed(1).padStart(7),
    ].join(' ') + '\n',
  );
}
process.stdout.write(
  `written to ${saveResults('restart-under-load', { machine: machine(), seconds: SECONDS, summary, runs })}\n`,
);
