/** The Apache modules to load: the core's, each feature's, and mod_wsgi itself. */
import { join } from 'node:path';

import type { CoreConfig, Discovery, LoadedModule, ModWsgi } from '../config.js';
import { EnvironmentError } from '../errors.js';
import type { Options } from '../options/schema.js';

/** Why discovery took this module, in the words of the summary and of module-config. */
export function whyThisModule(modWsgi: ModWsgi, pythonHome: string | undefined): string {
  const { source } = modWsgi;
  switch (source.kind) {
    case 'option':
      return 'given with --mod-wsgi-module';
    case 'environment':
      return 'given with $MOD_WSGI_MODULE';
    case 'python-home':
      return 'pip-installed in --python-home';
    case 'mod_wsgi-express':
      return `the module of ${source.program}, first on PATH${source.passedOver ? `; ${source.passedOver}` : ''}`;
    case 'modules-directory':
      if (source.passedOver) {
        return `in Apache's modules directory; ${source.passedOver}`;
      }
      // Said because a user who pip-installed mod_wsgi elsewhere expects that one.
      return pythonHome === undefined
        ? "in Apache's modules directory; no mod_wsgi-express on PATH"
        : "in Apache's modules directory; none pip-installed in --python-home, no mod_wsgi-express on PATH";
  }
}

/** The module as the summary reports it. */
export function modWsgiModuleOf(
  discovery: Discovery,
  pythonHome: string | undefined,
): CoreConfig['modWsgiModule'] {
  const { modWsgi } = discovery;
  return {
    path: modWsgi.path,
    pythonVersion: modWsgi.pythonVersion,
    why: whyThisModule(modWsgi, pythonHome),
  };
}

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
    // SetEnv EXPRESS_WSGI_GENERATION (templates/httpd.conf.hbs), --setenv, --passenv
    'env',
  ];
  if (opts.directoryListing) {
    wanted.push('autoindex');
  }
  if (opts.compressResponses) {
    wanted.push('filter', 'deflate');
  }
  return wanted;
}
