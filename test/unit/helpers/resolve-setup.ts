/**
 * The set-up the unit tests of src/resolve/ share: a fake directory with an app, a paste .ini,
 * static files, venvs and prefixes of two Python versions (all on the fake Host), and run() /
 * failure() resolving options in it. Importing this registers the beforeAll/afterAll hooks.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from '@jest/globals';

import type { Accounts, ServerConfig } from '../../../src/config.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { resolve } from '../../../src/resolve/index.js';
import { mkdirSync, removeDir, tempDir, writeFileSync } from './fake-fs.js';
import { fakeAccounts, fakeContext, fakeDiscovery, options, type ContextChanges } from './fakes.js';

type Raw = Record<string, unknown>;

/** The directory of the fixtures (and the working directory of run()). */
export let dir: string;
export let accounts: Accounts;

beforeAll(() => {
  dir = tempDir('ew-resolve-');
  accounts = fakeAccounts(dir);
  for (const d of ['static/img', 'logs', 'pylib', 'work', 'docroot', 'with:colon/sub', 'empty']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'site.ini'), '[app:main]\nuse = egg:x\n');
  writeFileSync(join(dir, 'favicon.ico'), 'icon');
  writeFileSync(join(dir, 'extra.conf'), '# extra\n');
  writeFileSync(join(dir, 'env.sh'), 'export A=1\n');
  mkdirSync(join(dir, 'venv39'));
  writeFileSync(
    join(dir, 'venv39', 'pyvenv.cfg'),
    'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.2\n',
  );
  mkdirSync(join(dir, 'venv311'));
  writeFileSync(join(dir, 'venv311', 'pyvenv.cfg'), 'home = /usr/bin\nversion = 3.11.2\n');
  mkdirSync(join(dir, 'uvvenv'));
  writeFileSync(join(dir, 'uvvenv', 'pyvenv.cfg'), 'home = /usr/bin\nversion_info = 3.11.4.final.0\n');
  mkdirSync(join(dir, 'prefix311', 'lib', 'python3.11'), { recursive: true });
  mkdirSync(join(dir, 'prefix39', 'lib', 'python3.9'), { recursive: true });
});

afterAll(() => removeDir(dir));

export function run(
  raw: Raw = {},
  ctx: ContextChanges & { accounts?: Accounts; cwd?: string } = {},
  discovery: Parameters<typeof fakeDiscovery>[0] = {},
): ServerConfig {
  const { accounts: acc, cwd, ...rest } = ctx;
  return resolve(options(raw), fakeDiscovery(discovery), fakeContext(acc ?? accounts, cwd ?? dir, rest));
}

/** The error resolve() throws, checked to be of the given class. */
export function failure(
  raw: Raw,
  ctx: Parameters<typeof run>[1] = {},
  discovery: Parameters<typeof run>[2] = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  try {
    run(raw, ctx, discovery);
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`resolve accepted ${JSON.stringify(raw)}`);
}
