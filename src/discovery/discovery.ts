/**
 * Finds what express-wsgi drives on this machine: the httpd binary, its modules directory, the
 * mod_wsgi module with its version, and the Python that module was built for. Everything else is
 * pure; this is the one place that looks around the system.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import type { Discovery, ModWsgi, ModWsgiSource } from '../config.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { isExecutable, which as whichOnPath } from './host.js';

export type { Discovery, ModWsgi } from '../config.js';

export interface DiscoveryInput {
  readonly httpdExecutable?: string;
  readonly modulesDirectory?: string;
  readonly modWsgiModule?: string;
  /** --python-home as given: a mod_wsgi pip-installed there is the one built for its Python. */
  readonly pythonHome?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const MODULE_DIRS = [
  '/usr/lib/apache2/modules', // Debian, Ubuntu
  '/usr/lib64/httpd/modules', // Red Hat, Fedora
  '/usr/lib/httpd/modules',
  '/usr/libexec/apache2', // Alpine, macOS
  '/usr/local/apache2/modules', // the official httpd image
];

/** The packages to install, said in the words of this machine's package manager. */
export function installHint(): string {
  if (existsSync('/etc/debian_version')) {
    return 'apt-get install apache2 libapache2-mod-wsgi-py3';
  }
  if (existsSync('/etc/redhat-release')) {
    return 'dnf install httpd python3-mod_wsgi';
  }
  if (existsSync('/etc/alpine-release')) {
    return 'apk add apache2 apache2-mod-wsgi';
  }
  return 'Apache httpd 2.4 and mod_wsgi for Python 3 (on Debian: apt-get install apache2 libapache2-mod-wsgi-py3)';
}

/** Apache's programs live in sbin directories that an ordinary user's PATH often lacks. */
const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
const which = (name: string, env: NodeJS.ProcessEnv) => whichOnPath(name, env, SBIN);

export function findHttpd(option: string | undefined, env: NodeJS.ProcessEnv): string {
  // The command line wins over $HTTPD (mod_wsgi-express lets the variable win, which surprises).
  const wanted = option ?? env.HTTPD;
  if (wanted) {
    const found = wanted.includes('/')
      ? isExecutable(resolve(wanted))
        ? resolve(wanted)
        : undefined
      : which(wanted, env);
    if (!found) {
      throw new UsageError(
        `--httpd-executable: ${JSON.stringify(wanted)} is not an executable file; expected the path of apache2 or httpd.`,
      );
    }
    return found;
  }
  const found = which('apache2', env) ?? which('httpd', env);
  if (!found) {
    throw new EnvironmentError(
      `Apache httpd was not found on PATH or in /usr/sbin. Install it: ${installHint()}`,
    );
  }
  return found;
}

const hasModules = (dir: string) =>
  existsSync(join(dir, 'mod_mpm_event.so')) || existsSync(join(dir, 'mod_rewrite.so'));

/**
 * Whether to ask `apxs` for the modules directory. $APXS, or an apxs of a custom build (say
 * /opt/httpd/bin/apxs), is asked first. A distribution's own (/usr/bin/apxs) only names the
 * distribution's directory, which MODULE_DIRS finds without starting Perl: that start costs
 * every command ~40 ms wherever apache2-dev is installed, as it is for `pip install mod_wsgi`.
 */
export function asksApxs(apxs: string, explicit: boolean, distroModules: boolean): boolean {
  return explicit || !distroModules || !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].includes(dirname(apxs));
}

