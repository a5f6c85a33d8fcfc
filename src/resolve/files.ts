/**
 * The checks resolve makes of the paths it is given, each named for the question it answers and
 * asked of the Host (never of the file system directly).
 */
import { dirname, resolve as resolvePath } from 'node:path';

import type { Context, Host } from '../config.js';
import { badValue } from '../errors.js';

type Where = Pick<Context, 'cwd' | 'host'>;

export const isFile = (host: Host, path: string): boolean => host.stat(path)?.kind === 'file';
export const isDirectory = (host: Host, path: string): boolean => host.stat(path)?.kind === 'directory';

/** An option's value that must name an existing directory, made absolute. */
export function existingDirectory(where: Where, option: string, value: string): string {
  const path = resolvePath(where.cwd, value);
  if (!isDirectory(where.host, path)) {
    throw badValue(option, value, 'an existing directory');
  }
  return path;
}

/** An option's value that must name an existing regular file, made absolute. */
export function existingFile(where: Where, option: string, value: string): string {
  const path = resolvePath(where.cwd, value);
  const st = where.host.stat(path);
  if (!st) {
    throw badValue(option, value, 'an existing file (no such file)');
  }
  if (st.kind !== 'file') {
    throw badValue(
      option,
      value,
      `a file (it is a ${st.kind === 'directory' ? 'directory' : 'special file'})`,
    );
  }
  return path;
}

/** Every directory above `path` (up to, not including, /) is searchable by others. */
function othersCanWalkTo(host: Host, path: string): boolean {
  for (let p = dirname(path); p !== '/' && p !== dirname(p); p = dirname(p)) {
    if (!((host.stat(p)?.mode ?? 0) & 0o001)) {
      return false;
    }
  }
  return true;
}

/**
 * Whether another account (the one Apache or the app runs as) can use `path`: open it when it is
 * a file (readable by others), enter it when it is a directory (searchable by others), with
 * every directory above it searchable.
 */
export function othersCanReach(host: Host, path: string): boolean {
  const st = host.stat(path);
  return Boolean(st && st.mode & (st.kind === 'directory' ? 0o001 : 0o004)) && othersCanWalkTo(host, path);
}

/** Whether another account can list the directory `path` (readable and searchable by others). */
export function othersCanList(host: Host, path: string): boolean {
  const st = host.stat(path);
  return Boolean(st && st.kind === 'directory' && (st.mode & 0o005) === 0o005) && othersCanWalkTo(host, path);
}

/** A text file's content, or undefined when it cannot be read. */
export function readFileSafe(host: Host, path: string): string | undefined {
  try {
    return host.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
