/**
 * The https feature: the HTTPS port and its certificate files (read and checked before anything
 * is written), client certificates, HTTPS-only redirects, HSTS, HTTP/2, and name-based virtual
 * hosts (--server-name, --server-alias, --allow-localhost). Every option goes through
 * parse → resolve, and render where the result is printed. Certificates are made with openssl.
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync as realReadFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import type { HttpsResult } from '../../../../src/features/https/types.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  removeDir,
  tempDir,
  writeFileSync,
} from '../../helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  removeDir as realRemoveDir,
  tempDir as realTempDir,
  refusalOf,
} from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;

export const MODULES = [
  ...ALL_MODULES,
  'mod_ssl.so',
  'mod_socache_shmcb.so',
  'mod_headers.so',
  'mod_http2.so',
];
export const WEIRD = 'we"ird dir $x';

export let dir: string;
/** Where openssl makes the certificates (a real directory); their files are then loaded into dir. */
export let certs: string;
export let accounts: Accounts;

export function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
}

/** A self-signed certificate NAME.crt with its key NAME.key (EC keys: quick to make). */
export function selfSigned(name: string, extra: string[] = []): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    ...extra,
  );
}

beforeAll(() => {
  dir = tempDir('ew-https-');
  certs = realTempDir('ew-https-certs-');
  accounts = fakeAccounts(dir);
  selfSigned('site');
  selfSigned('other');
  selfSigned('ca');
  // The site's key, encrypted with a passphrase.
  openssl('pkey', '-in', 'site.key', '-aes256', '-passout', 'pass:secret', '-out', 'encrypted.key');
  // An expired certificate: signed by its own key, valid until yesterday.
  openssl('req', '-new', '-key', 'site.key', '-subj', '/CN=old', '-out', 'old.csr');
  openssl('x509', '-req', '-in', 'old.csr', '-signkey', 'site.key', '-days', '-1', '-out', 'expired.crt');
  openssl('x509', '-in', 'site.crt', '-outform', 'der', '-out', 'site.der');
  for (const name of readdirSync(certs)) {
    writeFileSync(join(dir, name), realReadFileSync(join(certs, name), 'latin1'));
  }
  realRemoveDir(certs);
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  // The certificate and its key in one file.
  writeFileSync(
    join(dir, 'combined.pem'),
    readFileSync(join(dir, 'site.crt'), 'utf8') + readFileSync(join(dir, 'site.key'), 'utf8'),
  );
  writeFileSync(
    join(dir, 'garbage.key'),
    '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
  );
  writeFileSync(join(dir, 'empty.pem'), '');
  mkdirSync(join(dir, 'a-directory.crt'));
  mkdirSync(join(dir, WEIRD));
  copyFileSync(join(dir, 'site.crt'), join(dir, WEIRD, 'c.crt'));
  copyFileSync(join(dir, 'site.key'), join(dir, WEIRD, 'c.key'));
  copyFileSync(join(dir, 'site.key'), join(dir, 'unreadable.key'));
  chmodSync(join(dir, 'unreadable.key'), 0o000);
});

afterAll(() => removeDir(dir));

export function run(raw: Raw = {}, modules: readonly string[] = MODULES): ServerConfig {
  return resolve(
    options({ app: 'app.wsgi', ...raw }),
    fakeDiscovery({ modules }),
    fakeContext(accounts, dir),
  );
}

/** The message of the UsageError that parsing or resolving `raw` throws. */
export function refusal(raw: Raw): string {
  return refusalOf(() => run(raw), JSON.stringify(raw));
}

export const https = (config: ServerConfig): HttpsResult => config.features.https;
export const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
export const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
export const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);
/** The text of each <VirtualHost> block in httpd.conf, in order. */
export const vhostBlocks = (conf: string) => [
  ...conf.matchAll(/^<VirtualHost ([^>]+)>\n([\s\S]*?)^<\/VirtualHost>$/gm),
];

export const CERT = { 'https-port': '8443', 'ssl-certificate': 'site' };
