/** The Python the application runs on, and whether it has a package a feature needs. */
import { join } from 'node:path';

import type { FeatureInput } from '../../config.js';
import { UsageError } from '../../errors.js';
import { isFile } from '../../resolve/files.js';

/** The Python the application runs on: the --python-home environment's, else mod_wsgi's own. */
function appPython({ core, discovery, ctx }: FeatureInput): string | undefined {
  if (core.pythonHome) {
    const inHome = ['python3', 'python'].map((n) => join(core.pythonHome as string, 'bin', n));
    const found = inHome.find((p) => isFile(ctx.host, p));
    if (found) {
      return found;
    }
  }
  return discovery.python;
}

/** Refuses an option whose Python package the app's interpreter cannot import. */
export function requirePackage(
  option: string,
  module: string,
  pkg: string,
  debianPackage: string | undefined,
  input: FeatureInput,
): void {
  const python = appPython(input);
  if (!python) {
    throw new UsageError(
      `--${option} needs the ${pkg} package, and the Python of mod_wsgi (${input.discovery.modWsgi.pythonVersion ?? 'unknown version'}) was not found to check for it.`,
    );
  }
  if (!input.ctx.host.canImport(python, module, input.core.pythonPath)) {
    const hint =
      debianPackage && !input.core.pythonHome
        ? `apt-get install ${debianPackage} (or: ${python} -m pip install ${pkg})`
        : `${python} -m pip install ${pkg}`;
    throw new UsageError(
      `--${option} needs the ${pkg} package, which ${python} (the application's Python) cannot import. Install it: ${hint}`,
    );
  }
}
