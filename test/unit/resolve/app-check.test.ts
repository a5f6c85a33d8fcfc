/**
 * `apachectl check-app` imports the app with the interpreter its mod_wsgi process has: the
 * --python-home environment's own bin/python, else the Python mod_wsgi was built for.
 */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { appCheckOf } from '../../../src/resolve/app-check.js';
import { fakeHost, mkdirSync, symlinkSync, writeFileSync } from '../helpers/fake-fs.js';
import { fakeAccounts, fakeDiscovery } from '../helpers/fakes.js';
import { dir, run } from '../helpers/resolve-setup.js';

const host = () => fakeHost({}, fakeAccounts(dir));

const GROUPS = { process: 'localhost:8000', application: '%{GLOBAL}' };

describe('apachectl check-app: the interpreter', () => {
  it('is the Python mod_wsgi embeds, without --python-home; daemons get the account environment', () => {
    const config = run({ app: 'app.wsgi', 'python-path': 'pylib' });
    expect(config.appCheck).toEqual({
      python: fakeDiscovery().python,
      isolatedPython: fakeDiscovery().python,
      pythonPath: [join(dir, 'pylib')],
      accountEnvironment: true,
      modWsgi: {
        version: fakeDiscovery().modWsgi.version,
        processGroup: 'localhost:8000',
        applicationGroup: '',
      },
    });
  });

  it('keeps the inherited environment in embedded mode, as Apache children do', () => {
    expect(run({ app: 'app.wsgi', 'embedded-mode': true }).appCheck).toMatchObject({
      accountEnvironment: false,
    });
  });

  it("is the environment bin/python with --python-home; root's first step runs the module's own Python", () => {
    const venv = join(dir, 'check-venv');
    mkdirSync(join(venv, 'bin'), { recursive: true });
    const installed = join(dir, 'check-installed-python3.11');
    writeFileSync(installed, '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync(installed, join(venv, 'bin', 'python'));
    const discovery = fakeDiscovery();
    const check = appCheckOf(host(), discovery, { home: venv, path: [] }, 'daemon', GROUPS);
    // Never a program of the environment, which its owner could replace (it ran as root).
    expect(check).toMatchObject({ python: join(venv, 'bin', 'python'), isolatedPython: discovery.python });
    expect(discovery.python).not.toBe(installed);
    // Without a known module Python, the binary the environment's links to.
    const unknown = appCheckOf(
      host(),
      { ...discovery, python: undefined },
      { home: venv, path: [] },
      'daemon',
      GROUPS,
    );
    expect(unknown).toMatchObject({ isolatedPython: installed });
  });

  it('says what is missing when there is no interpreter to import with', () => {
    const venv = join(dir, 'check-empty-venv');
    mkdirSync(venv);
    expect(appCheckOf(host(), fakeDiscovery(), { home: venv, path: [] }, 'daemon', GROUPS)).toEqual({
      missing: `the Python environment ${venv} (--python-home) has no bin/python`,
    });
    const noPython = { ...fakeDiscovery(), python: undefined };
    expect(appCheckOf(host(), noPython, { home: undefined, path: [] }, 'daemon', GROUPS)).toEqual({
      missing:
        'no interpreter of Python 3.11, the Python mod_wsgi was built for, was found in /usr/bin or /usr/local/bin',
    });
  });

  it('is not needed for a static site', () => {
    expect(run({ app: 'static', 'application-type': 'static' }).appCheck).toBeUndefined();
  });
});

describe("apachectl check-app: the stand-in for mod_wsgi's built-in module", () => {
  it('says the daemon process group in daemon mode, none embedded, and the application group (%{GLOBAL}: none)', () => {
    const discovery = fakeDiscovery();
    const daemon = appCheckOf(host(), discovery, { home: undefined, path: [] }, 'daemon', GROUPS);
    expect(daemon).toMatchObject({
      modWsgi: { version: discovery.modWsgi.version, processGroup: 'localhost:8000', applicationGroup: '' },
    });
    const embedded = appCheckOf(host(), discovery, { home: undefined, path: [] }, 'embedded', {
      process: 'localhost:8000',
      application: 'shop',
    });
    expect(embedded).toMatchObject({ modWsgi: { processGroup: '', applicationGroup: 'shop' } });
  });
});
