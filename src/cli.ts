#!/usr/bin/env node
/**
 * The express-wsgi command line: parses argv with yargs, hands the values to a command, and turns
 * the outcome into an exit status. No server logic lives here.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';

import { EnvironmentError, UsageError } from './errors.js';
import { err } from './log.js';
import type { Spec } from './options/define.js';
import { SCHEMA } from './options/schema.js';
import { OPTION_NAMES, yargsOptions } from './options/yargs.js';
import { closest } from './suggest.js';
import { VERSION } from './version.js';

const argv = hideBin(process.argv);

/** Rewrites yargs' own complaints into one line that names the option and suggests a fix. */
function usageMessage(message: string): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const words = (unknown[1] ?? '').split(', ');
    const options = words.filter(
      (w) => !/\s/.test(w) && argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`)),
    );
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

const COMMANDS = ['start-server', 'setup-server', 'django', 'module-config', 'module-location'];

const serverCommand = (name: string, describe: string, setupOnly: boolean) => ({
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
    const { serve } = await import('./commands/serve.js');
    process.exitCode = await serve(args, setupOnly, argv);
  },
});

const moduleOptions = {
  'mod-wsgi-module': { type: 'string', describe: 'The mod_wsgi module (also $MOD_WSGI_MODULE).' },
  'modules-directory': { type: 'string', describe: "Apache's modules directory." },
} as const;

async function main(): Promise<void> {
  await yargs(argv)
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
    .command(
      serverCommand('start-server', 'Generate the server root and run Apache in the foreground', false),
    )
    .command(
      serverCommand('setup-server', 'Generate the server root only; run it with <root>/apachectl', true),
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
        const { django } = await import('./commands/django.js');
        process.exitCode = await django(args, false, argv);
      },
    })
    .command({
      command: 'module-config',
      describe: 'Print the LoadModule line for the mod_wsgi module in use',
      builder: (y: Argv) => y.options(moduleOptions),
      handler: async (args: Record<string, unknown>) => {
        const { moduleConfig } = await import('./commands/module.js');
        process.exitCode = moduleConfig(args);
      },
    })
    .command({
      command: 'module-location',
      describe: 'Print the path of the mod_wsgi module in use',
      builder: (y: Argv) => y.options(moduleOptions),
      handler: async (args: Record<string, unknown>) => {
        const { moduleLocation } = await import('./commands/module.js');
        process.exitCode = moduleLocation(args);
      },
    })
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}.`)
    .recommendCommands()
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Documentation: docs/options.md and README.md in the express-wsgi package.')
    .fail((message, error) => {
      // yargs' own parse errors (YError) are the user's mistakes too.
      if (!error || error.name === 'YError') {
        throw new UsageError(usageMessage(message ?? error?.message ?? ''));
      }
      throw error;
    })
    .parseAsync();
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof EnvironmentError) {
    err(`express-wsgi: error: ${error.message}`);
    if (error instanceof UsageError) {
      const command = COMMANDS.includes(argv[0] ?? '') ? `${argv[0]} ` : '';
      err(`Run 'express-wsgi ${command}--help' for the options.`);
    }
    process.exitCode = error.exitCode;
    return;
  }
  err(
    `express-wsgi: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
});
