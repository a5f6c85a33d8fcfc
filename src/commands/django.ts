/**
 * `express-wsgi django [PROJECT_DIR] [options]`: mod_wsgi-express's `manage.py runmodwsgi` without
 * installing anything into the project. Reads the settings with the project's Python, then serves
 * WSGI_APPLICATION as a module app through the same path as start-server (reference §5.6).
 */
import { resolve as resolvePath } from 'node:path';

import { discover } from '../discovery/discovery.js';
import { systemHost } from '../discovery/host.js';
import {
  FS,
  plan as planFor,
  type Plan,
  pythonFor,
  readSettings,
  settingsModule,
  findProject,
} from '../discovery/django-project.js';
import { UsageError } from '../errors.js';
import { err, out } from '../log.js';
import { parseOptions } from '../options/parse.js';
import { pythonHomeOf } from '../resolve/application.js';
import { serve } from './serve.js';

/** The start-server values that serve the planned project; the user's other options pass through. */
export function serveArguments(
  raw: Record<string, unknown>,
  plan: Plan,
  urlAliases: readonly (readonly [string, string])[],
  pythonPath: readonly string[],
): Record<string, unknown> {
  const next: Record<string, unknown> = {
    ...raw,
    app: plan.module,
    'application-type': 'module',
    'callable-object': plan.callable,
    'working-directory': plan.workingDirectory,
    'python-path': [...pythonPath, ...plan.pythonPath.filter((p) => !pythonPath.includes(p))],
    'url-alias': [...urlAliases, ...(plan.staticAlias ? [plan.staticAlias] : [])].flat(),
  };
  delete next.project;
  return next;
}

export async function django(
  raw: Record<string, unknown>,
  setupOnly: boolean,
  argv: readonly string[],
): Promise<number> {
  const cwd = process.cwd();
  const opts = parseOptions(raw, process.env);
  if (opts.entryPoint !== undefined || opts.app !== undefined) {
    throw new UsageError(
      'django takes the application from WSGI_APPLICATION in the settings; give the project directory, not --entry-point.',
    );
  }
  if (opts.applicationType !== 'script' && opts.applicationType !== 'module') {
    throw new UsageError(
      `django serves the project as a module application; --application-type ${opts.applicationType} does not apply.`,
    );
  }
  const project = findProject(typeof raw.project === 'string' ? raw.project : undefined, cwd);
  const settings = settingsModule(project.managePy, process.env);
  const discovery = discover({
    httpdExecutable: opts.httpdExecutable,
    modulesDirectory: opts.modulesDirectory,
    modWsgiModule: opts.modWsgiModule,
    pythonHome: opts.pythonHome,
  });
  // Checked first: an environment of another Python is refused before anything runs it.
  const pythonHome = pythonHomeOf(opts, { cwd, host: systemHost({ env: process.env }) }, discovery);
  const python = pythonFor(pythonHome, discovery.python, discovery.modWsgi.pythonVersion);
  const pythonPath = opts.pythonPath.map((p) => resolvePath(cwd, p));
  const workingDirectory = opts.workingDirectory ? resolvePath(cwd, opts.workingDirectory) : undefined;
  const values = readSettings({
    python,
    projectDir: project.dir,
    settingsModule: settings.name,
    pythonPath: [...(workingDirectory ? [workingDirectory] : []), ...pythonPath],
    env: process.env,
  });
  const plan = planFor({
    settings: values,
    settingsModule: settings.name,
    projectDir: project.dir,
    workingDirectory,
    pythonPath,
    python,
    fs: FS,
  });
  if (opts.callableObject !== 'application' && opts.callableObject !== plan.callable) {
    throw new UsageError(
      `--callable-object ${opts.callableObject}: WSGI_APPLICATION in ${settings.name} names ${JSON.stringify(plan.callable)}; leave the option out.`,
    );
  }

  out(
    `Django project     : ${project.dir} (settings ${settings.name} from ${settings.from}, Django ${values.djangoVersion})`,
  );
  if (plan.staticAlias) {
    out(`Static files       : ${plan.staticAlias[0]}/ served by Apache from ${plan.staticAlias[1]}`);
  }
  for (const note of plan.notes) {
    out(`express-wsgi: ${note}`);
  }
  if (settings.from === 'the environment' && (setupOnly || opts.setupOnly)) {
    out(
      `express-wsgi: DJANGO_SETTINGS_MODULE=${settings.name} comes from your environment; apachectl start needs it ` +
        'there too (or an export line in the envvars file of the server root).',
    );
  }
  for (const warning of plan.warnings) {
    err(`express-wsgi: warning: ${warning}`);
  }
  return serve(serveArguments(raw, plan, opts.urlAlias, pythonPath), setupOnly, argv);
}
