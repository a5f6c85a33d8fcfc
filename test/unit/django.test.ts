/**
 * The decisions of `express-wsgi django` without Python or Apache: finding manage.py and the
 * settings module, the runmodwsgi rules (WSGI_APPLICATION, working directory, STATIC_URL →
 * STATIC_ROOT unless WhiteNoise), which Python is asked, how its errors are reported, and the
 * start-server arguments that result.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { serveArguments } from '../../src/commands/django.js';
import {
  type DjangoSettings,
  findProject,
  plan,
  type PlanInput,
  pythonError,
  pythonFor,
  readSettings,
  settingsModule,
  settingsModuleOf,
  WHITENOISE,
} from '../../src/discovery/django-project.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ew-django-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
};

describe('findProject', () => {
  const project = join(dir, 'repo', 'mysite');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'manage.py'), '');

  it('takes a directory holding manage.py, or manage.py itself, relative to the current directory', () => {
    const found = { dir: project, managePy: join(project, 'manage.py') };
    expect(findProject('mysite', join(dir, 'repo'))).toEqual(found);
    expect(findProject(undefined, project)).toEqual(found);
    expect(findProject('mysite/manage.py', join(dir, 'repo'))).toEqual(found);
  });

  it('refuses a directory without manage.py, pointing at the one below when there is exactly one', () => {
    const error = thrown(() => findProject('repo', dir));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `no manage.py in ${join(dir, 'repo')}; did you mean express-wsgi django ${project}?`,
    );
    mkdirSync(join(dir, 'empty'));
    expect(thrown(() => findProject('empty', dir)).message).toBe(
      `no manage.py in ${join(dir, 'empty')}; run it in the directory holding manage.py, or give that directory.`,
    );
  });

  it('refuses a path that is not a directory', () => {
    expect(thrown(() => findProject('nowhere', dir)).message).toBe(
      '"nowhere" is not a directory; give the Django project directory (the one holding manage.py).',
    );
  });
});

describe('the settings module', () => {
  it.each([
    ["    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')", 'mysite.settings'],
    ['os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")', 'config.settings.local'],
    ["os.environ['DJANGO_SETTINGS_MODULE'] = 'x'", undefined],
    ['', undefined],
  ])('manage.py line %j gives %j', (line, expected) => {
    expect(settingsModuleOf(`import os\n${line}\n`)).toBe(expected);
  });

  const managePy = join(dir, 'manage.py');
  writeFileSync(managePy, "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n");

  it("takes the environment's DJANGO_SETTINGS_MODULE first, as manage.py's setdefault does", () => {
    expect(settingsModule(managePy, {})).toEqual({ name: 'mysite.settings', from: managePy });
    expect(settingsModule(managePy, { DJANGO_SETTINGS_MODULE: 'mysite.prod' })).toEqual({
      name: 'mysite.prod',
      from: 'the environment',
    });
  });

  it('refuses a DJANGO_SETTINGS_MODULE that is not a module name, and a manage.py that sets none', () => {
    expect(thrown(() => settingsModule(managePy, { DJANGO_SETTINGS_MODULE: 'my site' })).message).toContain(
      'DJANGO_SETTINGS_MODULE: "my site" is not a dotted module name',
    );
    const bare = join(dir, 'bare-manage.py');
    writeFileSync(bare, 'print(1)\n');
    expect(thrown(() => settingsModule(bare, {}))).toBeInstanceOf(UsageError);
  });
});

describe('pythonFor', () => {
  it("uses the environment's own bin/python with --python-home, else the Python discovery found", () => {
    const home = join(dir, 'venv');
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'bin', 'python'), '#!/bin/sh\n');
    chmodSync(join(home, 'bin', 'python'), 0o755);
    expect(pythonFor(home, '/usr/bin/python3.11', '3.11')).toBe(join(home, 'bin', 'python'));
    expect(pythonFor(undefined, '/usr/bin/python3.11', '3.11')).toBe('/usr/bin/python3.11');
  });

  it('says what is missing', () => {
    expect(thrown(() => pythonFor(join(dir, 'empty'), '/usr/bin/python3.11', '3.11'))).toBeInstanceOf(
      UsageError,
    );
    const none = thrown(() => pythonFor(undefined, undefined, '3.11'));
    expect(none).toBeInstanceOf(EnvironmentError);
    expect(none.message).toContain('python3.11');
  });
});

describe('pythonError', () => {
  it('gives the exception line and the innermost frame', () => {
    const stderr = [
      'Traceback (most recent call last):',
      '  File "<string>", line 8, in <module>',
      '  File "/usr/lib/python3/dist-packages/django/conf/__init__.py", line 82, in __getattr__',
      '    self._setup(name)',
      '  File "/srv/mysite/settings.py", line 3, in <module>',
      '    import nope',
      "ModuleNotFoundError: No module named 'nope'",
      '',
    ].join('\n');
    expect(pythonError(stderr)).toBe(
      "ModuleNotFoundError: No module named 'nope' (at /srv/mysite/settings.py, line 3)",
    );
  });

  it('reads a SyntaxError, whose frame line has no function, and text that is no traceback', () => {
    const stderr = [
      'Traceback (most recent call last):',
      '  File "/srv/mysite/settings.py", line 4',
      '    DEBUG = = True',
      '            ^',
      'SyntaxError: invalid syntax',
    ].join('\n');
    expect(pythonError(stderr)).toBe('SyntaxError: invalid syntax (at /srv/mysite/settings.py, line 4)');
    expect(pythonError('Fatal Python error: init_fs_encoding\n')).toBe(
      'Fatal Python error: init_fs_encoding',
    );
  });
});

describe('readSettings', () => {
  // A stand-in for Python: a shell script printing what the real inline script prints.
  const fake = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const input = (python: string) => ({
    python,
    projectDir: dir,
    settingsModule: 'mysite.settings',
    pythonPath: [],
    env: {},
  });

  it('takes the last marked JSON line, whatever the settings printed before it', () => {
    const json = JSON.stringify({ wsgiApplication: 'mysite.wsgi.application', staticUrl: '/static/' });
    const python = fake('py-ok', `echo 'settings say hello'\necho 'EXPRESS_WSGI_DJANGO_SETTINGS=${json}'`);
    expect(readSettings(input(python))).toEqual(JSON.parse(json));
  });

  it('passes the project, the settings module and the extra path to the script', () => {
    const python = fake(
      'py-args',
      'echo "EXPRESS_WSGI_DJANGO_SETTINGS={\\"args\\": \\"$3 $4 $5 $DJANGO_SETTINGS_MODULE\\"}"',
    );
    expect(readSettings({ ...input(python), pythonPath: ['/extra'] })).toEqual({
      args: `${dir} mysite.settings /extra mysite.settings`,
    });
  });

  it('reports a failed import with the exception, and a missing Django with what to install', () => {
    const failing = fake(
      'py-fail',
      `printf 'Traceback (most recent call last):\\n  File "/p/settings.py", line 1, in <module>\\nNameError: name "x" is not defined\\n' >&2; exit 1`,
    );
    const error = thrown(() => readSettings(input(failing)));
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.message).toBe(
      `the Django settings mysite.settings failed to import with ${failing}: NameError: name "x" is not defined (at /p/settings.py, line 1)`,
    );
    const noDjango = fake('py-nodjango', `echo "ModuleNotFoundError: No module named 'django'" >&2; exit 1`);
    expect(thrown(() => readSettings(input(noDjango))).message).toContain(
      `Django is not installed for ${noDjango}`,
    );
  });
});

describe('plan (reference §5.6)', () => {
  const settings = (over: Partial<DjangoSettings> = {}): DjangoSettings => ({
    djangoVersion: '3.2.25',
    wsgiApplication: 'mysite.wsgi.application',
    staticUrl: '/static/',
    staticRoot: '/srv/mysite/staticfiles',
    middleware: ['django.middleware.security.SecurityMiddleware'],
    baseDir: '/srv/mysite',
    packageParent: '/srv/mysite',
    ...over,
  });
  const run = (
    over: Partial<DjangoSettings> = {},
    extra: Partial<PlanInput> = {},
    state: 'missing' | 'empty' | 'full' = 'full',
  ) =>
    plan({
      settings: settings(over),
      settingsModule: 'mysite.settings',
      projectDir: '/srv/mysite',
      pythonPath: [],
      python: '/usr/bin/python3.11',
      fs: { isDirectory: (p) => p.startsWith('/srv/'), staticRootState: () => state },
      ...extra,
    });

  it('serves WSGI_APPLICATION as module and callable from BASE_DIR, STATIC_URL mapped to STATIC_ROOT', () => {
    expect(run()).toEqual({
      module: 'mysite.wsgi',
      callable: 'application',
      workingDirectory: '/srv/mysite',
      pythonPath: [],
      staticAlias: ['/static', '/srv/mysite/staticfiles'],
      warnings: [],
      notes: [],
    });
  });

  it('leaves static files alone when WhiteNoise is in MIDDLEWARE', () => {
    const result = run({ middleware: ['django.middleware.security.SecurityMiddleware', WHITENOISE] });
    expect(result.staticAlias).toBeUndefined();
    expect(result.warnings).toEqual([]);
    expect(result.notes).toEqual(['WhiteNoise is in MIDDLEWARE, so the application serves /static/ itself.']);
  });

  it('warns with the collectstatic command when STATIC_ROOT is empty (mapped) or missing (not mapped)', () => {
    const collect = 'cd /srv/mysite && /usr/bin/python3.11 manage.py collectstatic --noinput';
    const empty = run({}, {}, 'empty');
    expect(empty.staticAlias).toEqual(['/static', '/srv/mysite/staticfiles']);
    expect(empty.warnings).toEqual([
      `STATIC_ROOT /srv/mysite/staticfiles is empty, so /static/ finds nothing yet; run: ${collect}`,
    ]);
    const missing = run({}, {}, 'missing');
    expect(missing.staticAlias).toBeUndefined();
    expect(missing.warnings).toEqual([
      `STATIC_ROOT /srv/mysite/staticfiles does not exist, so /static/ is not served; run: ${collect} (then start again).`,
    ]);
  });

  it('warns when STATIC_ROOT is not set, and maps nothing for a STATIC_URL on another host', () => {
    const unset = run({ staticRoot: null });
    expect(unset.staticAlias).toBeUndefined();
    expect(unset.warnings[0]).toContain('STATIC_ROOT is not set in mysite.settings');
    const cdn = run({ staticUrl: 'https://cdn.example.com/static/' });
    expect(cdn.staticAlias).toBeUndefined();
    expect(cdn.warnings).toEqual([]);
    expect(cdn.notes[0]).toContain('not a path on this server');
    expect(run({ staticUrl: '//cdn.example.com/static/' }).staticAlias).toBeUndefined();
  });

  it('takes --working-directory first, then BASE_DIR, then the directory the settings package came from', () => {
    expect(run({}, { workingDirectory: '/srv/elsewhere' }).workingDirectory).toBe('/srv/elsewhere');
    const noBase = run({ baseDir: null, packageParent: '/srv/src' });
    expect(noBase.workingDirectory).toBe('/srv/src');
    expect(noBase.pythonPath).toEqual([]);
  });

  it('puts the settings package on the module path when the working directory is elsewhere', () => {
    const result = run(
      { baseDir: '/srv/mysite', packageParent: '/srv/mysite/src' },
      { pythonPath: ['/srv/lib'] },
    );
    expect(result.workingDirectory).toBe('/srv/mysite');
    expect(result.pythonPath).toEqual(['/srv/lib', '/srv/mysite/src']);
  });

  it.each([[null], ['application'], ['mysite.wsgi.'], ['mysite wsgi.application']])(
    'refuses WSGI_APPLICATION %j',
    (wsgi) => {
      const error = thrown(() => run({ wsgiApplication: wsgi }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toContain('mysite.settings: WSGI_APPLICATION is ');
    },
  );
});

describe('serveArguments', () => {
  it("sets the module app and keeps the user's aliases and path, adding the static alias last", () => {
    const raw = { project: 'mysite', port: '8080', 'url-alias': ['/x', 'y'], _: ['django'] };
    const result = serveArguments(
      raw,
      {
        module: 'mysite.wsgi',
        callable: 'app',
        workingDirectory: '/srv/mysite',
        pythonPath: ['/srv/lib', '/srv/mysite/src'],
        staticAlias: ['/static', '/srv/mysite/staticfiles'],
        warnings: [],
        notes: [],
      },
      [['/media', '/srv/media']],
      ['/srv/lib'],
    );
    expect(result).toEqual({
      port: '8080',
      _: ['django'],
      app: 'mysite.wsgi',
      'application-type': 'module',
      'callable-object': 'app',
      'working-directory': '/srv/mysite',
      'python-path': ['/srv/lib', '/srv/mysite/src'],
      'url-alias': ['/media', '/srv/media', '/static', '/srv/mysite/staticfiles'],
    });
  });
});
