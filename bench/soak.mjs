// Soak: a bounded loopback load against the default configuration (hello world, daemon mode) with
// wrk, reporting requests, errors, non-2xx responses and the memory (RSS) of the launcher and of
// every Apache process every 10 s.   node bench/soak.mjs [seconds] [connections]
import { readdirSync, readFileSync } from 'node:fs';

import {
  ensureBuilt,
  ensureWrk,
  machine,
  saveResults,
  startLauncher,
  stopLauncher,
  workdir,
  wrk,
} from './lib.mjs';

const seconds = Number(process.argv[2] ?? 60);
const connections = Number(process.argv[3] ?? 256);
ensureBuilt();
ensureWrk();

const rssKb = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
/** Every process whose command line names the server root (the Apache parent, workers, daemons) but `except`. */
function apacheRss(root, except) {
  let total = 0;
  let count = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (Number(pid) !== except && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root)) {
        total += rssKb(pid);
        count += 1;
      }
    } catch {
      // exited meanwhile
    }
  }
  return { processes: count, rssMb: +(total / 1024).toFixed(1) };
}

const cwd = workdir('hello.wsgi');
const launcher = await startLauncher(['hello.wsgi'], cwd);
// Warm up at full concurrency: the first burst at 256 connections touches every thread stack and
// buffer once, which is growth of the first seconds, not of the run.
await wrk(`${launcher.url}/`, { connections, seconds: 5 });
const sample = (t) => ({
  t,
  launcherRssMb: +(rssKb(launcher.child.pid) / 1024).toFixed(1),
  apache: apacheRss(launcher.root, launcher.child.pid),
});
const samples = [sample(0)];
const started = Date.now();
const timer = setInterval(() => samples.push(sample(Math.round((Date.now() - started) / 1000))), 10_000);
const result = await wrk(`${launcher.url}/`, { connections, seconds, threads: 2 });
clearInterval(timer);
samples.push(sample(seconds));
const exit = await stopLauncher(launcher);
delete result.raw;

const [start] = samples;
const end = samples.at(-1);
const growth = (a, b) => `${(((b - a) / a) * 100).toFixed(1)}%`;
const summary = { seconds, connections, ...result, samples, exit };
process.stdout.write(`soak: ${seconds} s at ${connections} connections against the default configuration\n`);
process.stdout.write(
  `requests ${result.requests} (${result.rps.toFixed(0)}/s), socket errors ${result.socketErrors}, non-2xx ${result.non2xx}, ` +
    `p50 ${result.p50} ms, p99 ${result.p99} ms\n`,
);
process.stdout.write(
  'RSS every 10 s (after a 5 s warm-up at full load): s, launcher MB, Apache MB (processes)\n',
);
for (const s of samples) {
  process.stdout.write(
    `  ${String(s.t).padStart(4)}  ${s.launcherRssMb}  ${s.apache.rssMb} (${s.apache.processes})\n`,
  );
}
process.stdout.write(
  `growth over the run: launcher ${growth(start.launcherRssMb, end.launcherRssMb)}, Apache ${growth(start.apache.rssMb, end.apache.rssMb)}\n`,
);
process.stdout.write(`written to ${saveResults('soak', { machine: machine(), summary })}\n`);
