/**
 * Writes rendered files into the server root without trusting what is already there: the root
 * must be a real directory we own that nobody else can write to (the default path lives in a
 * shared /tmp), and every file is replaced atomically with an explicit mode. A file that already
 * holds exactly what would be written is left alone: a rerun with the same flags (every restart
 * of a server) writes and syncs nothing.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { UsageError } from './errors.js';
import type { ExtraDirectory, FeatureResult } from './features/types.js';
import type { RenderedFile } from './render.js';
import type { ServerConfig } from './resolve.js';

function lstatOrUndefined(path: string) {
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
function unsafeBecause(path: string, uid: number, kind: 'directory' | 'file'): string | undefined {
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

/** Refuses a server root that another user could have prepared or can change. */
export function checkServerRoot(root: string, uid: number): void {
  const problem = unsafeBecause(root, uid, 'directory');
  if (problem) {
    throw new UsageError(
      `--server-root: ${JSON.stringify(root)} ${problem}; refusing to use it. Remove it, or give another --server-root.`,
    );
  }
}

/**
 * Refuses a kept file (envvars, rewrite.conf: sourced or read as root) that someone else could
 * have put there or can change: it must be a regular file owned by you or root, not writable by
 * group or others. Checked before anything is written, so a refusal changes nothing.
 */
export function checkKeptFile(path: string, uid: number): void {
  const problem = unsafeBecause(path, uid, 'file');
  if (problem) {
    throw new UsageError(
      `--server-root: ${JSON.stringify(path)} ${problem}; refusing to use it. Fix its owner and mode, or remove it.`,
    );
  }
}

let temps = 0;
/**
 * A fresh name beside the target: the pid and a counter make it unique among live runs, and
 * opening with O_EXCL ('wx') fails rather than reuse anything there. Temp files of earlier runs
 * are removed before writing (two runs writing one server root at once are not supported).
 */
const tempNameFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}-${++temps}.tmp`);

/**
 * Whether the file is already exactly what would be written: a regular file of ours with no other
 * name, this mode and this content. Whoever wrote it synced it then (we sync before renaming).
 */
function unchanged(file: RenderedFile, uid: number): boolean {
  const st = lstatOrUndefined(file.path);
  if (!st?.isFile() || st.uid !== uid || st.nlink !== 1 || (st.mode & 0o7777) !== file.mode) {
    return false;
  }
  const content = Buffer.from(file.content);
  if (st.size !== content.length) {
    return false;
  }
  try {
    return readFileSync(file.path).equals(content);
  } catch {
    return false;
  }
}

function writeTemp(file: RenderedFile): string {
  const temp = tempNameFor(file.path);
  const fd = openSync(temp, 'wx', file.mode);
  try {
    writeSync(fd, file.content);
    fsyncSync(fd);
    fchmodSync(fd, file.mode); // openSync's mode is reduced by the umask
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return temp;
}

/** Replaces the file in one step: readers see the old content or the new, never a mix. */
function writeAtomically(file: RenderedFile): void {
  const temp = writeTemp(file);
  try {
    renameSync(temp, file.path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Creates the file complete or not at all, and never replaces one that exists (the user's edits). */
function writeIfMissing(file: RenderedFile): void {
  if (lstatOrUndefined(file.path)) {
    return; // linking would fail with EEXIST: spare writing and syncing the temp file
  }
  const temp = writeTemp(file);
  try {
    linkSync(temp, file.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Temp files a run that was killed mid-write left behind. */
function removeLeftovers(root: string, files: readonly RenderedFile[]): void {
  const prefixes = files.map((f) => `.${basename(f.path)}.`);
  for (const name of readdirSync(root)) {
    if (name.endsWith('.tmp') && prefixes.some((p) => name.startsWith(p))) {
      rmSync(join(root, name), { force: true });
    }
  }
}

function makeDirectory(path: string, options: { recursive?: boolean } = {}): void {
  try {
    mkdirSync(path, { mode: 0o755, ...options });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
}

/** A directory a feature asked for: created when missing; one created here goes to the app's account. */
function makeFeatureDirectory(dir: ExtraDirectory, config: ServerConfig): void {
  try {
    mkdirSync(dir.path, { mode: dir.mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return; // the user's: its owner and mode are left alone
    }
    throw error;
  }
  chmodSync(dir.path, dir.mode);
  if (dir.owned && config.startedAsRoot) {
    chownSync(dir.path, config.user.id, config.group.id);
  }
}

export function writeServerRoot(config: ServerConfig, files: readonly RenderedFile[], uid: number): void {
  const { serverRoot, documentRoot, ownDocumentRoot } = config.paths;
  // Create first, then check what is there: checking first would leave a moment for someone else
  // to put a directory of theirs in place.
  checkServerRoot(serverRoot, uid);
  for (const file of files) {
    if (file.keepExisting) {
      checkKeptFile(file.path, uid);
    }
  }
  makeDirectory(serverRoot);
  checkServerRoot(serverRoot, uid);
  chmodSync(serverRoot, 0o755); // mkdir's mode is reduced by the umask; Apache's user must get in
  if (ownDocumentRoot) {
    makeDirectory(documentRoot, { recursive: true });
    chmodSync(documentRoot, 0o755);
  }
  for (const result of Object.values(config.features) as FeatureResult[]) {
    for (const dir of result.directories ?? []) {
      makeFeatureDirectory(dir, config);
    }
  }
  removeLeftovers(serverRoot, files);
  for (const file of files) {
    if (file.keepExisting) {
      writeIfMissing(file);
    } else if (!unchanged(file, uid)) {
      writeAtomically(file);
    }
  }
}
