/**
 * Help without yargs (issue 7): laying out ~160 options is nearly all of `--help`'s time, and the
 * text depends on little. scripts/bundle.mjs stores what yargs prints for `--help` and for each
 * `COMMAND --help`, at each width below, and dist/cli.js prints a stored text when the command
 * line is exactly such a request and nothing that changes yargs' output differs from the build:
 * the locale (English only), YARGS_DISABLE_WRAP and the width. Anything else goes to yargs.
 * This module is inlined into dist/cli.js, which runs it before anything else is loaded: it
 * imports nothing of the project. test/integration/stored-help.test.ts holds every stored text
 * to live yargs' output under the same conditions.
 */
import { fstatSync, readFileSync, statSync, writeSync } from 'node:fs';

/** yargs' wrap width: the terminal's columns up to 110; 100 when stdout is no terminal. */
export const helpWidth = (columns: number | undefined): number => Math.min(110, columns || 100);

/** The widths stored: stdout no terminal (100) and a terminal at least 110 columns wide. */
export const STORED_WIDTHS: readonly number[] = [100, 110];

/** The stored texts, as the file scripts/bundle.mjs writes: by width, then by command ('' for none). */
export type StoredHelp = Record<string, Record<string, string>>;

const isHelp = (word: string | undefined) => word === '--help' || word === '-h';

/** The command whose help argv asks for exactly ('' for the top level); undefined for any other line. */
export function helpRequest(argv: readonly string[]): string | undefined {
  if (argv.length === 1 && isHelp(argv[0])) {
    return '';
  }
  const [command = '', help] = argv;
  return argv.length === 2 && isHelp(help) && /^[a-z][a-z-]*$/.test(command) ? command : undefined;
}

/**
 * Whether yargs prints its own words in English under env: it takes the first of LC_ALL,
 * LC_MESSAGES, LANG and LANGUAGE that is set and not empty (else en_US), cut at '.' or ':'.
 * C and POSIX have no translation, so they read as English too.
 */
export function englishLocale(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || env.LANGUAGE || 'en_US';
  return /^(?:C|POSIX|en(?:_[A-Za-z]+)?)$/.test(locale.replace(/[.:].*/, ''));
}

/**
 * The width yargs wraps help at for this stdout; undefined when not known. A pipe, file, socket
 * or /dev/null is no terminal, which fstat tells without process.stdout: constructing that stream
 * loads node:net and node:stream (~3 ms). Only another character device may be a terminal.
 */
function stdoutWidth(): number | undefined {
  try {
    const stat = fstatSync(1);
    if (stat.isFIFO() || stat.isFile() || stat.isSocket()) {
      return helpWidth(undefined);
    }
    if (stat.isCharacterDevice()) {
      return stat.rdev === statSync('/dev/null').rdev
        ? helpWidth(undefined)
        : helpWidth(process.stdout.columns);
    }
  } catch {
    // stdout closed or unknown: leave it to yargs
  }
  return undefined;
}

/** Writes text to stdout as yargs' console.log does: a write error is ignored. */
function print(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) {
      done += writeSync(1, bytes, done);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
      // A non-blocking pipe that is full: the stream waits for it, and Node for the stream.
      process.stdout.write(bytes.subarray(done));
    }
  }
}

/**
 * Prints the stored help if argv asks for one and the stored text is what yargs would print now
 * (yargs then exits with status 0, as this leaves it). False: nothing printed, ask yargs.
 */
export function printStoredHelp(argv: readonly string[], file: URL): boolean {
  const command = helpRequest(argv);
  if (command === undefined || !englishLocale(process.env) || process.env.YARGS_DISABLE_WRAP !== undefined) {
    return false;
  }
  const width = stdoutWidth();
  if (width === undefined) {
    return false;
  }
  let text: unknown;
  try {
    text = (JSON.parse(readFileSync(file, 'utf8')) as StoredHelp)[width]?.[command];
  } catch {
    return false; // none stored (the build could not render them)
  }
  if (typeof text !== 'string') {
    return false;
  }
  print(text);
  return true;
}
