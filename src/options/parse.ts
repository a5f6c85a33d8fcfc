/**
 * Raw command-line values (every option arrives as text from yargs) → a typed, validated Options
 * object. All value checks that need no file system live here, so mistakes are caught before
 * discovery or any write.
 */
import { readFileSync } from 'node:fs';
import { normalize } from 'node:path';

import { badValue, UsageError } from '../errors.js';
import { closest } from '../suggest.js';
import { camel, LIMITS, type Spec } from './define.js';
import { type Options, SCHEMA } from './schema.js';

type Raw = Record<string, unknown>;

// Characters that would end a directive or a shell word early, or that Apache expands (${VAR}).
const UNSAFE = /[\0\r\n]|\$\{/;

function text(spec: Spec, value: unknown): string {
  const s = String(value);
  if (UNSAFE.test(s)) {
    throw badValue(spec.name, s, 'text without line breaks, NUL bytes or ${...}');
  }
  if (spec.choices && !spec.choices.includes(s)) {
    throw badValue(spec.name, s, `one of ${spec.choices.join(', ')}`);
  }
  const problem = spec.check?.(s);
  if (problem) {
    throw badValue(spec.name, s, problem);
  }
  return s;
}

/** "a whole number from 1 to 65535": the valid values of a numeric option, from its schema range. */
export function numberRange(spec: Spec): string {
  if (spec.valid) {
    return spec.valid;
  }
  const { min, max } = spec;
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : '';
  return `${spec.kind === 'int' ? 'a whole number' : 'a number'}${range}`;
}

// Plain decimal digits only: no exponent (1e21), hex or Infinity, which Number() would take and
// String() could give back as something Apache or mod_wsgi reads differently. Floats get at most
// LIMITS.DECIMALS places, so that every accepted value prints as plain digits (String(1e-7) is "1e-7").
const INT_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(\d+\.?\d*|\.\d+)$/;
const TOO_PRECISE = new RegExp(`\\.\\d{${LIMITS.DECIMALS + 1},}$`);

function number(spec: Spec, value: unknown): number {
  const s = String(value).trim();
  const ok = (spec.kind === 'int' ? INT_TEXT : FLOAT_TEXT).test(s);
  const n = Number(s);
  const { min, max } = spec;
  if (!ok || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw badValue(spec.name, value, numberRange(spec));
  }
  if (TOO_PRECISE.test(s.replace(/0+$/, ''))) {
    throw badValue(spec.name, value, `${numberRange(spec)}, with at most ${LIMITS.DECIMALS} decimal places`);
  }
  const problem = spec.check?.(s);
  if (problem) {
    throw badValue(spec.name, value, problem);
  }
  return n;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function convert(spec: Spec, value: unknown): unknown {
  if (value === undefined) {
    if (spec.kind === 'flag') {
      return false;
    }
    if (spec.kind === 'list' || spec.kind === 'pairs') {
      return [];
    }
    return spec.default;
  }
  switch (spec.kind) {
    case 'flag':
      return Boolean(asArray(value).at(-1));
    case 'int':
    case 'float':
      return number(spec, asArray(value).at(-1));
    case 'string':
      return text(spec, asArray(value).at(-1));
    case 'list':
      return asArray(value).map((v) => text(spec, v));
    case 'pairs': {
      const flat = asArray(value).map((v) => text(spec, v));
      if (flat.length % 2 !== 0) {
        throw badValue(spec.name, flat.at(-1), `two values: ${spec.metavar ?? 'NAME VALUE'}`);
      }
      const out: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        out.push([flat[i] as string, flat[i + 1] as string]);
      }
      return out;
    }
  }
}

/**
 * An option's raw value under its name, else under an alias. yargs files a value under every
 * alias at once, so only one of them may be read.
 */
function rawValue(raw: Raw, spec: Spec): unknown {
  return [spec.name, ...(spec.aliases ?? [])].map((n) => raw[n]).find((v) => v !== undefined);
}

/** The environment variable that can set an option: --log-to-terminal → EXPRESS_WSGI_LOG_TO_TERMINAL. */
export const envName = (option: string) => `EXPRESS_WSGI_${option.toUpperCase().replace(/-/g, '_')}`;

// One rule for yes and no wherever a flag's value is text: argv, EXPRESS_WSGI_* and --config.
const YES = /^(1|true|yes|on)$/i;
const NO = /^(0|false|no|off|)$/i;
const FLAG_WORDS = '1/0, true/false, yes/no or on/off';

/** A flag's value as text, or undefined when it is neither yes nor no. */
function flagOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  const s = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : undefined;
  return s === undefined ? undefined : YES.test(s) ? true : NO.test(s) ? false : undefined;
}

/** An option's value as an environment variable gives it: words for lists and pairs, yes/no for flags. */
function fromEnv(spec: Spec, text: string): unknown {
  const name = envName(spec.name);
  if (spec.kind === 'flag') {
    const value = flagOf(text);
    if (value === undefined) {
      throw new UsageError(`${name}: ${JSON.stringify(text)} is not valid; expected ${FLAG_WORDS}.`);
    }
    return value;
  }
  return spec.kind === 'list' || spec.kind === 'pairs' ? text.split(/\s+/).filter(Boolean) : text;
}

