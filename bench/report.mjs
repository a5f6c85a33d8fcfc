// `node bench/report.mjs [RESULTS.json]`: writes the workload tables of docs/performance.md (between
// its `<!-- workloads:begin -->` and `<!-- workloads:end -->` lines) and the README's summary (between
// `<!-- performance:begin -->` and `<!-- performance:end -->`) from one bench/workloads.mjs run, the
// newest in bench/results/ unless named, so that the prose quotes figures that a run printed.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './lib.mjs';

const BEGIN = '<!-- workloads:begin -->';
const END = '<!-- workloads:end -->';
const DOC = join(REPO, 'docs', 'performance.md');

function newestRun() {
  const dir = join(REPO, 'bench', 'results');
  const runs = readdirSync(dir)
    .filter((f) => /^workloads-\d.*\.json$/.test(f))
    .sort();
  if (!runs.length) {
    throw new Error(`no workloads-*.json in ${dir}: run \`npm run bench:workloads\` first`);
  }
  return join(dir, runs.at(-1));
}

const thousands = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const latency = (msValue) =>
  !Number.isFinite(msValue)
    ? '-'
    : msValue >= 1000
      ? `${(msValue / 1000).toFixed(2)} s`
      : `${msValue.toFixed(1)} ms`;
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');

const errorCell = (errors, timeouts) =>
  errors && timeouts ? `${errors} (${timeouts === errors ? 'all' : timeouts} wrk timeouts)` : String(errors);

/** One Markdown table: a row per server, for each crowd req/s, p99, errors and the ratio to the best gunicorn. */
function table(rows, connections) {
  const servers = [...new Set(rows.map((r) => r.server))];
  const head = [
    'server',
    ...connections.flatMap((c) => [`req/s @${c}`, `p99 @${c}`, `× best gunicorn @${c}`]),
    'errors',
    'MiB',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i ? '--:' : '--')).join(' | ')} |`];
  for (const server of servers) {
    const mine = rows.filter((r) => r.server === server);
    const at = (c) => mine.find((r) => r.connections === c) ?? {};
    const cells = connections.flatMap((c) => [
      thousands(at(c).rps),
      latency(at(c).p99Ms),
      ratio(at(c).ratioToBestGunicorn),
    ]);
    const errors = mine.reduce((sum, r) => sum + r.errors, 0);
    // Runs before timeouts were counted apart have no `timeouts`: the column then shows the sum only.
    const timeouts = mine.some((r) => r.timeouts !== undefined)
      ? mine.reduce((sum, r) => sum + (r.timeouts ?? 0), 0)
      : undefined;
    const mib = Math.max(...mine.map((r) => r.serverMiB).filter(Number.isFinite));
    lines.push(
      `| ${[server, ...cells, errorCell(errors, timeouts), Number.isFinite(mib) ? mib.toFixed(0) : '-'].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

const file = process.argv[2] ?? newestRun();
const run = JSON.parse(readFileSync(file, 'utf8'));
const m = run.machine;
const connections = [...new Set(run.rows.map((r) => r.connections))].sort((a, b) => a - b);
const section = [
  BEGIN,
  '',
  `\`npm run bench:workloads\` on ${m.date.slice(0, 10)}: ${m.cpus} cores (${m.cpuModel}), ${Math.round(m.memoryMiB / 1024)} GiB,`,
  `Node ${m.node}; ${m.repetitions.runs} interleaved runs of ${m.repetitions.seconds} s, medians; errors are`,
  `the sum over every run (socket errors and non-2xx); MiB is the RSS of every server process. Load average`,
  `${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')} at the start, ${m.loadAverageAtEnd.map((x) => x.toFixed(2)).join(' / ')} at the end${m.noisy ? ' (**noisy: above the core count at the start**)' : ''}.`,
  `Written by \`node bench/report.mjs\` from \`bench/results/${file.split('/').at(-1)}\`.`,
];
for (const [workload, spec] of Object.entries(run.workloads)) {
  const rows = run.rows.filter((r) => r.workload === workload);
  if (!rows.length) {
    continue;
  }
  section.push(
    '',
    `**${workload}** (\`GET ${spec.path}\`${spec.cpuBound ? '' : ', waits 100 ms'}):`,
    '',
    table(rows, connections),
  );
}
section.push('', END);

/**
 * The README's short version: for each workload at 64 connections, req/s and p99 of each server, so
 * that a newcomer sees where express-wsgi stands without reading the whole page.
 */
function summary(crowd) {
  const servers = [...new Set(run.rows.map((r) => r.server))];
  const head = ['workload @' + crowd, ...servers];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i ? '--:' : '--')).join(' | ')} |`];
  for (const workload of Object.keys(run.workloads)) {
    const rows = run.rows.filter((r) => r.workload === workload && r.connections === crowd);
    if (!rows.length) {
      continue;
    }
    const cell = (server) => {
      const r = rows.find((x) => x.server === server) ?? {};
      return `${thousands(r.rps)} req/s, p99 ${latency(r.p99Ms)}`;
    };
    lines.push(`| ${[workload, ...servers.map(cell)].join(' | ')} |`);
  }
  return lines.join('\n');
}

const README = join(REPO, 'README.md');
const README_BEGIN = '<!-- performance:begin -->';
const README_END = '<!-- performance:end -->';
const readmeSection = [
  README_BEGIN,
  '',
  `\`npm run bench:workloads\` on ${m.date.slice(0, 10)} (${m.cpus} shared cores, load average ${m.loadAverageAtStart[0].toFixed(2)} at the start${m.noisy ? ', **noisy**' : ''}), medians of ${m.repetitions.runs} interleaved runs at 64 connections:`,
  '',
  summary(64),
  '',
  README_END,
];

/** Replaces the lines between `begin` and `end` in `path`, formatted as `npm run lint` checks it. */
async function writeSection(path, begin, end, lines) {
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`${path} has no ${begin} … ${end} section to write`);
  }
  const prettier = await import('prettier');
  const text = `${doc.slice(0, from)}${lines.join('\n')}${doc.slice(to + end.length)}`;
  writeFileSync(
    path,
    await prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path }),
  );
}

await writeSection(DOC, BEGIN, END, section);
await writeSection(README, README_BEGIN, README_END, readmeSection);
process.stdout.write(`${DOC} and ${README}: workload tables from ${file}\n`);
