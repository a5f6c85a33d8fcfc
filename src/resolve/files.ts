/** The checks resolve makes of the paths it is given: each one named for what it answers. */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';

import { badValue } from '../errors.js';

export const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

export function existingDirectory(option: string, value: string, cwd: string): string {
  const path = resolvePath(cwd, value);
  if (!statOf(path)?.isDirectory()) {
    throw badValue(option, value, 'an existing directory');
  }
  return path;
}

export function existingFile(option: string, value: string, cwd: string): string {
  const path = resolvePath(cwd, value);
  const st = statOf(path);
  if (!st) {
    throw badValue(option, value, 'an existing file (no such file)');
  }
  if (!st.isFile()) {
    throw badValue(option, value, `a file (it is a ${st.isDirectory() ? 'directory' : 'special file'})`);
  }
  return path;
}

/** Whether "others" can reach and read a path: every directory above it searchable, the file readable. */
export function readableByOthers(path: string): boolean {
  let p = path;
  const target = statOf(p);
  if (!target || !(target.mode & (target.isDirectory() ? 0o001 : 0o004))) {
    return false;
  }
  while ((p = dirname(p)) !== '/') {
    const st = statOf(p);
    if (!st || !(st.mode & 0o001)) {
      return false;
    }
  }
  return true;
}

export function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => statOf(p)?.isFile());
}

export function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A text file's content, or undefined when it cannot be read. */
export function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
