// Processes, from /proc, for the benchmark scripts: descendants of a PID and processes naming a
// server root, their memory, waiting for the first 200, and stopping a server with all it started.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';

import { waitFor } from '../test/helpers/launcher.mjs';

export function procs() {
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
export function family(pid, marker) {
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

export function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Proportional set size: shared pages split between the processes sharing them. */
export function pssKiB(pid) {
  return Number(/^Pss:\s+(\d+)/m.exec(safeRead(`/proc/${pid}/smaps_rollup`))?.[1] ?? 0);
}

export const alive = (pid) => existsSync(`/proc/${pid}`) && !/\) Z /.test(safeRead(`/proc/${pid}/stat`));
export function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Resolves true once GET url answers 200 (polled every few ms), false when the process died first. */
export function get(url) {
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

export async function firstOk(url, child, deadlineMs = 30_000) {
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

export const now = () => Number(process.hrtime.bigint()) / 1e6;

/** SIGTERM the server, then wait (bounded) until it and every process of its family are gone. */
export async function stopAll(server) {
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
