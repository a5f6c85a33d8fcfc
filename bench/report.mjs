// `node bench/report.mjs [RESULTS.json]`: writes the workload tables of docs/performance.md (between
// its `<!-- workloads:begin -->` and `<!-- workloads:end -->` lines) from one bench/workloads.mjs run,
// the newest in bench/results/ unless named, so that the prose quotes figures that a run printed.
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
    const mib = Math.max(...mine.map((r) => r.serverMiB).filter(Number.isFinite));
    lines.push(
      `| ${[server, ...cells, String(errors), Number.isFinite(mib) ? mib.toFixed(0) : '-'].join(' | ')} |`,
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

const doc = readFileSync(DOC, 'utf8');
const begin = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (begin < 0 || end < begin) {
  throw new Error(`${DOC} has no ${BEGIN} … ${END} section to write`);
}
// Formatted as `npm run lint` checks it (prettier aligns the tables).
const prettier = await import('prettier');
const text = `${doc.slice(0, begin)}${section.join('\n')}${doc.slice(end + END.length)}`;
writeFileSync(DOC, await prettier.format(text, { ...(await prettier.resolveConfig(DOC)), filepath: DOC }));
process.stdout.write(`${DOC}: workload tables from ${file}\n`);
