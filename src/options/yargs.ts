/**
 * The command line as yargs reads it: --help, usage and every command line that the fast path
 * (argv.ts) leaves alone, with yargs' checks turned into one-line messages. The option schema is
 * declared to yargs as text options: parse.ts converts and checks the values.
 */
import yargs, { type Argv, type Options as YargsOption } from 'yargs';

import { UsageError } from '../errors.js';
import { COMMANDS } from './argv.js';
import type { Spec } from './define.js';
import { SCHEMA } from './schema.js';
import { helpWidth } from './stored-help.js';
import { closest } from '../suggest.js';
import { VERSION } from '../version.js';

export function helpText(spec: Spec): string {
  const parts = [spec.help];
  if (spec.choices) {
    parts.push(`One of: ${spec.choices.join(', ')}.`);
  }
  const shown = spec.defaultText ?? (spec.default !== undefined ? String(spec.default) : undefined);
  if (shown !== undefined && spec.kind !== 'flag') {
    parts.push(`[default: ${shown}]`);
  }
  return parts.join(' ');
}

export function yargsOptions(): Record<string, YargsOption> {
  const out: Record<string, YargsOption> = {};
  for (const spec of SCHEMA as readonly Spec[]) {
    const flag = spec.kind === 'flag';
    const shape: YargsOption = {
      type: flag ? 'boolean' : 'string',
      ...(flag ? {} : { nargs: spec.kind === 'pairs' ? 2 : 1, requiresArg: true }),
    };
    out[spec.name] = {
      ...shape,
      describe: helpText(spec),
      group: `${spec.group}:`,
      ...(spec.hidden ? { hidden: true } : {}),
    };
    // Aliases are old spellings kept working, as mod_wsgi-express keeps them: accepted, not shown.
    // parse.ts reads the option's own name first, then each alias.
    for (const alias of spec.aliases ?? []) {
      out[alias] = { ...shape, hidden: true };
    }
  }
  return out;
}

/** Every long option name, aliases included, for "did you mean". */
export const OPTION_NAMES: readonly string[] = (SCHEMA as readonly Spec[]).flatMap((s) => [
  s.name,
  ...(s.aliases ?? []),
]);

/**
 * Long options people reach for with one dash (mod_wsgi-express has no short options but -h):
 * named in the message so that `-p 8080` says what to type instead.
 */
const SHORT_GUESSES: Readonly<Record<string, string>> = {
  p: 'port',
  t: 'threads',
  u: 'user',
  g: 'group',
  d: 'document-root',
  l: 'log-level',
  c: 'config',
  w: 'working-directory',
};

/** The one-dash words of argv (`-p`, `-pt`), whose letters yargs reports as unknown arguments. */
const shortLetters = (argv: readonly string[]) =>
  new Set(argv.filter((a) => /^-[^-]/.test(a)).flatMap((a) => [...a.slice(1).split('=')[0]!]));

