/**
 * src/code-cache.ts: the loader dist/cli.js runs its bundles with. A bundle runs once as CommonJS,
 * a sibling bundle it requires runs the same way (one instance), Node's own modules come from
 * Node; the cache a training run saves is one V8 accepts for the same file, and a bad or missing
 * cache only means compiling as usual.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import tmp from 'tmp';

import { compileBundle, runBundle, saveCodeCaches } from '../../src/code-cache.js';

const scratch = tmp.dirSync({ prefix: 'ew-code-cache-', unsafeCleanup: true });
afterAll(() => scratch.removeCallback());

let files = 0;
/** A fresh pair of bundles (runBundle runs each file once per process). */
function bundles(): { main: string; part: string; runs: () => number } {
  const n = ++files;
  const part = join(scratch.name, `part-${n}.cjs`);
  const main = join(scratch.name, `main-${n}.cjs`);
  const log = join(scratch.name, `part-${n}.runs`);
  writeFileSync(log, '');
  // Each run of the part leaves a mark outside the process's globals (they are not jest's).
  writeFileSync(
    part,
    `require('node:fs').appendFileSync(${JSON.stringify(log)}, 'x');\nmodule.exports = { answer: 42 };\n`,
  );
  writeFileSync(
    main,
    [
      `const part = require('./part-${n}.cjs');`,
      `const again = require('./part-${n}.cjs');`,
      "const { join } = require('node:path');",
      'exports.same = part === again;',
      'exports.answer = part.answer;',
      "exports.where = join(__dirname, 'x') === join(" + JSON.stringify(scratch.name) + ", 'x');",
      'exports.self = __filename;',
      '',
    ].join('\n'),
  );
  return { main, part, runs: () => readFileSync(log, 'utf8').length };
}

describe('runBundle', () => {
  it('runs a bundle as CommonJS, with its sibling bundles run once through the same loader', () => {
    const { main, runs } = bundles();
    expect(runBundle(main)).toEqual({ same: true, answer: 42, where: true, self: main });
    expect(runs()).toBe(1);
    // Once per process, like require(): the same exports, nothing run again.
    expect(runBundle(main)).toBe(runBundle(main));
    expect(runs()).toBe(1);
  });

  it('names the bundle and its own line numbers in stack traces', () => {
    const file = join(scratch.name, 'throws.cjs');
    writeFileSync(file, '// line 1\nthrow new Error("boom");\n');
    expect(() => runBundle(file)).toThrow('boom');
    let stack = '';
    try {
      (compileBundle(file).runInThisContext() as () => void)();
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(stack).toContain(`${file}:2:`);
  });
});

describe('code caches', () => {
  it('saves a cache V8 accepts for the same bundle, only for the bundles named', () => {
    const { main, part } = bundles();
    runBundle(main);
    saveCodeCaches([main.slice(main.lastIndexOf('/') + 1)]);
    expect(existsSync(`${main}.cache`)).toBe(true);
    expect(existsSync(`${part}.cache`)).toBe(false);
    expect(compileBundle(main).cachedDataRejected).toBe(false);
  });

  it('compiles as usual when the cache does not fit the bundle', () => {
    const { main } = bundles();
    writeFileSync(`${main}.cache`, readFileSync(main)); // not a cache at all
    expect(compileBundle(main).cachedDataRejected).toBe(true);
    expect(runBundle(main)).toMatchObject({ same: true, answer: 42 });
  });

  it('compiles as usual without a cache', () => {
    const { main } = bundles();
    expect(compileBundle(main).cachedDataRejected).toBeUndefined();
    expect(runBundle(main)).toMatchObject({ same: true, answer: 42 });
  });
});
