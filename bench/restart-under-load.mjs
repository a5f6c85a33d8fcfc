// What a restart costs while requests are flowing. A load runs for a few seconds against a
// 2 × 5 server while the launcher gets, a third of the way in, one of:
//   SIGUSR1, SIGHUP  start-server's restart since issue 17: a new Apache beside the old one, which
//            then stops gracefully (src/launch/generations.ts); before, Apache's own graceful and
//            hard restart
//   SIGUSR2  express-wsgi's application reload (daemon mode: mod_wsgi's daemons restart one by one
//            from the inside; embedded mode: Apache's graceful restart)
// or nothing (the baseline). With --apachectl, the server is setup-server's, run by its apachectl, and
// the restart is `apachectl graceful` or `apachectl restart` (a new Apache beside the old one, done
// by apachectl itself: templates/apachectl/generations.hbs) or `apachectl -k graceful` (Apache's own).
// Two clients: wrk, which counts every keep-alive connection the server
// closes under it as an error, and bench/load-client.mjs, which retries such a request once on a
// new connection as browsers do (RFC 9112 §9.3.1), so its "failed" is what a user would see.
// For comparison (without --apachectl), gunicorn gthread 2 × 5 on the same app gets its own graceful
// restart, SIGHUP (new workers, then the old ones finish their requests). Interleaved repetitions, medians.
//   node bench/restart-under-load.mjs [repetitions] [--quick] [--apachectl]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { killRoot } from '../test/helpers/launcher.mjs';
import {
  CLI,
  ensureBuilt,
  ensureGunicorn,
  ensureWrk,
  freePort,
  loopbackArgs,
  machine,
  median,
  saveResults,
  startLauncher,
  stopLauncher,
  waitFor,
  workdir,
  wrk,
} from './lib.mjs';
import { firstOk, stopAll } from './processes.mjs';

const args = process.argv.slice(2);
const repetitions = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const SECONDS = args.includes('--quick') ? 3 : 6;
const APACHECTL = args.includes('--apachectl');
const CONNECTIONS = 16;
ensureBuilt();
ensureWrk();
if (!APACHECTL) {
  ensureGunicorn();
}

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
  ...(APACHECTL ? {} : { gunicorn: undefined }),
};
const SIGNALS = APACHECTL
  ? ['none', 'apachectl graceful', 'apachectl restart', 'apachectl -k graceful']
  : ['none', 'SIGUSR1', 'SIGHUP', 'SIGUSR2'];
const SCENARIOS = [];
for (const mode of Object.keys(MODES)) {
  // gunicorn's SIGUSR1 reopens its logs and SIGUSR2 starts a new master: only HUP is a restart.
  for (const signal of mode === 'gunicorn' ? ['none', 'SIGHUP'] : SIGNALS) {
    for (const client of ['wrk', 'retrying']) {
      SCENARIOS.push({ mode, signal, client });
    }
  }
}
const key = (s) => `${s.mode} ${s.signal} ${s.client}`;
const runs = Object.fromEntries(SCENARIOS.map((s) => [key(s), []]));
const cwd = workdir('hello.wsgi');
writeFileSync(join(cwd, 'hello_app.py'), readFileSync(join(cwd, 'hello.wsgi')));

/** gunicorn gthread 2 × 5 on a free port, shaped like startServer()'s result. */
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
  return { url, restart: (signal) => child.kill(signal), stop: () => stopAll({ child }) };
}

/** setup-server, then `apachectl start`: a server run without the launcher, as `--apachectl` measures. */
async function startApachectl(flags) {
  const port = await freePort();
  const root = join(cwd, `root-${port}`);
  execFileSync(process.execPath, [CLI, 'setup-server', 'hello.wsgi', ...loopbackArgs(port, root), ...flags], {
    cwd,
    stdio: 'ignore',
  });
  const apachectl = join(root, 'apachectl');
  execFileSync(apachectl, ['start'], { cwd, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${url}/`).then(
        (r) => r.ok,
        () => false,
      ),
    20_000,
    'Apache to answer',
  );
  const restarted = [];
  return {
    url,
    restart: (signal) => {
      const child = spawn(apachectl, signal.split(' ').slice(1), { cwd, stdio: 'ignore' });
      restarted.push(new Promise((resolve) => child.once('exit', resolve)));
    },
    stop: async () => {
      await Promise.all(restarted);
      execFileSync(apachectl, ['stop'], { cwd, stdio: 'ignore' });
      await killRoot(root);
    },
  };
}

async function startServer(flags) {
  if (flags === undefined) {
    return startGunicorn();
  }
  if (APACHECTL) {
    return startApachectl(flags);
  }
  const launcher = await startLauncher(['hello.wsgi', ...flags], cwd);
  return {
    url: launcher.url,
    restart: (signal) => launcher.child.kill(signal),
    stop: () => stopLauncher(launcher),
  };
}

for (let i = 0; i < repetitions; i++) {
  for (const scenario of SCENARIOS) {
    const server = await startServer(MODES[scenario.mode]);
    await wrk(`${server.url}/`, { connections: 4, seconds: 1 }); // warm up the processes
    const timer =
      scenario.signal === 'none'
        ? undefined
        : setTimeout(() => server.restart(scenario.signal), (SECONDS * 1000) / 3);
    const load = scenario.client === 'wrk' ? wrk : retryingClient;
    const result = await load(`${server.url}/`, { connections: CONNECTIONS, seconds: SECONDS });
    clearTimeout(timer);
    await server.stop();
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
const WIDTH = APACHECTL ? 21 : 8;
process.stdout.write(
  `mode      ${'signal'.padEnd(WIDTH)} client     requests   req/s  failed(max)  retried  p99 ms\n`,
);
for (const s of summary) {
  process.stdout.write(
    [
      s.mode.padEnd(9),
      s.signal.padEnd(WIDTH),
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
  `written to ${saveResults(APACHECTL ? 'restart-under-load-apachectl' : 'restart-under-load', { machine: machine(), seconds: SECONDS, summary, runs })}\n`,
);
