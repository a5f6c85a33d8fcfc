/**
 * Writes rendered files into the server root without trusting what is already there: the root
 * must be a real directory we own that nobody else can write to (the default path lives in a
 * shared /tmp), and every file is replaced atomically with an explicit mode.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { UsageError } from './errors.js';
import type { RenderedFile } from './render.js';
import type { ServerConfig } from './resolve.js';

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Refuses a server root that another user could have prepared or can change. */
export function checkServerRoot(root: string, uid: number): void {
  const st = lstatOrUndefined(root);
  if (!st) {
    return;
  }
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a directory'
      : st.uid !== uid
        ? `belongs to uid ${st.uid}, not to you (uid ${uid})`
        : st.mode & 0o022
          ? `can be written by ${st.mode & 0o002 ? 'anyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`
          : undefined;
  if (problem) {
    throw new UsageError(
      `--server-root: ${JSON.stringify(root)} ${problem}; refusing to use it. Remove it, or give another --server-root.`,
    );
  }
}

function writeAtomically(file: RenderedFile): void {
  const temp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'wx', file.mode);
  try {
    writeSync(fd, file.content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(temp, file.mode); // openSync's mode is reduced by the umask
    renameSync(temp, file.path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function writeIfMissing(file: RenderedFile): void {
  try {
    const fd = openSync(file.path, 'wx', file.mode);
    try {
      writeSync(fd, file.content);
    } finally {
      closeSync(fd);
    }
    chmodSync(file.path, file.mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
}

export function writeServerRoot(config: ServerConfig, files: readonly RenderedFile[], uid: number): void {
  const { serverRoot, documentRoot, ownDocumentRoot } = config.paths;
  checkServerRoot(serverRoot, uid);
  try {
    mkdirSync(serverRoot, { mode: 0o755 });
    chmodSync(serverRoot, 0o755);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  if (ownDocumentRoot) {
    mkdirSync(documentRoot, { recursive: true, mode: 0o755 });
  }
  for (const file of files) {
    if (file.keepExisting) {
      writeIfMissing(file);
    } else {
      writeAtomically(file);
    }
  }
}
