/**
 * A path with every symlink resolved, for a path that may not exist yet (a new server root): the
 * deepest existing ancestor is resolved and the rest appended. resolve() compares paths with it
 * (handed in through its Context) to see whether one directory lies inside another.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync.native(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute));
  }
}
