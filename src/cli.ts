/**
 * The express-wsgi command line: reads argv (plain server command lines directly, the rest with
 * yargs), hands the values to a command, and turns the outcome into an exit status. No server
 * logic lives here.
 */
import { EnvironmentError, fileSystemError, isFileSystemError, UsageError } from './errors.js';
import { err } from './log.js';
import { COMMANDS, readCommandLine } from './options/argv.js';

const argv = process.argv.slice(2);

/** Runs a command with its raw option values (as yargs gives them); resolves to the exit status. */
async function run(command: string, raw: Record<string, unknown>): Promise<number> {
  switch (command) {
    case 'start-server':
    case 'setup-server': {
      const { serve } = await import('./commands/serve.js');
      return serve(raw, command === 'setup-server', argv);
    }
    case 'django': {
      const { django } = await import('./commands/django.js');
      return django(raw, false, argv);
    }
    case 'module-config': {
      const { moduleConfig } = await import('./commands/module.js');
      return moduleConfig(raw);
    }
    default: {
      const { moduleLocation } = await import('./commands/module.js');
      return moduleLocation(raw);
    }
  }
}

async function main(): Promise<void> {
  const line = readCommandLine(argv);
  if (line) {
    process.exitCode = await run(line.command, line.raw);
    return;
  }
  // Help, usage, mistakes and the rarer commands: yargs, loaded only now.
  const { runWithYargs } = await import('./options/yargs.js');
  await runWithYargs(argv, run);
}

main().catch((caught: unknown) => {
  // A file-system failure is the machine's, not a bug: one sentence, no stack trace.
  const error = isFileSystemError(caught) ? fileSystemError(caught) : caught;
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
