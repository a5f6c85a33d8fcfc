/**
 * The command line's fast path. start-server, setup-server and django with plain long options are
 * read straight from the schema, into the same raw values yargs would give parse.ts: constructing
 * yargs and declaring ~160 options to it costs more than everything else setup-server does.
 * Anything this reader does not fully understand (help, short or unknown options, a value that
 * looks like an option, `--`, `--flag=...`) returns undefined, and yargs parses the command line
 * with its own checks and messages. test/unit/argv.test.ts holds the two to the same result.
 */
import type { Kind, Spec } from './define.js';
import { SCHEMA } from './schema.js';

/** Every command, in the order usage messages list them. */
export const COMMANDS = ['start-server', 'setup-server', 'django', 'module-config', 'module-location'];

/** The commands the fast path serves, and the name of each one's positional argument. */
export const FAST_COMMANDS: Readonly<Record<string, string>> = {
  'start-server': 'app',
  'setup-server': 'app',
  django: 'project',
};

let kinds: Map<string, Kind> | undefined;
/** Every long option name, aliases included (yargs declares aliases as options of their own). */
function kindOf(name: string): Kind | undefined {
  kinds ??= new Map(
    (SCHEMA as readonly Spec[]).flatMap((s) => [s.name, ...(s.aliases ?? [])].map((n) => [n, s.kind])),
  );
  return kinds.get(name);
}

export interface CommandLine {
  readonly command: string;
  /** Option values by name as given (text, true for flags; repeated ones as an array), and the positional. */
  readonly raw: Record<string, unknown>;
}

// A value yargs would not take as one, or might read differently: leave such lines to it.
const unsure = (value: string | undefined) => value === undefined || value === '' || value.startsWith('-');

export function readCommandLine(argv: readonly string[]): CommandLine | undefined {
  const [command = '', ...rest] = argv;
  const positional = Object.hasOwn(FAST_COMMANDS, command) ? FAST_COMMANDS[command] : undefined;
  if (!positional) {
    return undefined;
  }
  const raw: Record<string, unknown> = {};
  // yargs' duplicate-arguments-array: a repeated option becomes an array, flattened for pairs.
  const put = (name: string, values: readonly unknown[]) => {
    const before = raw[name];
    raw[name] =
      before === undefined
        ? values.length === 1
          ? values[0]
          : values
        : [...(Array.isArray(before) ? before : [before]), ...values];
  };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (!word.startsWith('--')) {
      // `setup-server help` is yargs' way of asking for the command's help.
      if (unsure(word) || word === 'help' || raw[positional] !== undefined) {
        return undefined;
      }
      raw[positional] = word;
      continue;
    }
    const equals = word.indexOf('=');
    const name = word.slice(2, equals < 0 ? undefined : equals);
    const kind = kindOf(name);
    if (!kind) {
      return undefined;
    }
    if (equals >= 0) {
      // --name=value: plain for one-value options only.
      if (kind === 'flag' || kind === 'pairs') {
        return undefined;
      }
      put(name, [word.slice(equals + 1)]);
    } else if (kind === 'flag') {
      // yargs reads `--flag true` and `--flag false` as the flag's value; a repeated flag stays true.
      if (rest[i + 1] === 'true' || rest[i + 1] === 'false') {
        return undefined;
      }
      raw[name] = true;
    } else {
      const count = kind === 'pairs' ? 2 : 1;
      const values = rest.slice(i + 1, i + 1 + count);
      if (values.length < count || values.some(unsure)) {
        return undefined;
      }
      put(name, values);
      i += count;
    }
  }
  return { command, raw };
}
