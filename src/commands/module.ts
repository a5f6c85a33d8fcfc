/** module-config and module-location: how to load the mod_wsgi module express-wsgi would use. */
import { discoverModWsgi } from '../discovery/discovery.js';
import { out } from '../log.js';
import { apacheQuote } from '../render/quote.js';

export interface ModuleFlags {
  readonly 'mod-wsgi-module'?: string;
  readonly 'modules-directory'?: string;
}

export function moduleLocation(flags: ModuleFlags): number {
  out(discoverModWsgi(flags['mod-wsgi-module'], flags['modules-directory']).path);
  return 0;
}

export function moduleConfig(flags: ModuleFlags): number {
  out(
    `LoadModule wsgi_module ${apacheQuote(discoverModWsgi(flags['mod-wsgi-module'], flags['modules-directory']).path)}`,
  );
  return 0;
}
