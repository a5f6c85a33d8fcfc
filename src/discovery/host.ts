/**
 * The real Host (src/config.ts): how resolve's questions about the machine are answered on it.
 * The one place with `which`, the file checks and running Python to see what it imports; discovery
 * and the django command use the same functions.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Accounts, FileInfo, Host } from '../config.js';
import { systemAccounts } from './accounts.js';
import { realPathOf } from './real-path.js';
import { PACKAGE_DIR } from '../package-dir.js';

export function statOf(path: string): FileInfo | undefined {
  // Without throwing for a missing file: most candidates (PATH entries) do not exist, and a
  // thrown error costs far more than the look-up.
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) {
      return undefined;
    }
    return {
      kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other',
      mode: st.mode & 0o7777,
      uid: st.uid,
    };
  } catch {
    return undefined;
  }
}

export const isFile = (path: string): boolean => statOf(path)?.kind === 'file';
export const isDirectory = (path: string): boolean => statOf(path)?.kind === 'directory';

/** A regular file this process may execute. */
export function isExecutable(path: string): boolean {
  if (!isFile(path)) {
    return false;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The one `which`: absolute $PATH entries, then `extraDirs`. */
export function which(
  name: string,
  env: NodeJS.ProcessEnv,
  extraDirs: readonly string[] = [],
): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(isAbsolute), ...extraDirs];
  return dirs.map((d) => join(d, name)).find(isExecutable);
}

function canImport(
  python: string,
  module: string,
  pythonPath: readonly string[],
  env: NodeJS.ProcessEnv,
): boolean {
  try {
    execFileSync(python, ['-c', `import ${module}`], {
      stdio: 'ignore',
      timeout: 20_000,
      env: { ...env, PYTHONPATH: pythonPath.join(':') },
    });
    return true;
  } catch {
    return false;
  }
}

const MIME_TYPES = ['/etc/mime.types', '/etc/httpd/mime.types', '/etc/apache2/mime.types'];

/** docs/ of the installation (src/package-dir.ts: in a bundle, import.meta.url is the bundle's). */
const DOCS_DIRECTORY = fileURLToPath(new URL('docs', PACKAGE_DIR));

/** The machine this process runs on, seen with `env` (accounts read from /etc when first asked). */
export function systemHost({ env, accounts }: { env: NodeJS.ProcessEnv; accounts?: Accounts }): Host {
  let known = accounts;
  return {
    env,
    get accounts() {
      return (known ??= systemAccounts());
    },
    stat: statOf,
    isExecutable,
    canWrite: (path) => {
      try {
        accessSync(path, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    readFile: (path, encoding) => readFileSync(path, encoding),
    readdir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
    realPath: realPathOf,
    which: (name, extraDirs) => which(name, env, extraDirs),
    canImport: (python, module, pythonPath) => canImport(python, module, pythonPath, env),
    mimeTypesFile: () => MIME_TYPES.find(isFile),
    docsDirectory: DOCS_DIRECTORY,
  };
}
