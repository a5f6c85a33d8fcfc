/**
 * The command line's fast path (src/options/argv.ts) against yargs as src/options/yargs.ts sets it
 * up: for every command line the fast path accepts, yargs must accept it too and give parse.ts the
 * same values. Random command lines, seeded (ARGV_PROPERTY_SEED replays another seed), plus the
 * lines that must be left to yargs.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { readCommandLine } from '../../src/options/argv.js';
import type { Spec } from '../../src/options/define.js';
import { SCHEMA } from '../../src/options/schema.js';
import { runWithYargs } from '../../src/options/yargs.js';

const SEED = Number(process.env.ARGV_PROPERTY_SEED ?? 20261122);
const SPECS = SCHEMA as readonly Spec[];
const NAMES = SPECS.flatMap((s) => [s.name, ...(s.aliases ?? [])]);

/** What yargs hands the command: its raw values, or the message it failed with. */
async function withYargs(
  argv: readonly string[],
): Promise<{ command: string; raw: Record<string, unknown> }> {
  let seen: { command: string; raw: Record<string, unknown> } | undefined;
  const exitCode = process.exitCode;
  await runWithYargs(argv, async (command, raw) => {
    seen = { command, raw };
    return 0;
  });
  process.exitCode = exitCode;
  if (!seen) {
    throw new Error(`yargs ran no command for ${JSON.stringify(argv)}`);
  }
  return seen;
}

/** The values parse.ts reads: every option name and alias, and the positional. */
const relevant = (raw: Record<string, unknown>) =>
  Object.fromEntries(
    [...NAMES, 'app', 'project'].filter((n) => raw[n] !== undefined).map((n) => [n, raw[n]]),
  );

async function expectSameAsYargs(argv: readonly string[]): Promise<void> {
  const fast = readCommandLine(argv);
  expect(fast).toBeDefined();
  const slow = await withYargs(argv);
  expect(fast?.command).toBe(slow.command);
  expect(relevant(fast?.raw ?? {})).toEqual(relevant(slow.raw));
}

describe('the fast path of the command line', () => {
  it.each([
    [['setup-server']],
    [['start-server', 'hello.wsgi']],
    [['setup-server', 'hello.wsgi', '--server-root', '/tmp/x', '--port', '8080']],
    [['start-server', '--port=8080', 'app.wsgi', '--setup-only', '--port', '9']],
    [['start-server', '--url-alias', '/s', '/srv/s', '--url-alias', '/t', '/srv/t', 'app.wsgi']],
    [['start-server', '--url-alias', '/s', '/srv/s']],
    [['setup-server', '--python-path', '/a', '--python-path=/b', '--python-path', '/c']],
    [['setup-server', '--setup-only', '--setup-only', 'x.wsgi']],
    [['setup-server', '--host', 'true', '--callable-object=false']],
    [['django', 'mysite', '--port', '8001']],
    [['django', '--setup-only']],
    [['setup-server', '--port=-1', '--host=', '--callable-object=a=b']],
  ])('reads %j as yargs does', async (argv) => {
    await expectSameAsYargs(argv);
  });

  it.each([
    [[]],
    [['--help']],
    [['--version']],
    [['start-server', '--help']],
    [['start-server', '-h']],
    [['setup-server', 'a.wsgi', 'b.wsgi']],
    [['setup-server', '--no-such-option']],
    [['setup-server', '--port']],
    [['setup-server', '--port', '-1']],
    [['setup-server', '--port', '']],
    [['setup-server', '--url-alias', '/s']],
    [['setup-server', '--setup-only', 'true']],
    [['setup-server', '--setup-only=false']],
    [['setup-server', '--url-alias=/s', '/srv/s']],
    [['setup-server', '--', 'x']],
    [['setup-server', '-']],
    [['module-config']],
    [['serve', 'x']],
    [['--port', '80', 'start-server']],
    [['setup-server', 'help']],
    [['start-server', '--port', '1', 'help']],
  ])('leaves %j to yargs', (argv) => {
    expect(readCommandLine(argv)).toBeUndefined();
  });

  it('agrees with yargs on random command lines', async () => {
    // Mostly values the fast path takes (yargs is slow to set up: ~150 ms a line here).
    const value = fc.oneof(
      { arbitrary: fc.constantFrom('hello.wsgi', '8000', '/srv/a b', 'x=y', 'é', '0'), weight: 6 },
      { arbitrary: fc.constantFrom('true', 'false', '-', '-1', '--', ''), weight: 1 },
      { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
    );
    const word = fc.oneof(
      fc.constantFrom(...NAMES).map((n) => `--${n}`),
      fc.tuple(fc.constantFrom(...NAMES), value).map(([n, v]) => `--${n}=${v}`),
      value,
    );
    const line = fc.tuple(
      fc.constantFrom('start-server', 'setup-server', 'django'),
      fc.array(word, { maxLength: 6 }),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(line, async ([command, words]) => {
        const argv = [command, ...words];
        if (readCommandLine(argv)) {
          accepted++;
          await expectSameAsYargs(argv);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    // The property says something only if many random lines take the fast path.
    expect(accepted).toBeGreaterThan(40);
  });
});
