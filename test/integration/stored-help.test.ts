/**
 * The help texts the build stores (scripts/bundle.mjs, src/options/stored-help.ts) against live
 * yargs as src/options/yargs.ts sets it up, under the same conditions: every stored text, both
 * spellings of help, every locale that counts as English. A stale dist/ or a change to yargs'
 * output that the stored conditions miss fails here. Then dist/cli.js itself: it prints the stored
 * text (with yargs' exit status and streams), and leaves to yargs what it must.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { COMMANDS } from '../../src/options/argv.js';
import {
  englishLocale,
  helpRequest,
  helpWidth,
  STORED_WIDTHS,
  type StoredHelp,
} from '../../src/options/stored-help.js';
import { runWithYargs } from '../../src/options/yargs.js';
import { CLI } from '../helpers/server.js';

const DIST = join(CLI, '..');
const storedFile = readdirSync(DIST).find((f) => /^cli-main-.*\.cjs\.help\.json$/.test(f));
const stored = JSON.parse(readFileSync(join(DIST, storedFile ?? 'missing'), 'utf8')) as StoredHelp;
const LOCALE_VARIABLES = ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE', 'YARGS_DISABLE_WRAP'];

const savedEnv = { ...process.env };
afterEach(() => {
  for (const name of LOCALE_VARIABLES) {
    if (savedEnv[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = savedEnv[name];
    }
  }
  jest.restoreAllMocks();
});

/** What live yargs prints for argv with stdout `columns` wide (undefined: no terminal) under env. */
async function liveHelp(
  argv: readonly string[],
  columns: number | undefined,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; exitStatus: unknown; ran: boolean }> {
  for (const name of LOCALE_VARIABLES) {
    delete process.env[name];
  }
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  let exitStatus: unknown;
  let ran = false;
  // yargs prints help with console.log (one call: the text; console adds the newline) and exits.
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    stdout += `${args.join(' ')}\n`;
  });
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    stderr += `${args.join(' ')}\n`;
  });
  jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    exitStatus ??= code;
  }) as never);
  const before = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
  Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true });
  const exitCode = process.exitCode;
  try {
    await runWithYargs(argv, async () => {
      ran = true;
      return 0;
    });
  } finally {
    process.exitCode = exitCode;
    if (before) {
      Object.defineProperty(process.stdout, 'columns', before);
    } else {
      delete (process.stdout as { columns?: number }).columns;
    }
  }
  return { stdout, stderr, exitStatus, ran };
}

/** A terminal width that gives each stored width (no terminal for the default one). */
const columnsFor = (width: number) => (width === helpWidth(undefined) ? undefined : width);

/** Every help request stored, as [the line, its words]. */
const HELP_LINES = ['', ...COMMANDS].flatMap((command) =>
  ['--help', '-h'].map((help) => {
    const argv = command ? [command, help] : [help];
    return [argv.join(' '), argv] as const;
  }),
);

describe('stored help', () => {
  it('is stored for every command and stored width', () => {
    expect(Object.keys(stored).sort()).toEqual(STORED_WIDTHS.map(String).sort());
    for (const width of STORED_WIDTHS) {
      expect(Object.keys(stored[width] ?? {}).sort()).toEqual(['', ...COMMANDS].sort());
    }
  });

  describe.each(STORED_WIDTHS)('at width %d', (width) => {
    it.each(HELP_LINES)('is what live yargs prints for %s', async (_line, argv) => {
      const command = helpRequest(argv);
      expect(command).toBeDefined();
      const live = await liveHelp(argv, columnsFor(width), {});
      expect(live).toEqual({ stdout: stored[width]?.[command ?? ''], stderr: '', exitStatus: 0, ran: false });
    });
  });

  // Every spelling of an English locale that the stored texts are used for.
  it.each([
    [{ LANG: 'C' }],
    [{ LANG: 'C.UTF-8' }],
    [{ LANG: 'POSIX' }],
    [{ LANG: 'en' }],
    [{ LANG: 'en_US.UTF-8' }],
    [{ LANG: 'en_GB.UTF-8' }],
    [{ LANG: 'en_IE.UTF-8@euro' }],
    [{ LC_ALL: 'en_US.UTF-8', LANG: 'de_DE.UTF-8' }],
    [{ LC_MESSAGES: 'C', LANG: 'fr_FR.UTF-8' }],
    [{ LANG: '', LANGUAGE: 'en_AU' }],
    [{ YARGS_DISABLE_WRAP: '' }],
  ])('is what live yargs prints under %j', async (env) => {
    expect(englishLocale(env)).toBe(true);
    for (const argv of [['--help'], ['start-server', '--help']]) {
      const live = await liveHelp(argv, undefined, env);
      expect(live.stdout).toBe(stored[helpWidth(undefined)]?.[argv.length === 1 ? '' : 'start-server']);
    }
  });

  it.each([
    [{ LANG: 'de_DE.UTF-8' }],
    [{ LC_ALL: 'fr_FR.UTF-8', LANG: 'en_US.UTF-8' }],
    [{ LANGUAGE: 'pirate' }],
    [{ LANG: 'eng' }],
  ])('is not used under %j', (env) => {
    expect(englishLocale(env)).toBe(false);
  });

  it('would be wrong in another language (the locale check is needed)', async () => {
    const live = await liveHelp(['--help'], undefined, { LANG: 'de_DE.UTF-8' });
    expect(live.stdout).not.toBe(stored[helpWidth(undefined)]?.['']);
  });

  it.each([
    [[]],
    [['--help', 'start-server']],
    [['start-server', '--help', 'app.wsgi']],
    [['--port', '--help']],
    [['start-server', '--help=true']],
    [['--version']],
  ])('is not asked for by %j', (argv) => {
    expect(helpRequest(argv)).toBeUndefined();
  });
});

describe('dist/cli.js', () => {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !LOCALE_VARIABLES.includes(name)),
  );
  const cli = (argv: readonly string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...argv], { env: { ...clean, ...env }, encoding: 'utf8' });

  it.each(HELP_LINES)('prints the stored help for %s', (_line, argv) => {
    const result = cli(argv, { LANG: 'C.UTF-8' });
    expect(result.stdout).toBe(stored[helpWidth(undefined)]?.[helpRequest(argv) ?? '']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('leaves help to yargs when YARGS_DISABLE_WRAP is set', () => {
    const result = cli(['module-config', '--help'], { YARGS_DISABLE_WRAP: '1' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--mod-wsgi-module');
    // Unwrapped: the type is no longer pushed to the right margin.
    expect(result.stdout).not.toBe(stored[helpWidth(undefined)]?.['module-config']);
  });

  it("prints yargs' top-level help for a command it does not know", () => {
    const result = cli(['no-such-command', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(stored[helpWidth(undefined)]?.['']);
  });
});
