// What a restart costs while requests are flowing: wrk runs for a few seconds against the default
// daemon-mode server while the launcher gets SIGUSR1 (graceful restart) or SIGHUP (hard restart)
// part-way through; a run with no signal is the baseline. Interleaved repetitions, medians.
//   node bench/restart-under-load.mjs [repetitions] [start-server flags…]
import {
  ensureBuilt,
  ensureWrk,
  machine,
  median,
  saveResults,
  startLauncher,
  stopLauncher,
  workdir,
  wrk,
} from './lib.mjs';

const repetitions = Number(process.argv[2] ?? 3);
const flags = process.argv.slice(3);
const SECONDS = 6;
ensureBuilt();
ensureWrk();

const cases = ['none', 'SIGUSR1', 'SIGHUP'];
const runs = Object.fromEntries(cases.map((c) => [c, []]));
const cwd = workdir('hello.wsgi');
for (let i = 0; i < repetitions; i++) {
  for (const signal of cases) {
    const launcher = await startLauncher(['hello.wsgi', '--processes', '2', '--threads', '5', ...flags], cwd);
    await wrk(launcher.url, { connections: 4, seconds: 1 }); // warm up the daemon processes
    const timer =
      signal === 'none' ? undefined : setTimeout(() => launcher.child.kill(signal), (SECONDS * 1000) / 3);
    const result = await wrk(launcher.url, { connections: 16, seconds: SECONDS });
    clearTimeout(timer);
    await stopLauncher(launcher);
    delete result.raw;
    runs[signal].push(result);
    process.stderr.write(`${signal} #${i + 1}: ${JSON.stringify(result)}\n`);
  }
}

const summary = cases.map((c) => ({
  signal: c,
  requests: median(runs[c].map((r) => r.requests)),
  rps: median(runs[c].map((r) => r.rps)),
  failed: median(runs[c].map((r) => r.socketErrors + r.non2xx)),
  maxFailed: Math.max(...runs[c].map((r) => r.socketErrors + r.non2xx)),
  p99ms: median(runs[c].map((r) => r.p99)),
}));
process.stdout.write(
  `restart under load: ${SECONDS} s of wrk at 16 connections, medians of ${repetitions}\n`,
);
process.stdout.write('signal    requests   req/s   failed(max)  p99 ms\n');
for (const s of summary) {
  process.stdout.write(
    `${s.signal.padEnd(8)} ${String(s.requests).padStart(9)} ${s.rps.toFixed(0).padStart(7)} ${`${s.failed}(${s.maxFailed})`.padStart(12)} ${s.p99ms.toFixed(1).padStart(7)}\n`,
  );
}
process.stdout.write(
  `written to ${saveResults('restart-under-load', { machine: machine(), flags, summary, runs })}\n`,
);
