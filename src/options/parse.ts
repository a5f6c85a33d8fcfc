/**
 * Raw command-line values (every option arrives as text from yargs) → a typed, validated Options
 * object. All value checks that need no file system live here, so mistakes are caught before
 * discovery or any write.
 */
import { badValue } from '../errors.js';
import { camel, type Spec } from './define.js';
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

function number(spec: Spec, value: unknown): number {
  const s = String(value).trim();
  const ok = spec.kind === 'int' ? /^-?\d+$/.test(s) : /^-?(\d+\.?\d*|\.\d+)$/.test(s);
  const n = Number(s);
  const { min, max } = spec;
  const range =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : '';
  const what = `${spec.kind === 'int' ? 'a whole number' : 'a number'}${range}`;
  if (!ok || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw badValue(spec.name, value, what);
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

/** Looks an option up under its name or any of its aliases in the raw argv. */
function rawValue(raw: Raw, spec: Spec): unknown {
  const names = [spec.name, ...(spec.aliases ?? [])];
  const given = names.map((n) => raw[n]).filter((v) => v !== undefined);
  return given.length > 1 ? given.flat() : given[0];
}

export function parseOptions(raw: Raw): Options {
  const out: Record<string, unknown> = {};
  for (const spec of SCHEMA as readonly Spec[]) {
    out[camel(spec.name)] = convert(spec, rawValue(raw, spec));
  }
  const app = raw.app === undefined ? undefined : String(raw.app);
  if (app !== undefined && UNSAFE.test(app)) {
    throw badValue('entry-point', app, 'a path without line breaks, NUL bytes or ${...}');
  }
  return { ...out, app } as unknown as Options;
}
