/** What is served and how: the entry point, the mode, the Python environment, the mount point. */
import { isAbsolute, join } from 'node:path';

import type { Context, CoreConfig, Discovery, Host, Mode, ModWsgiSource } from '../config.js';
import { badValue } from '../errors.js';
import type { Options } from '../options/schema.js';
import { existingDirectory, existingFile, readFileSafe } from './files.js';
import { whyThisModule } from './modules.js';

type AppType = 'script' | 'module' | 'paste' | 'static';

export interface Served {
  readonly type: AppType;
  /** --entry-point, else the APP argument. */
  readonly given: string | undefined;
  readonly mode: Mode;
  /** The script path or module name; undefined for the welcome app and a static site. */
  readonly entryPoint: string | undefined;
  /** The directory served as the document root when one is given (a static site serves one). */
  readonly documentRootOption: string | undefined;
}

/** What to serve, and in which mode (debug mode runs the app embedded). */
export function servedOf(opts: Options, debug: boolean, ctx: Context): Served {
  const given = opts.entryPoint ?? opts.app;
  const type = opts.applicationType as AppType;
  const mode: Mode = type === 'static' ? 'static' : opts.embeddedMode || debug ? 'embedded' : 'daemon';
  let entryPoint: string | undefined;
  let documentRootOption = opts.documentRoot;
  if (type === 'static') {
    documentRootOption ??= given ?? ctx.cwd;
  } else if (given === undefined) {
    entryPoint = undefined; // the welcome app
  } else if (type === 'module') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(given)) {
      throw badValue('entry-point', given, 'a dotted Python module name such as mysite.wsgi');
    }
    entryPoint = given;
  } else {
    entryPoint = existingFile(ctx, 'entry-point', given);
  }
  return { type, given, mode, entryPoint, documentRootOption };
}

/** The working directory and the module search path, checked. */
export function pythonPathsOf(
  opts: Options,
  ctx: Context,
  served: Served,
  serverRoot: string,
): { workingDirectory: string; pythonPath: string[] } {
  // The welcome page needs no directory of the user's; the server root is always readable by Apache.
  const workingDirectory = opts.workingDirectory
    ? existingDirectory(ctx, 'working-directory', opts.workingDirectory)
    : served.given === undefined && served.type !== 'static'
      ? serverRoot
      : ctx.cwd;
  const pythonPath = opts.pythonPath.map((p) => {
    const dir = existingDirectory(ctx, 'python-path', p);
    if (dir.includes(':')) {
      // mod_wsgi takes the path as one ':'-separated string.
      throw badValue('python-path', p, `a directory whose path has no ":" (${dir} has one)`);
    }
    return dir;
  });
  return { workingDirectory, pythonPath };
}

/** The app as handler.wsgi loads it; undefined for a static site. */
export function appOf(opts: Options, served: Served, welcome: string): CoreConfig['app'] {
  const { mode, entryPoint, type } = served;
  if (mode === 'static') {
    return undefined;
  }
  const { mountPoint, mountPattern } = mountPointOf(opts.mountPoint);
  return {
    type: entryPoint === undefined ? 'script' : (type as 'script' | 'module' | 'paste'),
    entryPoint: entryPoint ?? welcome,
    callable: entryPoint === undefined ? 'application' : opts.callableObject,
    mountPoint,
    mountPattern,
    welcome: entryPoint === undefined,
    reloading: mode === 'daemon' && !opts.disableReloading,
    reloadOnChanges: opts.reloadOnChanges,
  };
}

/**
 * The Python (sub-)interpreter of the app (--application-group, an option of the logs feature):
 * mod_wsgi cannot import into a group it names only per request (%{RESOURCE}, %{SERVER}, %{ENV:…}).
 */
export function applicationGroupOf(opts: Options): Pick<CoreConfig, 'applicationGroup' | 'importAtStart'> {
  return {
    applicationGroup: opts.applicationGroup,
    importAtStart: !opts.applicationGroup.includes('%{') || opts.applicationGroup === '%{GLOBAL}',
  };
}

