/**
 * module-config and module-location: how to load the mod_wsgi module express-wsgi would use. The
 * same discovery and the same --python-home check as start-server, so that for the same options
 * they name the module start-server loads (or refuse as it does).
 */
import { discoverModWsgi } from '../discovery/discovery.js';
import { systemHost } from '../discovery/host.js';
import { out } from '../log.js';
import { apacheQuote } from '../render/quote.js';
import { pythonHomeOf } from '../resolve/index.js';
import { whyThisModule } from '../resolve/modules.js';

export interface ModuleFlags {
  readonly 'mod-wsgi-module'?: string;
  readonly 'modules-directory'?: string;
  readonly 'python-home'?: string;
}

function moduleFor(flags: ModuleFlags) {
  const found = discoverModWsgi({
    modWsgiModule: flags['mod-wsgi-module'],
    modulesDirectory: flags['modules-directory'],
    pythonHome: flags['python-home'],
  });
  const pythonHome = pythonHomeOf(
    { pythonHome: flags['python-home'] },
    { cwd: process.cwd(), host: systemHost({ env: process.env }) },
    found,
  );
  return { modWsgi: found.modWsgi, pythonHome };
}

/** The path alone, as mod_wsgi-express prints it: scripts use it as $(express-wsgi module-location). */
export function moduleLocation(flags: ModuleFlags): number {
  out(moduleFor(flags).modWsgi.path);
  return 0;
}

/** Lines for a system Apache's configuration; the comment says which module and why that one. */
export function moduleConfig(flags: ModuleFlags): number {
  const { modWsgi, pythonHome } = moduleFor(flags);
  const python = modWsgi.pythonVersion ? ` for Python ${modWsgi.pythonVersion}` : '';
  out(`# mod_wsgi ${modWsgi.version.join('.')}${python}: ${whyThisModule(modWsgi, pythonHome)}`);
  out(`LoadModule wsgi_module ${apacheQuote(modWsgi.path)}`);
  if (pythonHome) {
    // As mod_wsgi-express module-config does: the embedded Python imports from the environment.
    out(`WSGIPythonHome ${apacheQuote(pythonHome)}`);
  }
  return 0;
}
