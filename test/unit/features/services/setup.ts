/**
 * The services feature: service scripts, debug mode and its tools (pdb, coverage, profiler,
 * recorder, gdb), telemetry (mod_wsgi 6 only), the docs at /__wsgi__/docs and the refused
 * --with-php5. Every option goes through parse → resolve, and through render where it prints
 * something; the Python put into handler.wsgi is compiled by a real Python.
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import type { Discovery } from '../../../../src/discovery/discovery.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import {
  chmodSync,
  DOCS_DIRECTORY,
  mkdirSync,
  removeDir,
  tempDir,
  writeFileSync,
} from '../../helpers/fake-fs.js';
import {
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  type ContextChanges,
  refusalOf,
} from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;
export type Version = readonly [number, number, number];

export let dir: string;
export let accounts: Accounts;
/** Python stand-ins: one that imports anything, one that imports nothing. */
export let importsAll: string;
export let importsNothing: string;

beforeAll(() => {
  dir = tempDir('ew-services-');
  accounts = fakeAccounts(dir);
  for (const d of ['static', 'logs', 'out', 'bin', 'venv/bin', 'venv/lib/python3.11']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'service.py'), 'import time\nwhile True:\n    time.sleep(1)\n');
  writeFileSync(join(dir, 'other.py'), 'pass\n');
  writeFileSync(join(dir, 'a-file'), 'not a directory\n');
  writeFileSync(join(dir, 'venv', 'pyvenv.cfg'), 'version = 3.11.2\n');
  importsAll = join(dir, 'bin', 'python-all');
  importsNothing = join(dir, 'bin', 'python-none');
  writeFileSync(importsAll, '#!/bin/sh\nexit 0\n');
  writeFileSync(importsNothing, '#!/bin/sh\nexit 1\n');
  const gdb = join(dir, 'bin', 'gdb');
  writeFileSync(gdb, '#!/bin/sh\nexit 0\n');
  for (const f of [importsAll, importsNothing, gdb]) {
    chmodSync(f, 0o755);
  }
  mkdirSync(DOCS_DIRECTORY, { recursive: true });
});

afterAll(() => removeDir(dir));

export function discoveryOf(version: Version | undefined, python: string | undefined): Discovery {
  const d = fakeDiscovery();
  return { ...d, python, modWsgi: { ...d.modWsgi, version: version ?? d.modWsgi.version } };
}

export interface RunOptions {
  readonly version?: Version;
  readonly python?: string | undefined;
  readonly ctx?: ContextChanges;
  /** No application: --application-type static. */
  readonly noApp?: boolean;
}

export function run(raw: Raw = {}, o: RunOptions = {}): ServerConfig {
  const base = o.noApp ? { 'application-type': 'static', 'document-root': 'static' } : { app: 'app.wsgi' };
  const python = 'python' in o ? o.python : importsAll;
  return resolve(options({ ...base, 'server-root': 'root', ...raw }), discoveryOf(o.version, python), {
    ...fakeContext(accounts, dir, o.ctx),
  });
}

export const AS_ROOT = { ctx: { uid: 0, gid: 0 } } as const;
export const SIX: Version = [6, 0, 5];

/** The message of the UsageError that parsing or resolving `raw` throws. */
export function refusal(raw: Raw, o: RunOptions = {}): string {
  return refusalOf(() => run(raw, o), JSON.stringify(raw));
}

export const fileOf = (config: ServerConfig, path: string) => {
  const file = render(config).find((f) => f.path === path);
  if (!file) {
    throw new Error(`${path} was not rendered`);
  }
  return file.content;
};
export const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf);
export const handler = (config: ServerConfig) => fileOf(config, config.paths.handler);
export const apachectl = (config: ServerConfig) => fileOf(config, config.paths.apachectl);
export const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
export const svc = (config: ServerConfig) => config.features.services;
export const root = () => join(dir, 'root');

/** Compiles Python source with the system python3: a syntax error fails the test with its message. */
export function compilesAsPython(source: string): void {
  const result = spawnSync(
    'python3',
    ['-c', 'import sys; compile(sys.stdin.read(), "handler.wsgi", "exec")'],
    {
      input: source,
      encoding: 'utf8',
    },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}