/** Rewrites yargs' own complaints into one line that names the option and suggests a fix. */
function usageMessage(message: string, argv: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const words = (unknown[1] ?? '').split(', ');
    const options = words.filter(
      (w) => !/\s/.test(w) && argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`)),
    );
    const letters = shortLetters(argv);
    const short = words.filter((w) => w.length === 1 && letters.has(w));
    if (short.length) {
      return short
        .map((w) => {
          const guess = SHORT_GUESSES[w];
          return `unknown option -${w}; express-wsgi takes long options only${guess ? ` (did you mean --${guess}?)` : ''}.`;
        })
        .join('\n');
    }
    if (options.length) {
      return options
        .map((w) => {
          const guess = closest(w, OPTION_NAMES);
          return `unknown option --${w}${guess ? `; did you mean --${guess}?` : ''}`;
        })
        .join('\n');
    }
    return `unexpected argument ${JSON.stringify(words[0])}; only one APP may be given.`;
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(message);
  if (missing) {
    const metavar = (SCHEMA as readonly Spec[]).find(
      (s) => s.name === missing[1] || s.aliases?.includes(missing[1] ?? ''),
    )?.metavar;
    return `--${missing[1]} needs ${metavar?.includes(' ') ? `two values: ${metavar}` : `a value${metavar ? `: ${metavar}` : ''}`}.`;
  }
  const command = /^Did you mean (.*)\?$/.exec(message);
  if (command) {
    return `unknown command ${JSON.stringify(argv[0])}; did you mean ${command[1]}?`;
  }
  return message;
}

/** Runs a command with its raw option values; resolves to the exit status. */
export type RunCommand = (command: string, raw: Record<string, unknown>) => Promise<number>;

const serverCommand = (name: string, describe: string, run: RunCommand) => ({
  command: `${name} [app]`,
  describe,
  builder: (y: Argv) =>
    y
      .positional('app', {
        type: 'string',
        describe: 'WSGI script, module name (--application-type module) or directory (static)',
      })
      .options(yargsOptions())
      .example(`$0 ${name} app.wsgi --port 8080`, '')
      .example(`$0 ${name} --application-type module --callable-object app myapp`, ''),
  handler: async (args: Record<string, unknown>) => {
    refuseAfterDashes(args);
    process.exitCode = await run(name, args);
  },
});

/**
 * Words after `--`: yargs stops reading options there and keeps the rest aside, where they would be
 * dropped without a word (a later --server-root among them). No command passes arguments on, as
 * mod_wsgi-express's do not, so they are a mistake to report.
 */
function refuseAfterDashes(args: Record<string, unknown>): void {
  const positional = (args._ as unknown[] | undefined) ?? [];
  const rest = [...positional.slice(1), ...((args['--'] as unknown[] | undefined) ?? [])].map(String);
  if (rest.length) {
    throw new UsageError(
      `unexpected arguments after "--": ${rest.map((w) => JSON.stringify(w)).join(' ')}; no command takes arguments to pass on, so put options before "--" (or leave it out).`,
    );
  }
}

const moduleOptions = {
  'mod-wsgi-module': { type: 'string', describe: 'The mod_wsgi module (also $MOD_WSGI_MODULE).' },
  'modules-directory': { type: 'string', describe: "Apache's modules directory." },
  'python-home': {
    type: 'string',
    describe:
      'The virtual environment start-server would be given: a mod_wsgi pip-installed there is the one used.',
  },
} as const;

/** Parses argv with yargs and runs the command it names (or prints help, usage or the version). */
export async function runWithYargs(argv: readonly string[], run: RunCommand): Promise<void> {
  await yargs([...argv])
    .scriptName('express-wsgi')
    .usage('$0 <command> [APP] [options]\n\nRun a Python WSGI application under Apache httpd and mod_wsgi.')
    .parserConfiguration({
      'camel-case-expansion': false,
      'boolean-negation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': true,
      'greedy-arrays': false,
    })
    .command(serverCommand('start-server', 'Generate the server root and run Apache in the foreground', run))
    .command(
      serverCommand('setup-server', 'Generate the server root only; run it with <root>/apachectl', run),
    )
    .command({
      command: 'django [project]',
      describe: 'Serve a Django project: WSGI_APPLICATION from its settings, static files by Apache',
      builder: (y: Argv) =>
        y
          .positional('project', {
            type: 'string',
            describe: 'The directory holding manage.py [default: the current directory]',
          })
          .options(yargsOptions())
          .example('$0 django mysite --port 8080', '')
          .example('$0 django --setup-only --server-root /srv/mysite-server', ''),
      handler: async (args: Record<string, unknown>) => {
        refuseAfterDashes(args);
        process.exitCode = await run('django', args);
      },
    })
    .command({
      command: 'module-config',
      describe: 'Print the LoadModule line for the mod_wsgi module in use',
      builder: (y: Argv) => y.options(moduleOptions),
      handler: async (args: Record<string, unknown>) => {
        process.exitCode = await run('module-config', args);
      },
    })
    .command({
      command: 'module-location',
      describe: 'Print the path of the mod_wsgi module in use',
      builder: (y: Argv) => y.options(moduleOptions),
      handler: async (args: Record<string, unknown>) => {
        process.exitCode = await run('module-location', args);
      },
    })
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}.`)
    .recommendCommands()
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(helpWidth(process.stdout.columns))
    .epilogue('Documentation: docs/options.md and README.md in the express-wsgi package.')
    .fail((message, error) => {
      // yargs' own parse errors (YError) are the user's mistakes too.
      if (!error || error.name === 'YError') {
        throw new UsageError(usageMessage(message ?? error?.message ?? '', argv));
      }
      throw error;
    })
    .parseAsync();
}
