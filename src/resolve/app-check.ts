/**
 * `apachectl check-app`: the interpreter that imports the app once before Apache starts, so that a
 * container's entry point can fail with the traceback instead of serving 500s (issue 15). It must
 * be the Python mod_wsgi embeds, in the same environment: --python-home's own bin/python (whose
 * pyvenv.cfg gives the venv's site-packages, as mod_wsgi's python-home= does), else the system's.
 */
import { join } from 'node:path';

import type { AppCheck, Discovery, Host, Mode } from '../config.js';

export function appCheckOf(
  host: Host,
  discovery: Pick<Discovery, 'python' | 'modWsgi'>,
  python: { readonly home: string | undefined; readonly path: readonly string[] },
  mode: Mode,
  groups: { readonly process: string; readonly application: string },
): AppCheck {
  const version = discovery.modWsgi.pythonVersion;
  let interpreter: string | undefined;
  if (python.home) {
    const names = ['python', 'python3', ...(version ? [`python${version}`] : [])];
    interpreter = names.map((n) => join(python.home as string, 'bin', n)).find((p) => host.isExecutable(p));
    if (!interpreter) {
      return { missing: `the Python environment ${python.home} (--python-home) has no bin/python` };
    }
  } else {
    interpreter = discovery.python;
    if (!interpreter) {
      return {
        missing: `no interpreter of Python ${version ?? '3'}, the Python mod_wsgi was built for, was found in /usr/bin or /usr/local/bin`,
      };
    }
  }
  return {
    python: interpreter,
    // What root runs before it drops to the app's account: the Python the module was built for
    // (the distribution's, as a rule), never a program of the environment, which may be another
    // account's (adversarial pass: a venv's bin/python ran as root). apachectl checks it again.
    isolatedPython: discovery.python ?? host.realPath(interpreter),
    pythonPath: python.path,
    accountEnvironment: mode === 'daemon',
    modWsgi: {
      version: discovery.modWsgi.version,
      processGroup: mode === 'daemon' ? groups.process : '',
      applicationGroup: groups.application === '%{GLOBAL}' ? '' : groups.application,
    },
  };
}
