/** The option schema as yargs option declarations: every value arrives as text and parse.ts checks it. */
import type { Options as YargsOption } from 'yargs';

import type { Spec } from './define.js';
import { SCHEMA } from './schema.js';

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
