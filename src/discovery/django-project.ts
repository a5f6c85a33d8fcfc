/**
 * What `express-wsgi django` needs to know about a Django project: where manage.py is, which
 * settings module it uses, and (by running the project's Python once) the settings that decide how
 * the project is served. The decisions are pure functions, so they are tested without Python.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';

import { isDirectory, isExecutable, isFile } from './host.js';
import { EnvironmentError, UsageError } from '../errors.js';

/** The directory holding manage.py: PROJECT_DIR itself, or the directory of a manage.py given as PROJECT_DIR. */
export function findProject(given: string | undefined, cwd: string): { dir: string; managePy: string } {
  const path = resolvePath(cwd, given ?? '.');
  if (basename(path) === 'manage.py' && isFile(path)) {
    return { dir: dirname(path), managePy: path };
  }
  if (!isDirectory(path)) {
    throw new UsageError(
      `${JSON.stringify(given ?? '.')} is not a directory; give the Django project directory (the one holding manage.py).`,
    );
  }
  const managePy = join(path, 'manage.py');
  if (isFile(managePy)) {
    return { dir: path, managePy };
  }
  // A repository often keeps the project one level down (src/, mysite/): point at it.
  const below = readdirSafe(path)
    .filter((name) => !name.startsWith('.') && isFile(join(path, name, 'manage.py')))
    .map((name) => join(path, name));
  const hint =
    below.length === 1
      ? `; did you mean express-wsgi django ${below[0]}?`
      : '; run it in the directory holding manage.py, or give that directory.';
  throw new UsageError(`no manage.py in ${path}${hint}`);
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The settings module manage.py names with os.environ.setdefault('DJANGO_SETTINGS_MODULE', '...'). */
export function settingsModuleOf(managePySource: string): string | undefined {
  const m = /['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*(?:f?['"])([A-Za-z_][\w.]*)['"]/.exec(managePySource);
  return m?.[1];
}

/** DJANGO_SETTINGS_MODULE from the environment (which manage.py's setdefault leaves alone), else manage.py's. */
export function settingsModule(managePy: string, env: NodeJS.ProcessEnv): { name: string; from: string } {
  const fromEnv = env.DJANGO_SETTINGS_MODULE?.trim();
  if (fromEnv) {
    if (!DOTTED.test(fromEnv)) {
      throw new UsageError(
        `DJANGO_SETTINGS_MODULE: ${JSON.stringify(fromEnv)} is not a dotted module name such as mysite.settings.`,
      );
    }
    return { name: fromEnv, from: 'the environment' };
  }
  const fromFile = settingsModuleOf(readFileSync(managePy, 'utf8'));
  if (!fromFile) {
    throw new UsageError(
      `${managePy} does not set DJANGO_SETTINGS_MODULE; set it in the environment, e.g. DJANGO_SETTINGS_MODULE=mysite.settings.`,
    );
  }
  return { name: fromFile, from: managePy };
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The interpreter to ask: the environment's own with --python-home, else the one mod_wsgi embeds. */
export function pythonFor(
  pythonHome: string | undefined,
  discovered: string | undefined,
  pythonVersion: string | undefined,
): string {
  if (pythonHome) {
    const names = ['python', 'python3', ...(pythonVersion ? [`python${pythonVersion}`] : [])];
    const found = names.map((n) => join(pythonHome, 'bin', n)).find(isExecutable);
    if (!found) {
      throw new UsageError(
        `--python-home: ${JSON.stringify(pythonHome)} has no bin/python to read the Django settings with.`,
      );
    }
    return found;
  }
  if (!discovered) {
    throw new EnvironmentError(
      `the Python mod_wsgi was built for (python${pythonVersion ?? '3'}) was not found in /usr/bin or /usr/local/bin; ` +
        'it is needed to read the Django settings. Give --python-home with a virtual environment of that Python.',
    );
  }
  return discovered;
}

/** What the inline script reports; paths are text (pathlib values are converted). */
export interface DjangoSettings {
  readonly djangoVersion: string;
  readonly wsgiApplication: string | null;
  readonly staticUrl: string | null;
  readonly staticRoot: string | null;
  readonly middleware: readonly string[];
  readonly baseDir: string | null;
  /** The directory the settings module's top-level package was imported from. */
  readonly packageParent: string | null;
}

const MARKER = 'EXPRESS_WSGI_DJANGO_SETTINGS=';

/** Prints the settings as one JSON line; imports only the settings, never the apps (no django.setup()). */
export const SETTINGS_SCRIPT = `
import json, os, sys
project, module = sys.argv[1], sys.argv[2]
sys.path[:0] = [project] + sys.argv[3:]
os.environ['DJANGO_SETTINGS_MODULE'] = module
import django
from django.conf import settings
settings.INSTALLED_APPS  # imports the settings module; its errors surface here
def text(value):
    return None if value is None else os.fspath(value) if isinstance(value, os.PathLike) else str(value)
top = sys.modules.get(module.split('.')[0])
where = None
if top is not None:
    paths = list(getattr(top, '__path__', None) or [])
    if paths:
        where = os.path.dirname(os.path.abspath(paths[0]))
    elif getattr(top, '__file__', None):
        where = os.path.dirname(os.path.abspath(top.__file__))
print(${JSON.stringify(MARKER)} + json.dumps({
    'djangoVersion': django.get_version(),
    'wsgiApplication': getattr(settings, 'WSGI_APPLICATION', None),
    'staticUrl': text(getattr(settings, 'STATIC_URL', None)),
    'staticRoot': text(getattr(settings, 'STATIC_ROOT', None)),
    'middleware': [str(m) for m in list(getattr(settings, 'MIDDLEWARE', None) or [])
                   + list(getattr(settings, 'MIDDLEWARE_CLASSES', None) or [])],
    'baseDir': text(getattr(settings, 'BASE_DIR', None)),
    'packageParent': where,
}))
`;

/** "ExceptionType: message" and the innermost frame of a Python traceback on stderr. */
export function pythonError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('Traceback (most recent call last):'));
  if (start < 0) {
    return lines.slice(-3).join(' ').trim() || 'no error message';
  }
  let frame: string | undefined;
  let message: string | undefined;
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}File "([^"]+)", line (\d+)/.exec(line);
    if (m) {
      frame = `${m[1]}, line ${m[2]}`;
    } else if (!line.startsWith(' ')) {
      message = line;
    }
  }
  return `${message ?? lines.at(-1)}${frame ? ` (at ${frame})` : ''}`;
}

