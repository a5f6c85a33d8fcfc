/**
 * Extra mod_wsgi modules for the module matrix, built from the source archives named in
 * $EXPRESS_WSGI_TEST_MODULE_SOURCES (space-separated .tar.gz paths) the way a user's
 * `pip install mod_wsgi` builds them: a venv of Debian's /usr/bin/python3, then
 * `pip install --no-index --no-build-isolation ARCHIVE` (needs apache2-dev, python3-dev, python3-venv).
 *
 * Builds are cached by the archive's sha256 in /tmp/express-wsgi-modules-UID/HASH, so a second run
 * does not rebuild. The unprivileged rerun (scripts/test-as-user.sh) reuses root's cache read-only.
 * A cache directory is trusted only when neither it nor its parent is a symlink, both are owned by
 * root or by us, and neither is writable by group or others: anyone else could have planted a
 * module there that Apache would then load as root.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';

import { describe, it } from '@jest/globals';

export const SOURCES_VARIABLE = 'EXPRESS_WSGI_TEST_MODULE_SOURCES';

/** One module the tests can load. */
export interface BuiltModule {
  /** e.g. 'mod_wsgi-6.0.5.tar.gz', or 'Debian' for the distro's module. */
  readonly label: string;
  /** The .so to pass as --mod-wsgi-module. */
  readonly path: string;
  /** The version pip installed (the package metadata), e.g. '6.0.5'. */
  readonly version: string;
}

/** The archives named in the environment ([] when the variable is unset or blank). */
export function moduleSources(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[SOURCES_VARIABLE] ?? '').split(/\s+/).filter((s) => s !== '');
}

const uid = process.getuid?.() ?? 0;

function cacheBase(owner: number): string {
  return `/tmp/express-wsgi-modules-${owner}`;
}

/** Why `dir` cannot be trusted, or undefined when it can (see the file comment). */
export function distrust(dir: string): string | undefined {
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    return `${dir} is not a plain directory`;
  }
  if (st.uid !== 0 && st.uid !== uid) {
    return `${dir} belongs to uid ${st.uid}, neither root nor us`;
  }
  if ((st.mode & 0o022) !== 0) {
    return `${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A finished cache entry in `base` for `hash`, when there is one we may trust. */
function cached(base: string, hash: string): string | undefined {
  const dir = join(base, hash.slice(0, 16));
  if (!existsSync(join(dir, 'module-path'))) {
    return undefined;
  }
  const why = distrust(base) ?? distrust(dir);
  if (why) {
    throw new Error(`Not using the cached mod_wsgi build: ${why}. Remove it and run again.`);
  }
  return dir;
}

const LOCK_STALE_MS = 5 * 60_000;

/** Sleeps `ms` without an event loop (builds run from beforeAll, synchronously). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds `archive` into `dir` (under our own cache base) unless a rival test process is doing it:
 * the lock is a directory made with mkdir (atomic); the waiter polls for the finished entry.
 */
function build(archive: string, base: string, dir: string): void {
  mkdirSync(base, { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  const why = distrust(base);
  if (why) {
    throw new Error(`Cannot build mod_wsgi modules in ${base}: ${why}.`);
  }
  const lock = `${dir}.lock`;
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      if (existsSync(join(dir, 'module-path'))) {
        return; // the rival finished it
      }
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) {
        rmSync(lock, { recursive: true, force: true }); // a builder that died
      } else if (Date.now() > deadline) {
        throw new Error(`Gave up waiting for ${lock} (another test run building ${archive}).`);
      }
      pause(500);
    }
  }
  try {
    if (existsSync(join(dir, 'module-path'))) {
      return;
    }
    // A half-built entry from a run that died: the venv has absolute paths, so build in place.
    rmSync(dir, { recursive: true, force: true });
    execFileSync('/usr/bin/python3', ['-m', 'venv', dir], { stdio: 'pipe' });
    execFileSync(join(dir, 'bin', 'pip'), ['install', '-q', '--no-index', '--no-build-isolation', archive], {
      stdio: 'pipe',
      timeout: 300_000,
    });
    const so = execFileSync(join(dir, 'bin', 'mod_wsgi-express'), ['module-location'], {
      encoding: 'utf8',
    }).trim();
    const version = execFileSync(
      join(dir, 'bin', 'python'),
      ['-c', 'import importlib.metadata as m; print(m.version("mod_wsgi"))'],
      {
        encoding: 'utf8',
      },
    ).trim();
    chmodSync(dir, 0o755);
    // Written last: its presence is what says the entry is complete.
    writeFileSync(join(dir, 'module-version'), `${version}\n`, { mode: 0o644 });
    writeFileSync(join(dir, 'module-path'), `${so}\n`, { mode: 0o644 });
  } catch (error) {
    const e = error as { stderr?: Buffer | string; message: string };
    throw new Error(
      `Building a mod_wsgi module from ${archive} failed: ${e.message}\n${String(e.stderr ?? '')}`,
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The module built from each archive in $EXPRESS_WSGI_TEST_MODULE_SOURCES, building what the cache
 * lacks. Root's cache is preferred (the unprivileged pass only reads it), then our own.
 */
export function builtModules(env: NodeJS.ProcessEnv = process.env): BuiltModule[] {
  return moduleSources(env).map((archive) => {
    const hash = sha256(archive);
    let dir = cached(cacheBase(0), hash) ?? (uid === 0 ? undefined : cached(cacheBase(uid), hash));
    if (!dir) {
      dir = join(cacheBase(uid), hash.slice(0, 16));
      build(archive, cacheBase(uid), dir);
      if (!cached(cacheBase(uid), hash)) {
        throw new Error(`Building ${archive} left no module in ${dir}.`);
      }
    }
    const path = readFileSync(join(dir, 'module-path'), 'utf8').trim();
    const version = readFileSync(join(dir, 'module-version'), 'utf8').trim();
    return { label: basename(archive), path, version };
  });
}

/** Debian's own module (4.9.4 on Debian 12), the baseline every other module is compared with. */
export function debianModule(): BuiltModule {
  const path = '/usr/lib/apache2/modules/mod_wsgi.so';
  // "4.9.4-1+b2": the upstream version is what comes before the Debian revision.
  const deb = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libapache2-mod-wsgi-py3'], {
    encoding: 'utf8',
  });
  return { label: 'Debian', path, version: deb.replace(/^\d+:/, '').replace(/-[^-]*$/, '') };
}

/** Whether a module's version ("6.0.5") is 6.0 or later, the first with the 6.x-only options. */
export const atLeastSix = (version: string): boolean => Number(version.split('.')[0]) >= 6;

/**
 * The modules an integration file of the matrix runs against: Debian's, then one built from each
 * archive in $EXPRESS_WSGI_TEST_MODULE_SOURCES (built or found in the cache while the file is
 * collected, since its cases depend on each module's version). Without the variable: none, and
 * one plain line in the run's output saying how to enable `what`, with a skipped placeholder.
 */
export function matrixModules(what: string): readonly BuiltModule[] {
  if (moduleSources().length > 0) {
    return [debianModule(), ...builtModules()];
  }
  const how = `${what} skipped: set ${SOURCES_VARIABLE}="…/mod_wsgi-5.0.2.tar.gz …/mod_wsgi-6.0.5.tar.gz" to run it (.ci/run does when ../shared/vendor exists)`;
  // jest's console.* would add a stack location to the line.
  process.stderr.write(`${how}\n`);
  describe.skip(how, () => {
    it('needs the source archives', () => {});
  });
  return [];
}
