/**
 * The daemon feature: daemon process recycling, timeouts, socket buffers and backlogs on the
 * WSGIDaemonProcess line, ListenBacklog, and the spare-worker fractions in the MPM directives.
 * Every option is run through parse → resolve (and render where the result is printed).
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import type { Discovery } from '../../../../src/discovery/discovery.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import { mkdirSync, writeFileSync, removeDir, tempDir } from '../../helpers/fake-fs.js';
import { daemonLine } from '../../helpers/daemon-line.js';
import { fakeAccounts, fakeContext, fakeDiscovery, options, refusalOf } from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;

export let dir: string;
export let accounts: Accounts;

beforeAll(() => {
  dir = tempDir('ew-daemon-');
  accounts = fakeAccounts(dir);
  mkdirSync(join(dir, 'static'));
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
});

afterAll(() => removeDir(dir));

/** Debian's module (4.9.4), or the same one claiming another version. */
export function discoveryOf(version?: readonly [number, number, number]): Discovery {
  const d = fakeDiscovery();
  return version ? { ...d, modWsgi: { ...d.modWsgi, version } } : d;
}

export function run(raw: Raw = {}, version?: readonly [number, number, number]): ServerConfig {
  return resolve(options({ app: 'app.wsgi', ...raw }), discoveryOf(version), fakeContext(accounts, dir));
}

/** The message of the UsageError that parsing or resolving `raw` throws. */
export function refusal(raw: Raw, version?: readonly [number, number, number]): string {
  return refusalOf(() => run(raw, version), JSON.stringify(raw));
}

export const daemonOptions = daemonLine;
export const directives = (config: ServerConfig) => Object.fromEntries(config.mpm.directives);
export const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
export const summary = (config: ServerConfig) => new Map(summaryLines(config, false));

// Always on the WSGIDaemonProcess line, with the defaults mod_wsgi-express writes.
export const ALWAYS = [
  ['connect-timeout', 15],
  ['startup-timeout', 15],
  ['deadlock-timeout', 60],
  ['graceful-timeout', 15],
] as const;

// Written only when not at their default (all 0).
export const OPTIONAL_ZERO = [
  'restart-interval',
  'inactivity-timeout',
  'cpu-time-limit',
  'eviction-timeout',
  'response-socket-timeout',
  'send-buffer-size',
  'receive-buffer-size',
  'header-buffer-size',
  'response-buffer-size',
] as const;
