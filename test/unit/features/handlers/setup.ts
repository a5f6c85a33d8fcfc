/**
 * The handlers feature: --add-handler, --with-cgi, --error-document, --error-override,
 * --rewrite-rules, --allow-override, --mime-types, --enable-sendfile, --map-head-to-get,
 * --ignore-activity, --server-status and --server-metrics. Each option goes through parse →
 * resolve → render, and the generated httpd.conf (and resource.wsgi) is checked for its effect.
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import { EnvironmentError, UsageError } from '../../../../src/errors.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import { mkdirSync, writeFileSync, removeDir, tempDir } from '../../helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  refusalOf,
} from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;

export let dir: string;
export let accounts: Accounts;

export const MODULES = [...ALL_MODULES, 'mod_status.so', 'mod_cgid.so', 'mod_cgi.so'];

beforeAll(() => {
  dir = tempDir('ew-handlers-');
  accounts = fakeAccounts(dir);
  for (const d of ['static', 'docs', 'a-directory']) {
    mkdirSync(join(dir, d));
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'handler.py'), 'def handle_request(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'other.py'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'rules.conf'), 'RewriteRule ^old$ /new [R=301,L]\n');
  writeFileSync(join(dir, 'my.types'), 'text/x-test ewx\n');
});

afterAll(() => removeDir(dir));

export interface RunOptions {
  readonly modules?: readonly string[];
  readonly cwd?: string;
  readonly noApp?: boolean;
}

export function run(raw: Raw = {}, how: RunOptions = {}): ServerConfig {
  return resolve(
    options({ ...(how.noApp ? {} : { app: 'app.wsgi' }), ...raw }),
    fakeDiscovery({ modules: how.modules ?? MODULES }),
    fakeContext(accounts, how.cwd ?? dir),
  );
}

/** The message of the error that parsing or resolving `raw` throws (a UsageError unless told). */
export function refusal(
  raw: Raw,
  how: RunOptions = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  return refusalOf(() => run(raw, how), JSON.stringify(raw), kind);
}

export const fileOf = (config: ServerConfig, path: string) =>
  render(config).find((f) => f.path === path)?.content;
export const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf) ?? '';
export const summary = (config: ServerConfig, setupOnly = false) => summaryLines(config, setupOnly);
export const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);

/** The <Directory> block of the document root, as printed. */
export function docrootBlock(conf: string, config: ServerConfig): string {
  const start = conf.indexOf(`<Directory "${config.paths.documentRoot}">`);
  return conf.slice(start, conf.indexOf('</Directory>', start));
}
