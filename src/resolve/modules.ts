/** The Apache modules to load: the core's, each feature's, and mod_wsgi itself. */
import { join } from 'node:path';

import type { Discovery, LoadedModule } from '../config.js';
import { EnvironmentError } from '../errors.js';
import type { Options } from '../options/schema.js';

const moduleId = (file: string) => `${file.replace(/^mod_/, '').replace(/\.so$/, '')}_module`;

export function modulesOf(discovery: Discovery, mpm: string, wanted: readonly string[]): LoadedModule[] {
  const out: LoadedModule[] = [];
  for (const name of [`mpm_${mpm}`, ...wanted]) {
    const file = `mod_${name}.so`;
    if (discovery.modules.has(file)) {
      out.push({ id: moduleId(file), path: join(discovery.modulesDirectory, file) });
    } else if (!STATIC_OK.has(name)) {
      throw new EnvironmentError(
        `Apache module mod_${name} is missing from ${discovery.modulesDirectory}; it is part of a full Apache 2.4 install.`,
      );
    }
  }
  out.push({ id: 'wsgi_module', path: discovery.modWsgi.path });
  return out;
}

// Compiled into some httpd builds (Debian's has unixd and log_config built in).
const STATIC_OK = new Set(['unixd', 'log_config', 'version']);

/** The modules the core configuration uses (the MPM and mod_wsgi are added by modulesOf). */
export function coreModules(opts: Options): string[] {
  const wanted = [
    'unixd',
    'authz_core',
    'authz_host',
    'mime',
    'dir',
    'alias',
    'rewrite',
    'reqtimeout',
    'log_config',
  ];
  if (opts.directoryListing) {
    wanted.push('autoindex');
  }
  if (opts.compressResponses) {
    wanted.push('filter', 'deflate');
  }
  if (opts.setenv.length || opts.passenv.length) {
    wanted.push('env');
  }
  return wanted;
}