/** A --config file: a JSON object of option names (as on the command line, without dashes) to values. */
export function readConfigFile(path: string): Raw {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw badValue('config', path, `a readable JSON file (${(error as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw badValue('config', path, 'a JSON object of option names to values, e.g. {"port": 8080}');
  }
  const known = new Map(
    (SCHEMA as readonly Spec[]).flatMap((s) => [s.name, ...(s.aliases ?? [])].map((n) => [n, s])),
  );
  const out: Raw = {};
  for (const [key, value] of Object.entries(data)) {
    const name = key.replace(/^--/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (name === 'config') {
      // Files do not chain: which file wins, and loops, would be one more thing to get wrong.
      throw badValue(
        'config',
        path,
        `option names other than "config"; ${JSON.stringify(key)} cannot be given in a config file (a config file cannot name another one)`,
      );
    }
    const spec = known.get(name);
    if (!spec) {
      const guess = closest(
        name,
        [...known.keys()].filter((n) => n !== 'config'),
      );
      throw badValue(
        'config',
        path,
        `known option names only; ${JSON.stringify(key)} is not one${guess ? ` (did you mean "${guess}"?)` : ''}`,
      );
    }
    if (spec.kind === 'flag') {
      const flagValue = flagOf(value);
      if (flagValue === undefined) {
        throw badValue(
          'config',
          path,
          `true or false for ${JSON.stringify(key)} (or ${FLAG_WORDS}); ${JSON.stringify(value)} is neither`,
        );
      }
      out[spec.name] = flagValue;
      continue;
    }
    // Numbers arrive typed; the usual checks run on their text.
    out[spec.name] = Array.isArray(value) ? value.flat().map(String) : String(value);
  }
  return out;
}

/**
 * Raw values from the command line, then EXPRESS_WSGI_* variables, then a --config file (the first
 * that gives an option wins), converted and checked against the schema.
 */
export function parseOptions(raw: Raw, env: NodeJS.ProcessEnv = {}): Options {
  const configPath = raw.config === undefined ? env[envName('config')] : String(raw.config);
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const out: Record<string, unknown> = {};
  const source: Record<string, 'argv' | 'env' | 'file' | undefined> = {};
  for (const spec of SCHEMA as readonly Spec[]) {
    const envText = env[envName(spec.name)];
    const given = rawValue(raw, spec);
    const [where, value] =
      given !== undefined
        ? (['argv', given] as const)
        : envText !== undefined
          ? (['env', fromEnv(spec, envText)] as const)
          : fromFile[spec.name] !== undefined
            ? (['file', fromFile[spec.name]] as const)
            : ([undefined, undefined] as const);
    source[spec.name] = where;
    out[camel(spec.name)] = withSource(spec.name, where, configPath, () => convert(spec, value));
  }
  const app = raw.app === undefined ? undefined : String(raw.app);
  if (app !== undefined && source['entry-point'] === 'file') {
    // The command line wins over the file, as for every other option.
    out.entryPoint = undefined;
  }
  const entryPoint = out.entryPoint as string | undefined;
  if (app !== undefined && entryPoint !== undefined && normalize(app) !== normalize(entryPoint)) {
    const from = source['entry-point'] === 'env' ? envName('entry-point') : '--entry-point';
    throw new UsageError(
      `APP ${JSON.stringify(app)} and ${from} ${JSON.stringify(entryPoint)} name different entry points; give one of them.`,
    );
  }
  if (app !== undefined && UNSAFE.test(app)) {
    throw badValue('entry-point', app, 'a path without line breaks, NUL bytes or ${...}');
  }
  return { ...out, app, sources: { of: source, configPath } } as unknown as Options;
}

/**
 * Runs a step after parsing (resolve): a complaint it makes about an option set by EXPRESS_WSGI_*
 * or a --config file names that variable or file, as parsing's own complaints do.
 */
export function blamingSources<T>(opts: Options, run: () => T): T {
  try {
    return run();
  } catch (error) {
    const name = error instanceof UsageError ? /^--([a-z0-9-]+): /.exec(error.message)?.[1] : undefined;
    if (name === undefined || !opts.sources) {
      throw error;
    }
    return withSource(name, opts.sources.of[name], opts.sources.configPath, () => {
      throw error;
    });
  }
}

/** Converts a value; a complaint about one from EXPRESS_WSGI_* or a --config file says where it came from. */
function withSource<T>(
  name: string,
  where: string | undefined,
  configPath: string | undefined,
  run: () => T,
): T {
  try {
    return run();
  } catch (error) {
    const prefix = `--${name}: `;
    if (
      !(error instanceof UsageError) ||
      !error.message.startsWith(prefix) ||
      (where !== 'env' && where !== 'file')
    ) {
      throw error;
    }
    const rest = error.message.slice(prefix.length);
    throw new UsageError(
      where === 'env'
        ? `${envName(name)} (--${name}): ${rest}`
        : `--config ${JSON.stringify(configPath)}, "${name}": ${rest}`,
    );
  }
}
