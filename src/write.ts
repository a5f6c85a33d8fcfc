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
  mkdtempSync,
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
    // write() errors name no path: the message must say which file did not fit.
    (error as NodeJS.ErrnoException).path ??= file.path;
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

/** Where a path inside the server root lies once the root is `root` instead. */
const moved = (path: string, from: string, to: string) =>
  path === from ? to : path.startsWith(`${from}/`) ? join(to, path.slice(from.length + 1)) : path;

/**
 * A new server root is written complete or not at all: everything goes into a sibling directory
 * of a fresh name (mkdtemp: mode 0700, ours, nobody else's to prepare), which is renamed into place
 * at the end. Out of space or permission half-way, it is removed and nothing is left.
 */
function writeNewRoot(config: ServerConfig, files: readonly RenderedFile[], uid: number): void {
  const { serverRoot, documentRoot, ownDocumentRoot } = config.paths;
  let staging: string;
  try {
    staging = mkdtempSync(join(dirname(serverRoot), `.${basename(serverRoot)}.new-`));
  } catch (error) {
    // Named after the root that could not be made, not the XXXXXX template.
    (error as NodeJS.ErrnoException).path = serverRoot;
    throw error;
  }
  try {
    const at = (path: string) => moved(path, serverRoot, staging);
    chmodSync(staging, 0o755); // Apache's user must get in
    if (ownDocumentRoot) {
      makeDirectory(at(documentRoot), { recursive: true });
      chmodSync(at(documentRoot), 0o755);
    }
    makeFeatureDirectories(config, at);
    for (const file of files) {
      writeAtomically({ ...file, path: at(file.path) });
    }
    // rename() would replace an empty directory someone made meanwhile; theirs is checked first.
    checkServerRoot(serverRoot, uid);
    renameSync(staging, serverRoot);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const e = error as NodeJS.ErrnoException;
    if (e.path) {
      // Say where the file was going, not the staging directory that no longer exists.
      e.path = moved(e.path, staging, serverRoot);
    }
    throw error;
  }
}

/**
 * An existing server root is updated in two steps: first every changed file is written and synced
 * to a temp file beside it (where running out of space or permission fails), and only when all
 * are written are they renamed over the old ones (rename needs no space). A failure in the first
 * step removes the temp files and leaves every old file as it was, which is simpler and safer than
 * replacing files one by one and rolling back, which could itself fail.
 */
function updateRoot(config: ServerConfig, files: readonly RenderedFile[], uid: number): void {
  const { serverRoot, documentRoot, ownDocumentRoot } = config.paths;
  chmodSync(serverRoot, 0o755);
  if (ownDocumentRoot) {
    makeDirectory(documentRoot, { recursive: true });
    chmodSync(documentRoot, 0o755);
  }
  makeFeatureDirectories(config, (path) => path);
  removeLeftovers(serverRoot, files);
  const staged: [string, string][] = [];
  try {
    for (const file of files) {
      if (file.keepExisting) {
        writeIfMissing(file);
      } else if (!unchanged(file, uid)) {
        staged.push([writeTemp(file), file.path]);
      }
    }
  } catch (error) {
    for (const [temp] of staged) {
      rmSync(temp, { force: true });
    }
    throw error;
  }
  for (const [temp, path] of staged) {
    renameSync(temp, path);
  }
}

function makeFeatureDirectories(config: ServerConfig, at: (path: string) => string): void {
  for (const result of Object.values(config.features) as FeatureResult[]) {
    for (const dir of result.directories ?? []) {
      makeFeatureDirectory({ ...dir, path: at(dir.path) }, config);
    }
  }
}

export function writeServerRoot(config: ServerConfig, files: readonly RenderedFile[], uid: number): void {
  const { serverRoot } = config.paths;
  checkServerRoot(serverRoot, uid);
  for (const file of files) {
    if (file.keepExisting) {
      checkKeptFile(file.path, uid);
    }
  }
  if (lstatOrUndefined(serverRoot)) {
    updateRoot(config, files, uid);
  } else {
    writeNewRoot(config, files, uid);
  }
}
