// Soak: a bounded loopback load against the default configuration (hello world, daemon mode) with
// wrk, reporting requests, errors, non-2xx responses and the memory (RSS) of the launcher and of
// every Apache process at the start and the end.   node bench/soak.mjs [seconds] [connections]
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
/** Every process whose command line names the server root: the Apache parent, workers, daemons. */
function apacheRss(root) {
  let total = 0;
  let count = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root)) {
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
await wrk(launcher.url, { connections: 8, seconds: 2 }); // warm up
const start = {
  launcherRssMb: +(rssKb(launcher.child.pid) / 1024).toFixed(1),
  apache: apacheRss(launcher.root),
};
const result = await wrk(launcher.url, { connections, seconds, threads: 2 });
const end = {
  launcherRssMb: +(rssKb(launcher.child.pid) / 1024).toFixed(1),
  apache: apacheRss(launcher.root),
};
const exit = await stopLauncher(launcher);
delete result.raw;

const summary = { seconds, connections, ...result, start, end, exit };
process.stdout.write(`soak: ${seconds} s at ${connections} connections against the default configuration\n`);
process.stdout.write(
  `requests ${result.requests} (${result.rps.toFixed(0)}/s), socket errors ${result.socketErrors}, non-2xx ${result.non2xx}, ` +
    `p50 ${result.p50} ms, p99 ${result.p99} ms\n`,
);
process.stdout.write(
  `RSS start: launcher ${start.launcherRssMb} MB, Apache ${start.apache.rssMb} MB in ${start.apache.processes} processes\n`,
);
process.stdout.write(
  `RSS end:   launcher ${end.launcherRssMb} MB, Apache ${end.apache.rssMb} MB in ${end.apache.processes} processes\n`,
);
process.stdout.write(`written to ${saveResults('soak', { machine: machine(), summary })}\n`);
