/**
 * The proxy feature: proxy mount points and virtual hosts, --proxy-timeout, trusted proxies and
 * their headers, and the host access and authentication scripts. Every option runs through
 * parse → resolve → render; refused values are checked with their message.
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import type { Discovery } from '../../../../src/discovery/discovery.js';
import type { ProxyResult } from '../../../../src/features/proxy/types.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import { chmodSync, mkdirSync, writeFileSync, removeDir, tempDir } from '../../helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  refusalOf,
} from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;

export const EXTRA_MODULES = [
  'mod_proxy.so',
  'mod_proxy_http.so',
  'mod_headers.so',
  'mod_ssl.so',
  'mod_authn_core.so',
  'mod_authz_user.so',
  'mod_auth_basic.so',
  'mod_auth_digest.so',
];

export let dir: string;
export let accounts: Accounts;

beforeAll(() => {
  dir = tempDir('ew-proxy-');
  chmodSync(dir, 0o755); // readable by the Apache account, for the warning test
  accounts = fakeAccounts(dir);
  mkdirSync(join(dir, 'scripts'), { mode: 0o755 });
  for (const name of ['app.wsgi', 'scripts/auth.py', 'scripts/groups.py', 'scripts/access.py']) {
    writeFileSync(join(dir, name), '# test\n', { mode: 0o644 });
  }
  writeFileSync(join(dir, 'scripts/private.py'), '# test\n', { mode: 0o600 });
  chmodSync(join(dir, 'scripts/private.py'), 0o600);
});

afterAll(() => removeDir(dir));

export function discovery(modules: readonly string[] = [...ALL_MODULES, ...EXTRA_MODULES]): Discovery {
  return fakeDiscovery({ modules });
}

export function run(
  raw: Raw = {},
  changes: { uid?: number; modules?: readonly string[] } = {},
): ServerConfig {
  const ctx = fakeContext(accounts, dir, changes.uid !== undefined ? { uid: changes.uid, gid: 0 } : {});
  return resolve(options({ app: 'app.wsgi', ...raw }), discovery(changes.modules), ctx);
}

export const proxy = (config: ServerConfig) => config.features.proxy as ProxyResult;

/** The message of the UsageError that parsing or resolving `raw` throws. */
export function refusal(raw: Raw): string {
  return refusalOf(() => run(raw), JSON.stringify(raw));
}

export const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
export const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);
export const summary = (config: ServerConfig) => summaryLines(config, false);
