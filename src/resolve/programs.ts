/** Programs by name on PATH or by path. */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath, delimiter } from 'node:path';

import type { Context } from '../config.js';

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

const isExecutable = (path: string): boolean => {
  if (!statOf(path)?.isFile()) {
    return false;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A program by path (relative to cwd) or by bare name on PATH; undefined when not executable. */
export function findProgram(given: string, ctx: Context, extra: readonly string[] = []): string | undefined {
  if (given.includes('/')) {
    const path = resolvePath(ctx.cwd, given);
    return isExecutable(path) ? path : undefined;
  }
  const dirs = [...(ctx.env.PATH ?? '').split(delimiter).filter(isAbsolute), ...extra];
  return dirs.map((d) => join(d, given)).find(isExecutable);
}