function apxsLibexecdir(env: NodeJS.ProcessEnv): string | undefined {
  const apxs = env.APXS ?? which('apxs', env) ?? which('apxs2', env);
  if (!apxs || !asksApxs(apxs, env.APXS !== undefined, MODULE_DIRS.some(hasModules))) {
    return undefined;
  }
  try {
    return execFileSync(apxs, ['-q', 'LIBEXECDIR'], { encoding: 'utf8', timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function findModulesDirectory(option: string | undefined, env: NodeJS.ProcessEnv): string {
  if (option) {
    const dir = resolve(option);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(
        `--modules-directory: ${JSON.stringify(option)} is not a directory; expected Apache's modules directory.`,
      );
    }
    return dir;
  }
  const candidates = [apxsLibexecdir(env), ...MODULE_DIRS].filter((d): d is string => Boolean(d));
  const found = candidates.find(hasModules);
  if (!found) {
    throw new EnvironmentError(
      `Apache's modules directory was not found (looked in ${candidates.join(', ')}). Install Apache: ${installHint()}, or give --modules-directory.`,
    );
  }
  return found;
}

/** What `mod_wsgi-express module-location` prints: the module of that program's environment. */
function moduleLocationOf(express: string): string | undefined {
  try {
    return (
      execFileSync(express, ['module-location'], { encoding: 'utf8', timeout: 10000 }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const minorOf = (name: string) => Number(name.split('.')[1]);

/**
 * The module `pip install mod_wsgi` put into the environment `home`:
 * <home>/lib/pythonX.Y/site-packages/mod_wsgi/server/mod_wsgi-pyXY*.so. Found by looking, not by
 * running the environment's mod_wsgi-express, which costs a Python start. An environment upgraded
 * in place to a newer Python keeps the old lib/pythonX.Y, so the newest one with a module is taken
 * (resolve then refuses a module for another Python than the environment's, naming both).
 */
export function pipModuleIn(home: string): string | undefined {
  const lib = join(resolve(home), 'lib');
  const pythons = readdirSafe(lib)
    .filter((name) => /^python3\.\d+$/.test(name))
    .sort((a, b) => minorOf(b) - minorOf(a));
  for (const python of pythons) {
    const server = join(lib, python, 'site-packages', 'mod_wsgi', 'server');
    const module = readdirSafe(server)
      .filter((name) => /^mod_wsgi-py\d+.*\.so$/.test(name))
      .sort()[0];
    if (module) {
      return join(server, module);
    }
  }
  return undefined;
}

/** Reads the version, Python and directive names straight out of the module binary: no subprocess. */
export function inspectModWsgi(path: string): Omit<ModWsgi, 'source'> {
  const bytes = readFileSync(path).toString('latin1');
  // The version string sits just before the "mod_wsgi/%s" server token template.
  const version = /\0(\d+)\.(\d+)\.(\d+)\0(?:[^\0]*\0){0,3}?mod_wsgi\/%s/.exec(bytes);
  // The libpython it links (Debian's and pip's modules both do) is the Python it runs. A module
  // of a Python without a shared libpython says it only in pip's file name, mod_wsgi-py311.cpython-311-….so.
  const python =
    /libpython(\d+\.\d+)/.exec(bytes) ??
    /^mod_wsgi-py(3)(\d+)[.-]/.exec(basename(path)) ??
    /cpython-(\d)(\d+)/.exec(bytes);
  // Names between NULs. Matching the leading NUL (not a lookbehind) lets V8 skip to each NUL:
  // the same names, ~1 ms less over a 258 KB module.
  const directives = new Set(Array.from(bytes.matchAll(/\0(WSGI[A-Za-z]+)(?=\0)/g), (m) => m[1]!));
  const pythonVersion = python
    ? python[2] && !python[1]?.includes('.')
      ? `${python[1]}.${python[2]}`
      : python[1]
    : undefined;
  return {
    path,
    version: version ? [Number(version[1]), Number(version[2]), Number(version[3])] : [0, 0, 0],
    pythonVersion,
    directives,
  };
}

const found = (path: string, source: ModWsgiSource): ModWsgi => ({ ...inspectModWsgi(path), source });

/** Larger than any mod_wsgi build by far (they are under 2 MB): a module is read whole. */
const MODULE_SIZE_LIMIT = 64 * 2 ** 20;

/**
 * Why a module found by looking in --python-home must not be loaded, or undefined when it may be:
 * Apache loads it as whoever starts it, root included, so a module that another account could have
 * put there would run that account's code as root. It must be a regular file of a module's size,
 * and it and every directory above it belong to root or to us, writable by no one else (a sticky
 * directory such as /tmp excepted): the rules apachectl applies to the server root.
 */
export function untrustedModule(module: string, uid: number): string | undefined {
  let info;
  try {
    info = statSync(module);
  } catch (error) {
    return `it cannot be read (${(error as NodeJS.ErrnoException).code})`;
  }
  if (!info.isFile()) {
    return 'it is not a regular file';
  }
  if (info.size > MODULE_SIZE_LIMIT) {
    return `it is ${info.size} bytes, far more than a module`;
  }
  for (let path = module; ; path = dirname(path)) {
    const st = statSync(path);
    const what = path === module ? 'it' : path;
    if (st.uid !== 0 && st.uid !== uid) {
      return `${what} belongs to uid ${st.uid}, not to you (uid ${uid}) or root`;
    }
    const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
    if ((st.mode & 0o022) !== 0 && !sticky) {
      return `${what} can be written by others (mode ${(st.mode & 0o7777).toString(8)})`;
    }
    if (dirname(path) === path) {
      return undefined;
    }
  }
}

/**
 * The module to load, in this order: the one named (--mod-wsgi-module, else $MOD_WSGI_MODULE); one
 * pip-installed into --python-home, built for the Python the application runs; the one of the
 * mod_wsgi-express on PATH (an activated environment's); Apache's own mod_wsgi.so.
 */
export function findModWsgi(
  option: string | undefined,
  modulesDirectory: string,
  env: NodeJS.ProcessEnv,
  pythonHome?: string,
): ModWsgi {
  const wanted = option ?? env.MOD_WSGI_MODULE;
  if (wanted) {
    const path = resolve(wanted);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new UsageError(
        `--mod-wsgi-module: ${JSON.stringify(wanted)} is not a file; expected the path of mod_wsgi*.so.`,
      );
    }
    return found(path, { kind: option ? 'option' : 'environment' });
  }
  // An empty --python-home (an unset variable) is no environment, not the current directory.
  const home = pythonHome ? pipModuleIn(pythonHome) : undefined;
  const distrust = home && untrustedModule(home, process.getuid?.() ?? 0);
  if (home && !distrust) {
    // By the path through --python-home, not its real path: where the environment is a symlink to
    // the current release, the module follows it as WSGIPythonHome does (a real path would keep
    // loading the old release's module, and fail once that is removed).
    return found(home, { kind: 'python-home' });
  }
  let passedOver = distrust ? `not the one pip-installed in --python-home, ${home}: ${distrust}` : undefined;
  const express = which('mod_wsgi-express', env);
  const located = express && moduleLocationOf(express);
  if (express && located && existsSync(located)) {
    const distrustExpress = untrustedModule(located, process.getuid?.() ?? 0);
    if (!distrustExpress) {
      return found(realpathSync(located), { kind: 'mod_wsgi-express', program: express, passedOver });
    }
    passedOver = `not the one of ${express}, ${located}: ${distrustExpress}`;
  }
  const own = join(modulesDirectory, 'mod_wsgi.so');
  if (existsSync(own)) {
    return found(realpathSync(own), { kind: 'modules-directory', passedOver });
  }
  const looked = [located, own].filter((p): p is string => Boolean(p));
  throw new EnvironmentError(
    `mod_wsgi was not found (looked for ${looked.join(', ')}). Install it: ${installHint()}`,
  );
}

/** The interpreter a module built for Python X.Y runs: never just the python3 first on PATH. */
export function findPython(pythonVersion: string | undefined, modulePath: string): string | undefined {
  if (!pythonVersion) {
    return undefined;
  }
  const name = `python${pythonVersion}`;
  // A pip-built module lives in <prefix>/lib/pythonX.Y/site-packages/mod_wsgi/server/.
  const prefix = /^(.*)\/lib\/python\d+\.\d+\/site-packages\//.exec(modulePath)?.[1];
  const dirs = [prefix && join(prefix, 'bin'), '/usr/bin', '/usr/local/bin'].filter((d): d is string =>
    Boolean(d),
  );
  return dirs.map((d) => join(d, name)).find(isExecutable);
}

export function discover(input: DiscoveryInput = {}): Discovery {
  const env = input.env ?? process.env;
  const httpd = findHttpd(input.httpdExecutable, env);
  const modulesDirectory = findModulesDirectory(input.modulesDirectory, env);
  const modWsgi = findModWsgi(input.modWsgiModule, modulesDirectory, env, input.pythonHome);
  return {
    httpd,
    modulesDirectory,
    modules: new Set(readdirSync(modulesDirectory).filter((f) => f.endsWith('.so'))),
    modWsgi,
    python: findPython(modWsgi.pythonVersion, modWsgi.path),
  };
}

/** Just the module and its Python, for module-config and module-location (no httpd needed). */
export function discoverModWsgi(
  input: Omit<DiscoveryInput, 'httpdExecutable'> = {},
): Pick<Discovery, 'modWsgi' | 'python'> {
  const env = input.env ?? process.env;
  const wanted = input.modWsgiModule ?? env.MOD_WSGI_MODULE;
  const dir = wanted ? (input.modulesDirectory ?? '/') : findModulesDirectory(input.modulesDirectory, env);
  const modWsgi = findModWsgi(input.modWsgiModule, dir, env, input.pythonHome);
  return { modWsgi, python: findPython(modWsgi.pythonVersion, modWsgi.path) };
}
