/**
 * The option reference, rendered from the option schema so that it cannot drift from the CLI:
 * docs/options.md (a table per group) and the compact option list in README.md.
 *   node dist/docs.js            prints docs/options.md to stdout
 *   node dist/docs.js --compact  prints the compact list
 *   node dist/docs.js --readme   rewrites the README's generated section in place
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { GROUPS, type Spec } from './options/define.js';
import { SCHEMA } from './options/schema.js';
import { helpText } from './options/yargs.js';

export const README_START = '<!-- options:start -->';
export const README_END = '<!-- options:end -->';

const SPECS = SCHEMA as readonly Spec[];

/** Markdown-safe prose: no stray HTML tags (<server-root>), table breaks or emphasis. */
function prose(text: string): string {
  return text
    .replace(/[\\`*[\]|]/g, (c) => `\\${c}`)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace('_', '\\_'));
}

/** A code span; in a table cell a pipe still ends the cell unless escaped. */
const code = (text: string, inTable: boolean) => `\`${inTable ? text.replace(/\|/g, '\\|') : text}\``;

/** The help sentence and choices exactly as `--help` shows them, without the default (it has a column). */
const description = (spec: Spec) => helpText({ ...spec, default: undefined, defaultText: undefined });

function range(spec: Spec): string | undefined {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) {
    return `From ${min} to ${max}.`;
  }
  if (min !== undefined && min !== 0) {
    return `At least ${min}.`;
  }
  return max !== undefined ? `At most ${max}.` : undefined;
}

function defaultCell(spec: Spec): string {
  if (spec.kind === 'flag') {
    return 'off';
  }
  if (spec.defaultText !== undefined) {
    return prose(spec.defaultText);
  }
  return spec.default !== undefined ? code(String(spec.default), true) : '';
}

const longNames = (spec: Spec) => [spec.name, ...(spec.aliases ?? [])].map((n) => `--${n}`);

function table(specs: readonly Spec[]): string[] {
  const rows = specs.map((spec) => {
    const [name, ...aliases] = longNames(spec).map((n) => code(n, true));
    const option = aliases.length ? `${name} (alias ${aliases.join(', ')})` : name;
    const argument = spec.metavar && spec.kind !== 'flag' ? code(spec.metavar, true) : '';
    const limits = [
      spec.minModWsgi ? `Needs mod_wsgi ${spec.minModWsgi} or later (refused with an older module).` : '',
      spec.refused ? `Refused: ${spec.refused}.` : '',
      spec.hidden ? '(Not shown by --help.)' : '',
    ];
    const text = [prose(description(spec)), range(spec), ...limits.map(prose)].filter(Boolean).join(' ');
    return `| ${option} | ${argument} | ${defaultCell(spec)} | ${text} |`;
  });
  return ['| Option | Argument | Default | Description |', '| --- | --- | --- | --- |', ...rows];
}

function compactList(): string[] {
  return GROUPS.map((group) => {
    // Options accepted only to be refused (removed upstream, not supported) are for docs/options.md.
    const items = SPECS.filter((s) => s.group === group && !s.refused).map((spec) =>
      longNames(spec)
        .map((n) => code(spec.metavar && spec.kind !== 'flag' ? `${n} ${spec.metavar}` : n, false))
        .join(' or '),
    );
    return `- **${group}:** ${items.join(', ')}`;
  });
}

const INTRO = [
  '# express-wsgi options',
  '',
  '<!-- Generated from src/options/schema.ts by `npm run docs`; edit the schema, not this file. -->',
  '',
  '`express-wsgi start-server [APP] [options]` and `express-wsgi setup-server [APP] [options]` accept every',
  'option below; `express-wsgi start-server --help` prints the same list. Names, arguments and defaults follow',
  "mod_wsgi-express's, so command lines that use them carry over. Give a value as `--port 8080` or `--port=8080`; options marked",
  '"repeatable" may be given more than once, and the last value wins for the others. `module-config` and',
  '`module-location` accept only `--mod-wsgi-module` and `--modules-directory`.',
];

/** The heading of docs/options.md's last section: which mod_wsgi each option needs. */
export const VERSIONS_HEADING = 'mod_wsgi versions';

/** Options that need a newer mod_wsgi than the oldest the suite runs, by version, from the schema. */
function versionTable(): string[] {
  const needing = SPECS.filter((s) => s.minModWsgi && !s.refused).sort(
    (a, b) =>
      (a.minModWsgi ?? '').localeCompare(b.minModWsgi ?? '', 'en', { numeric: true }) ||
      a.name.localeCompare(b.name),
  );
  return [
    '',
    `## ${VERSIONS_HEADING}`,
    '',
    'express-wsgi reads the version of the mod_wsgi it will load (the one `module-location` prints). An option',
    'below, given with an older module, is refused before anything is written, with the version it needs and the',
    'one found. Every other option is for any mod_wsgi the test suite runs: 4.9.4 (Debian 12), 5.0.2 (Debian 13;',
    'Ubuntu 24.04 and Fedora ship 5.0) and 6.0.5 (`pip install mod_wsgi`), each of which its module matrix starts',
    'Apache with (test/integration/modules.test.ts).',
    '',
    '| Option | Needs mod_wsgi |',
    '| --- | --- |',
    ...needing.map((spec) => `| ${code(`--${spec.name}`, true)} | ${spec.minModWsgi} or later |`),
  ];
}

/** docs/options.md, or with `compact` the grouped one-line-per-group list the README embeds. */
export function optionsMarkdown({ compact = false }: { compact?: boolean } = {}): string {
  if (compact) {
    return `${compactList().join('\n')}\n`;
  }
  const lines = [...INTRO];
  for (const group of GROUPS) {
    const specs = SPECS.filter((s) => s.group === group);
    if (specs.length) {
      lines.push('', `## ${group}`, '', ...table(specs));
    }
  }
  lines.push(...versionTable());
  return `${lines.join('\n')}\n`;
}

/** The README with its generated option section replaced by the current compact list. */
export function readmeWithOptions(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${README_START} ... ${README_END} section`);
  }
  return `${readme.slice(0, start + README_START.length)}\n\n${optionsMarkdown({ compact: true })}\n${readme.slice(end)}`;
}

/** README.md at the package root (next to src/ and dist/). */
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

function main(args: readonly string[]): void {
  if (args.includes('--readme')) {
    const before = readFileSync(README_PATH, 'utf8');
    const after = readmeWithOptions(before);
    if (after !== before) {
      writeFileSync(README_PATH, after);
    }
    process.stderr.write(
      `${README_PATH}: option section ${after === before ? 'already current' : 'updated'}\n`,
    );
    return;
  }
  process.stdout.write(optionsMarkdown({ compact: args.includes('--compact') }));
}

const invokedPath = process.argv[1];
const runAsScript = (() => {
  if (!invokedPath) {
    return false;
  }
  try {
    return import.meta.url === pathToFileURL(realpathSync(invokedPath)).href;
  } catch {
    return false;
  }
})();
if (runAsScript) {
  main(process.argv.slice(2));
}
