/**
 * An in-memory file system and the Host (src/config.ts) that answers from it, for the unit tests
 * of resolve and the feature resolvers: they never touch the real file system. The write side
 * mirrors the node:fs calls the tests used (mkdirSync, writeFileSync, chmodSync, symlinkSync, …),
 * so a test sets up its files as before, only importing them from here.
 */
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

import type { Accounts, FileInfo, Host } from '../../../src/config.js';

type Entry =
  | { readonly kind: 'file'; mode: number; readonly uid: number; content: string }
  | { readonly kind: 'directory'; mode: number; readonly uid: number }
  | { readonly kind: 'symlink'; readonly target: string };

/** The uid that owns what the test creates (the tests' Context says uid 1000). */
const OWNER = 1000;
const entries = new Map<string, Entry>([
  ['/', { kind: 'directory', mode: 0o755, uid: 0 }],
  ['/tmp', { kind: 'directory', mode: 0o1777, uid: 0 }],
]);
/** The temporary directories made by tempDir: a Context in one of them gets the fake Host. */
const roots = new Set<string>();

function fsError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

/** The path with every symlink in it resolved (the tail as given when it does not exist). */
function real(path: string, depth = 0): string {
  if (depth > 40) {
    throw fsError('ELOOP', path);
  }
  const absolute = resolve(path);
  if (absolute === '/') {
    return '/';
  }
  const parent = real(dirname(absolute), depth + 1);
  const here = join(parent, basename(absolute));
  const entry = entries.get(here);
  if (entry?.kind === 'symlink') {
    return real(resolve(parent, entry.target), depth + 1);
  }
  return here;
}

function lookup(path: string): Exclude<Entry, { kind: 'symlink' }> | undefined {
  const entry = entries.get(real(path));
  return entry?.kind === 'symlink' ? undefined : entry;
}

function parentMustExist(path: string): void {
  if (lookup(dirname(resolve(path)))?.kind !== 'directory') {
    throw fsError('ENOENT', path);
  }
}

export function mkdirSync(path: string, options: { recursive?: boolean; mode?: number } = {}): void {
  const absolute = real(path);
  if (entries.has(absolute)) {
    if (options.recursive) {
      return;
    }
    throw fsError('EEXIST', path);
  }
  if (options.recursive) {
    mkdirSync(dirname(absolute), { recursive: true });
  } else {
    parentMustExist(absolute);
  }
  // As with umask 022.
  entries.set(absolute, { kind: 'directory', mode: (options.mode ?? 0o777) & 0o755, uid: OWNER });
}

export function writeFileSync(path: string, content: string | Buffer, options?: { mode?: number }): void {
  const absolute = real(path);
  parentMustExist(absolute);
  const existing = entries.get(absolute);
  if (existing?.kind === 'file') {
    existing.content = String(content);
    return;
  }
  entries.set(absolute, {
    kind: 'file',
    mode: (options?.mode ?? 0o666) & 0o755,
    uid: OWNER,
    content: String(content),
  });
}

export function readFileSync(path: string, _encoding?: string): string {
  const entry = lookup(path);
  if (!entry) {
    throw fsError('ENOENT', path);
  }
  if (entry.kind !== 'file') {
    throw fsError('EISDIR', path);
  }
  return entry.content;
}

export function copyFileSync(from: string, to: string): void {
  writeFileSync(to, readFileSync(from));
}

export function chmodSync(path: string, mode: number): void {
  const entry = lookup(path);
  if (!entry) {
    throw fsError('ENOENT', path);
  }
  entry.mode = mode & 0o7777;
}

export function symlinkSync(target: string, path: string): void {
  const absolute = resolve(path);
  parentMustExist(absolute);
  entries.set(join(real(dirname(absolute)), basename(absolute)), { kind: 'symlink', target });
}

export function statSync(path: string): { mode: number; uid: number } {
  const entry = lookup(path);
  if (!entry) {
    throw fsError('ENOENT', path);
  }
  return { mode: entry.mode | (entry.kind === 'directory' ? 0o040000 : 0o100000), uid: entry.uid };
}

let made = 0;

/** A new empty directory in the fake /tmp (the name as the real tempDir makes it, with a counter). */
export function tempDir(prefix = 'ew-unit-'): string {
  const path = `/tmp/${prefix}${++made}`;
  mkdirSync(path);
  roots.add(path);
  return path;
}

export function removeDir(dir: string): void {
  for (const path of [...entries.keys()]) {
    if (path === dir || path.startsWith(`${dir}/`)) {
      entries.delete(path);
    }
  }
  roots.delete(dir);
}

/** Whether `path` is in a directory made by tempDir here (so the test runs on the fake Host). */
export function isFake(path: string): boolean {
  return [...roots].some((root) => path === root || path.startsWith(`${root}/`));
}

/** Where the fake installation keeps its documentation (a test creates it to serve it). */
export const DOCS_DIRECTORY = '/usr/share/express-wsgi/docs';

const MIME_TYPES = ['/etc/mime.types', '/etc/httpd/mime.types', '/etc/apache2/mime.types'];

/** A Host answering from the fake file system, with the given environment and accounts. */
export function fakeHost(env: NodeJS.ProcessEnv, accounts: Accounts): Host {
  const stat = (path: string): FileInfo | undefined => {
    const entry = lookup(path);
    return entry && { kind: entry.kind, mode: entry.mode, uid: entry.uid };
  };
  const isExecutable = (path: string) => {
    const st = stat(path);
    return st?.kind === 'file' && (st.mode & 0o100) !== 0;
  };
  return {
    env,
    accounts,
    stat,
    isExecutable,
    canWrite: (path) => {
      const st = stat(path);
      return st?.kind === 'directory' && (st.mode & 0o200) !== 0;
    },
    readFile: (path) => {
      const entry = lookup(path);
      if (entry?.kind === 'file' && !(entry.mode & 0o400)) {
        throw fsError('EACCES', path);
      }
      return readFileSync(path);
    },
    readdir: (path) => {
      const dir = real(path);
      const prefix = dir === '/' ? '/' : `${dir}/`;
      return [...entries.keys()]
        .filter((p) => p.startsWith(prefix) && p !== dir && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length));
    },
    realPath: (path) => real(path),
    which: (name, extraDirs = []) =>
      [...(env.PATH ?? '').split(delimiter).filter(isAbsolute), ...extraDirs]
        .map((d) => join(d, name))
        .find(isExecutable),
    // A Python here is a stand-in script: it imports everything when it says `exit 0`, nothing else.
    canImport: (python) => isExecutable(python) && /^#!\/bin\/sh\nexit 0\n$/.test(readFileSync(python)),
    mimeTypesFile: () => MIME_TYPES.find((p) => stat(p)?.kind === 'file'),
    docsDirectory: DOCS_DIRECTORY,
  };
}
