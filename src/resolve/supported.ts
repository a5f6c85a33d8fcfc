/** Options the installed mod_wsgi cannot take, and options only accepted to be refused. */
import type { Discovery } from '../config.js';
import { UsageError } from '../errors.js';
import { camel, type Spec } from '../options/define.js';
import { type Options, SCHEMA } from '../options/schema.js';

/** Whether a module version is at least `wanted` ("6.0.0"). */
export function versionAtLeast(found: readonly number[], wanted: string): boolean {
  const want = wanted.split('.').map(Number);
  for (let i = 0; i < Math.max(found.length, want.length); i++) {
    const a = found[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) {
      return a > b;
    }
  }
  return true;
}

/** Refuses an option the installed mod_wsgi is too old for, or one only accepted to be refused. */
export function checkSupported(opts: Options, discovery: Discovery): void {
  for (const spec of SCHEMA as readonly Spec[]) {
    const value = (opts as unknown as Record<string, unknown>)[camel(spec.name)];
    const given = Array.isArray(value)
      ? value.length > 0
      : value !== undefined && value !== false && value !== spec.default;
    if (!given) {
      continue;
    }
    if (spec.refused) {
      throw new UsageError(`--${spec.name} is not supported: ${spec.refused}`);
    }
    if (spec.minModWsgi && !versionAtLeast(discovery.modWsgi.version, spec.minModWsgi)) {
      throw new UsageError(
        `--${spec.name} needs mod_wsgi >= ${spec.minModWsgi}, found ${discovery.modWsgi.version.join('.')} (${discovery.modWsgi.path}).`,
      );
    }
  }
}
