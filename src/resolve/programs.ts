/** A program the user names: a path (relative to the working directory) or a bare name on PATH. */
import { resolve as resolvePath } from 'node:path';

import type { Context } from '../config.js';

/** The program's absolute path, or undefined when it is not an executable regular file. */
export function findProgram(
  given: string,
  ctx: Pick<Context, 'cwd' | 'host'>,
  extraDirs: readonly string[] = [],
): string | undefined {
  if (given.includes('/')) {
    const path = resolvePath(ctx.cwd, given);
    return ctx.host.isExecutable(path) ? path : undefined;
  }
  return ctx.host.which(given, extraDirs);
}