export interface ReadInput {
  readonly python: string;
  readonly projectDir: string;
  readonly settingsModule: string;
  readonly pythonPath: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** Runs the project's Python once to read its settings. */
export function readSettings(input: ReadInput): DjangoSettings {
  const result = spawnSync(
    input.python,
    ['-c', SETTINGS_SCRIPT, input.projectDir, input.settingsModule, ...input.pythonPath],
    {
      cwd: input.projectDir,
      env: { ...input.env, DJANGO_SETTINGS_MODULE: input.settingsModule },
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.error) {
    throw new EnvironmentError(
      `could not run ${input.python} to read the Django settings: ${result.error.message}`,
    );
  }
  const stderr = result.stderr ?? '';
  if (result.status !== 0) {
    if (/ModuleNotFoundError: No module named 'django'/.test(stderr)) {
      throw new EnvironmentError(
        `Django is not installed for ${input.python}: install it there (on Debian: apt-get install python3-django), ` +
          'or give --python-home with a virtual environment that has it.',
      );
    }
    throw new EnvironmentError(
      `the Django settings ${input.settingsModule} failed to import with ${input.python}: ${pythonError(stderr)}`,
    );
  }
  const line = (result.stdout ?? '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(MARKER));
  if (!line) {
    throw new EnvironmentError(
      `${input.python} printed no settings for ${input.settingsModule}: ${stderr.trim() || '(nothing on stderr)'}`,
    );
  }
  return JSON.parse(line.slice(MARKER.length)) as DjangoSettings;
}

export const WHITENOISE = 'whitenoise.middleware.WhiteNoiseMiddleware';

export interface Plan {
  /** The WSGI module (--application-type module) and its callable. */
  readonly module: string;
  readonly callable: string;
  readonly workingDirectory: string;
  /** Directories to add to --python-path so the settings package imports from the working directory. */
  readonly pythonPath: readonly string[];
  /** [STATIC_URL without its trailing slash, STATIC_ROOT] for --url-alias, when Apache serves them. */
  readonly staticAlias?: readonly [string, string];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export interface PlanInput {
  readonly settings: DjangoSettings;
  readonly settingsModule: string;
  readonly projectDir: string;
  /** --working-directory as given (absolute), if it was. */
  readonly workingDirectory?: string;
  readonly pythonPath: readonly string[];
  /** How to run collectstatic, for the message. */
  readonly python: string;
  /** File system questions, kept out of the decision: does a directory exist, is STATIC_ROOT filled. */
  readonly fs: {
    readonly isDirectory: (path: string) => boolean;
    readonly staticRootState: (path: string) => 'missing' | 'empty' | 'full';
  };
}

/**
 * The decisions of mod_wsgi-express's runmodwsgi (reference §5.6): the module and callable from
 * WSGI_APPLICATION; the working directory from --working-directory, else BASE_DIR, else the parent
 * of the settings' top-level package; STATIC_URL mapped to STATIC_ROOT unless WhiteNoise serves them.
 */
export function plan(input: PlanInput): Plan {
  const { settings } = input;
  const wsgi = settings.wsgiApplication;
  const m = wsgi ? /^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*)$/.exec(wsgi) : null;
  if (!m) {
    throw new UsageError(
      `${input.settingsModule}: WSGI_APPLICATION is ${wsgi ? JSON.stringify(wsgi) : 'not set'}; ` +
        "expected a dotted path such as 'mysite.wsgi.application'.",
    );
  }
  const workingDirectory =
    input.workingDirectory ??
    [settings.baseDir, settings.packageParent, input.projectDir].find(
      (d): d is string => typeof d === 'string' && d.startsWith('/') && input.fs.isDirectory(d),
    ) ??
    input.projectDir;
  const pythonPath = [...input.pythonPath];
  const packageParent = settings.packageParent ?? input.projectDir;
  if (packageParent !== workingDirectory && !pythonPath.includes(packageParent)) {
    pythonPath.push(packageParent);
  }

  const warnings: string[] = [];
  const notes: string[] = [];
  let staticAlias: [string, string] | undefined;
  const { staticUrl, staticRoot } = settings;
  const collect = `cd ${input.projectDir} && ${input.python} manage.py collectstatic --noinput`;
  if (settings.middleware.includes(WHITENOISE)) {
    notes.push(
      `WhiteNoise is in MIDDLEWARE, so the application serves ${staticUrl ?? 'its static files'} itself.`,
    );
  } else if (!staticUrl || !staticUrl.startsWith('/') || staticUrl.startsWith('//')) {
    if (staticUrl) {
      notes.push(
        `STATIC_URL is ${JSON.stringify(staticUrl)}, not a path on this server; Apache serves no static files.`,
      );
    }
  } else if (!staticRoot) {
    warnings.push(
      `STATIC_ROOT is not set in ${input.settingsModule}, so Apache cannot serve ${staticUrl}; ` +
        `set it (e.g. STATIC_ROOT = BASE_DIR / 'staticfiles') and run: ${collect}`,
    );
  } else {
    const url = staticUrl.replace(/\/+$/, '') || '/';
    const state = input.fs.staticRootState(staticRoot);
    if (state === 'missing') {
      warnings.push(
        `STATIC_ROOT ${staticRoot} does not exist, so ${staticUrl} is not served; run: ${collect} (then start again).`,
      );
    } else {
      staticAlias = [url, staticRoot];
      if (state === 'empty') {
        warnings.push(
          `STATIC_ROOT ${staticRoot} is empty, so ${staticUrl} finds nothing yet; run: ${collect}`,
        );
      }
    }
  }
  return {
    module: m[1] as string,
    callable: m[2] as string,
    workingDirectory,
    pythonPath,
    staticAlias,
    warnings,
    notes,
  };
}

/** The real file system, for plan(). */
export const FS: PlanInput['fs'] = {
  isDirectory,
  staticRootState: (path) => (!isDirectory(path) ? 'missing' : readdirSafe(path).length ? 'full' : 'empty'),
};
