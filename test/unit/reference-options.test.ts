/**
 * Every option of mod_wsgi-express 6.0.5 (the list in test/fixtures, taken from the reference) is
 * accepted under the same name, so command lines paste in unchanged; an option express-wsgi cannot
 * honour here is accepted only to be refused with its reason.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from '@jest/globals';

import type { Spec } from '../../src/options/define.js';
import { SCHEMA } from '../../src/options/schema.js';

const REFERENCE = readFileSync(
  new URL('../fixtures/mod_wsgi-express-6.0.5-options.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.startsWith('--'))
  .map((l) => l.slice(2));

const bySpelling = new Map(
  (SCHEMA as readonly Spec[]).flatMap((spec) =>
    [spec.name, ...(spec.aliases ?? [])].map((n) => [n, spec] as const),
  ),
);

describe('mod_wsgi-express 6.0.5 options', () => {
  it('the reference list is complete (152 options)', () => {
    expect(REFERENCE).toHaveLength(152);
  });

  it.each(REFERENCE)('--%s is accepted, or refused with a reason', (name) => {
    const spec = bySpelling.get(name);
    expect(spec).toBeDefined();
    if (spec?.refused) {
      expect(spec.refused.length).toBeGreaterThan(10);
    }
  });
});
