import { readFileSync } from 'node:fs';

import { describe, expect, it } from '@jest/globals';

import {
  optionsMarkdown,
  README_END,
  README_START,
  readmeWithOptions,
  VERSIONS_HEADING,
} from '../../src/docs.js';
import { GROUPS, type Spec } from '../../src/options/define.js';
import { SCHEMA } from '../../src/options/schema.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const SPECS = SCHEMA as readonly Spec[];
const names = (spec: Spec) => [spec.name, ...(spec.aliases ?? [])];

/** Fails with the fix in the message, and the first line that differs, when a generated file is stale. */
function expectCurrent(file: string, actual: string, expected: string): void {
  if (actual === expected) {
    return;
  }
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = e.findIndex((l, i) => a[i] !== l);
  const at = line < 0 ? a.length : line;
  throw new Error(
    `${file} is out of date; run \`npm run docs\`.\n` +
      `First difference at line ${at + 1}:\n  file:      ${a[at] ?? '(end of file)'}\n  generated: ${e[at] ?? '(end)'}`,
  );
}

/** The sections of docs/options.md, by "## Group" heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline), part.slice(newline));
  }
  return out;
}

/** Cells of a markdown table row, splitting on pipes that are not escaped. */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);

describe('docs/options.md', () => {
  const file = read('docs/options.md');
  const generated = optionsMarkdown();

  it('is what optionsMarkdown() generates from the schema', () => {
    expectCurrent('docs/options.md', file, generated);
  });

  it('ends with every option that needs a newer mod_wsgi, with the version the schema says', () => {
    const rows = (sections(generated).get(VERSIONS_HEADING) ?? '')
      .split('\n')
      .filter((l) => l.startsWith('| `--'));
    const needing = SPECS.filter((s) => s.minModWsgi && !s.refused);
    expect(needing.length).toBeGreaterThan(0);
    expect(rows.map((r) => cells(r).map((c) => c.trim()))).toEqual(
      expect.arrayContaining(needing.map((s) => [`\`--${s.name}\``, `${s.minModWsgi} or later`])),
    );
    expect(rows).toHaveLength(needing.length);
  });

  it('has a section per group, with a row for every option and its aliases in its own group', () => {
    const bySection = sections(generated);
    expect([...bySection.keys()]).toEqual([
      ...GROUPS.filter((g) => SPECS.some((s) => s.group === g)),
      VERSIONS_HEADING,
    ]);
    for (const spec of SPECS) {
      const rows = (bySection.get(spec.group) ?? '').split('\n').filter((l) => l.startsWith('| `--'));
      const row = rows.find((r) => r.startsWith(`| \`--${spec.name}\``));
      expect({ option: spec.name, row }).toEqual({ option: spec.name, row: expect.any(String) });
      for (const name of names(spec)) {
        expect(row).toContain(`\`--${name}\``);
      }
    }
  });

  it('shows each option’s argument, default and choices', () => {
    const rowOf = (name: string) => generated.split('\n').find((l) => l.startsWith(`| \`--${name}\``)) ?? '';
    for (const spec of SPECS) {
      const [, argument, dflt, description] = cells(rowOf(spec.name)).map((c) => c.trim());
      if (spec.metavar && spec.kind !== 'flag') {
        expect(argument).toBe(`\`${spec.metavar.replace(/\|/g, '\\|')}\``);
      }
      if (spec.default !== undefined && spec.defaultText === undefined && spec.kind !== 'flag') {
        expect(dflt).toBe(`\`${String(spec.default)}\``);
      }
      for (const choice of spec.choices ?? []) {
        expect(description).toContain(choice);
      }
      expect(description).toContain(spec.help.split(' ').slice(0, 3).join(' '));
    }
  });

  it('keeps every option table row at four cells, escaping pipes such as FILE-PATH|MODULE', () => {
    const options = generated.slice(0, generated.indexOf(`## ${VERSIONS_HEADING}`));
    const rows = options.split('\n').filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(SPECS.length);
    for (const row of rows) {
      expect({ row, cells: cells(row).length }).toEqual({ row, cells: 4 });
    }
  });

  it('has no bare <word> that a markdown renderer would swallow as an HTML tag', () => {
    const outsideCode = generated
      .split('\n')
      .filter((l) => !l.startsWith('<!--'))
      .map((l) => l.replace(/`[^`]*`/g, ''))
      .join('\n');
    expect(outsideCode).not.toMatch(/<[A-Za-z][A-Za-z0-9-]*>/);
    expect(generated).toContain('&lt;server-root&gt;');
  });
});

describe('README.md option section', () => {
  const readme = read('README.md');

  it('is what the generator makes of the schema', () => {
    expectCurrent('README.md (the section between the options markers)', readme, readmeWithOptions(readme));
  });

  it('lists every option and alias exactly once, and none that is only there to be refused', () => {
    const section = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END));
    for (const spec of SPECS) {
      for (const name of names(spec)) {
        const pattern = new RegExp(`\`--${name}[\` ]`, 'g');
        const expected = spec.refused ? 0 : 1;
        expect({ name, count: section.match(pattern)?.length ?? 0 }).toEqual({ name, count: expected });
      }
    }
  });
});

describe('readmeWithOptions', () => {
  it('replaces whatever is between the markers and keeps the rest', () => {
    const stale = `# Title\n\nBefore.\n\n${README_START}\nold list\n${README_END}\n\nAfter.\n`;
    const fresh = readmeWithOptions(stale);
    expect(fresh.startsWith(`# Title\n\nBefore.\n\n${README_START}\n`)).toBe(true);
    expect(fresh.endsWith(`${README_END}\n\nAfter.\n`)).toBe(true);
    expect(fresh).not.toContain('old list');
    expect(fresh).toContain(optionsMarkdown({ compact: true }));
    expect(readmeWithOptions(fresh)).toBe(fresh);
  });

  it('refuses a README without the markers', () => {
    expect(() => readmeWithOptions('# No markers here\n')).toThrow(/options:start/);
    expect(() => readmeWithOptions(`${README_END}\n${README_START}\n`)).toThrow(/options:start/);
  });
});
