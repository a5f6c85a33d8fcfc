/** What makes a path that someone else could have prepared or can change unsafe to use. */
import { lstatSync } from 'node:fs';

export function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why a path someone else could have prepared or can change is unsafe, or undefined when it is
 * not: a symbolic link, the wrong kind, another owner (root may own kept files), group/other-writable.
 */
export function unsafeBecause(path: string, uid: number, kind: 'directory' | 'file'): string | undefined {
  const st = lstatOrUndefined(path);
  if (!st) {
    return undefined;
  }
  if (st.isSymbolicLink()) {
    return 'is a symbolic link';
  }
  if (kind === 'directory' ? !st.isDirectory() : !st.isFile()) {
    return kind === 'directory' ? 'is not a directory' : 'is not a regular file';
  }
  const rootMayOwn = kind === 'file';
  if (st.uid !== uid && !(rootMayOwn && st.uid === 0)) {
    return `belongs to uid ${st.uid}, not to you (uid ${uid})${rootMayOwn ? ' or root' : ''}`;
  }
  if (st.mode & 0o022) {
    return `can be written by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`;
  }
  return undefined;
}