/** A path the app needs that sits outside the server root, for the readability check when root. */
export const appPathsOutside = (served: Served, workingDirectory: string) => [
  served.entryPoint && isAbsolute(served.entryPoint) ? served.entryPoint : undefined,
  workingDirectory,
];

export function localeOf(opts: Options, env: NodeJS.ProcessEnv): string {
  // --lang is the deprecated spelling (the logs feature warns about it).
  const given = opts.locale ?? opts.lang;
  if (given) {
    return given;
  }
  const current = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  // C and POSIX make Python's file system encoding ASCII; a UTF-8 locale that always exists is kinder.
  return !current || current === 'C' || current === 'POSIX' ? 'C.UTF-8' : current;
}

function pythonVersionOfHome(host: Host, home: string): string | undefined {
  // Not a venv without pyvenv.cfg: a plain prefix is recognised by its lib/pythonX.Y below.
  const cfg = readFileSafe(host, join(home, 'pyvenv.cfg'));
  const m = cfg === undefined ? null : /^\s*version(?:_info)?\s*=\s*(\d+)\.(\d+)/m.exec(cfg);
  if (m) {
    return `${m[1]}.${m[2]}`;
  }
  const entry = host.readdir(join(home, 'lib')).find((n) => /^python\d+\.\d+$/.test(n));
  return entry?.slice('python'.length);
}

/**
 * --python-home, checked: an environment of the Python mod_wsgi embeds (also used by the django and
 * module commands). mod_wsgi runs the Python it links and only points it at the environment, so
 * another version's packages would be imported by the wrong interpreter: refused, naming both.
 */
export function pythonHomeOf(
  opts: Pick<Options, 'pythonHome'>,
  ctx: Pick<Context, 'cwd' | 'host'>,
  discovery: Pick<Discovery, 'modWsgi' | 'python'>,
): string | undefined {
  if (!opts.pythonHome) {
    return undefined;
  }
  const home = existingDirectory(ctx, 'python-home', opts.pythonHome);
  const version = pythonVersionOfHome(ctx.host, home);
  if (!version) {
    throw badValue(
      'python-home',
      opts.pythonHome,
      'a Python virtual environment (no pyvenv.cfg or lib/pythonX.Y)',
    );
  }
  const { modWsgi } = discovery;
  const wanted = modWsgi.pythonVersion;
  if (wanted && version !== wanted) {
    throw badValue(
      'python-home',
      opts.pythonHome,
      `an environment of Python ${wanted}, the Python mod_wsgi was built for ` +
        `(${modWsgi.path}, ${whyThisModule(modWsgi, home)}); this one is Python ${version} ` +
        `(${remedy(modWsgi.source.kind, discovery.python ?? `python${wanted}`, version)})`,
    );
  }
  return home;
}

/** What to do about an environment of another Python, given how the module was chosen. */
function remedy(source: ModWsgiSource['kind'], python: string, version: string): string {
  const venv = `make one with: ${python} -m venv DIR`;
  switch (source) {
    case 'python-home':
      // The environment was moved to a newer Python after mod_wsgi was installed into it.
      return `reinstall mod_wsgi with this environment's pip, or ${venv}`;
    case 'option':
    case 'environment':
      return `${venv}, or give a mod_wsgi built for Python ${version}`;
    default:
      // A module pip-installed into the environment would be taken instead (src/discovery/).
      return `${venv}, or pip install mod_wsgi into this one`;
  }
}

function mountPointOf(value: string): { mountPoint: string; mountPattern?: string } {
  const withSlash = value.startsWith('/') ? value : `/${value}`;
  const mountPoint = withSlash.replace(/\/+$/, '') || '/';
  if (mountPoint === '/') {
    return { mountPoint };
  }
  return { mountPoint, mountPattern: `^${mountPoint.replace(/[.]/g, '\\.')}(/|$)` };
}
