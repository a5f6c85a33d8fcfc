/**
 * The https feature: the HTTPS port and its certificate files (read and checked before anything
 * is written), client certificates, HTTPS-only redirects, HSTS, HTTP/2, and name-based virtual
 * hosts (--server-name, --server-alias, --allow-localhost). Every option goes through
 * parse → resolve, and render where the result is printed. Certificates are made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync as realReadFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { CATCH_ALL_NAME } from '../../../src/features/https/resolve.js';
import type { HttpsResult, VirtualHost } from '../../../src/features/https/types.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  removeDir,
  tempDir,
  writeFileSync,
} from '../helpers/fake-fs.js';
import {
  ALL_MODULES,
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  removeDir as realRemoveDir,
  tempDir as realTempDir,
} from '../helpers/fakes.js';

type Raw = Record<string, unknown>;

const MODULES = [...ALL_MODULES, 'mod_ssl.so', 'mod_socache_shmcb.so', 'mod_headers.so', 'mod_http2.so'];
const WEIRD = 'we"ird dir $x';

let dir: string;
/** Where openssl makes the certificates (a real directory); their files are then loaded into dir. */
let certs: string;
let accounts: Accounts;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
}

/** A self-signed certificate NAME.crt with its key NAME.key (EC keys: quick to make). */
function selfSigned(name: string, extra: string[] = []): void {
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

function run(raw: Raw = {}, modules: readonly string[] = MODULES): ServerConfig {
  return resolve(
    options({ app: 'app.wsgi', ...raw }),
    fakeDiscovery({ modules }),
    fakeContext(accounts, dir),
  );
}

/** The message of the UsageError that parsing or resolving `raw` throws. */
function refusal(raw: Raw): string {
  try {
    run(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${JSON.stringify(raw)}`);
}

const https = (config: ServerConfig): HttpsResult => config.features.https;
const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);
/** The text of each <VirtualHost> block in httpd.conf, in order. */
const vhostBlocks = (conf: string) => [
  ...conf.matchAll(/^<VirtualHost ([^>]+)>\n([\s\S]*?)^<\/VirtualHost>$/gm),
];

const CERT = { 'https-port': '8443', 'ssl-certificate': 'site' };

describe('defaults: no HTTPS, no virtual hosts', () => {
  it('nothing is printed and no module is added', () => {
    const config = run();
    expect(https(config)).toMatchObject({ listen: null, ssl: null, protocols: null, virtualHosts: [] });
    const conf = httpdConf(config);
    expect(conf).not.toMatch(/SSL|VirtualHost|Protocols|Strict-Transport/);
    expect(moduleIds(config)).not.toEqual(expect.arrayContaining(['ssl_module']));
    expect(summary(config).has('Server URL (HTTPS)')).toBe(false);
    expect(https(config).warnings).toEqual([]);
  });
});

describe('--https-port (alias --ssl-port)', () => {
  it('listens on the port with TLS and serves the site from a virtual host with SSLEngine on', () => {
    const config = run(CERT);
    expect(https(config).listen).toBe('8443');
    const conf = httpdConf(config);
    expect(conf).toMatch(/^Listen "8443" https$/m);
    expect(conf).toMatch(/^SSLSessionCache shmcb$/m);
    const blocks = vhostBlocks(conf);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.[1]).toBe('*:8443');
    expect(blocks[0]?.[2]).toContain('  SSLEngine on\n');
    expect(blocks[0]?.[2]).toContain(`  SSLCertificateFile "${join(dir, 'site.crt')}"\n`);
    expect(blocks[0]?.[2]).toContain(`  SSLCertificateKeyFile "${join(dir, 'site.key')}"\n`);
    expect(blocks[0]?.[2]).toContain('  ServerName "localhost:8443"\n');
    // Without --server-name HTTP is served as before: no virtual host on the HTTP port.
    expect(conf).not.toContain('<VirtualHost *:8000>');
    expect(moduleIds(config)).toEqual(expect.arrayContaining(['ssl_module', 'socache_shmcb_module']));
  });

  it('the summary has the HTTPS URL', () => {
    expect(summary(run(CERT)).get('Server URL (HTTPS)')).toBe('https://localhost:8443/');
    expect(summary(run({ ...CERT, 'https-port': '443' })).get('Server URL (HTTPS)')).toBe(
      'https://localhost/',
    );
  });

  it('--ssl-port is the same option', () => {
    const config = run({ 'ssl-port': '9443', 'ssl-certificate': 'site' });
    expect(config.features.https.listen).toBe('9443');
    expect(httpdConf(config)).toContain('<VirtualHost *:9443>');
  });

  it.each([
    ['127.0.0.1', '127.0.0.1:8443', 'https://127.0.0.1:8443/'],
    ['::1', '[::1]:8443', 'https://[::1]:8443/'],
    ['0.0.0.0', '0.0.0.0:8443', 'https://localhost:8443/'],
  ])('with --host %s it listens on %s', (host, listen, url) => {
    const config = run({ ...CERT, host });
    expect(https(config).listen).toBe(listen);
    expect(httpdConf(config)).toContain(`Listen "${listen}" https`);
    expect(summary(config).get('Server URL (HTTPS)')).toBe(url);
  });

  it.each(['0', '65536', 'abc', '1.5'])('--https-port %s is refused', (port) => {
    expect(refusal({ ...CERT, 'https-port': port })).toMatch(
      new RegExp(`^--https-port: "${port}" is not valid; expected a whole number from 1 to 65535\\.$`),
    );
  });

  it('the same port as --port is refused', () => {
    expect(refusal({ ...CERT, 'https-port': '8000' })).toBe(
      '--https-port: 8000 is not valid; expected a port other than --port (8000).',
    );
  });

  it('without a certificate it is refused (mod_wsgi-express silently listened on nothing)', () => {
    expect(refusal({ 'https-port': '8443' })).toMatch(
      /^--https-port needs a server certificate and its key: give --ssl-certificate PATH/,
    );
  });

  it('mod_ssl missing from the modules directory is an environment error naming it', () => {
    expect(() => run(CERT, ALL_MODULES)).toThrow(EnvironmentError);
    expect(() => run(CERT, ALL_MODULES)).toThrow(/mod_ssl is missing/);
  });
});

describe('SSL options without --https-port are refused', () => {
  it.each([
    ['ssl-certificate-file', 'site.crt'],
    ['ssl-certificate-key-file', 'site.key'],
    ['ssl-certificate', 'site'],
    ['ssl-certificate-chain-file', 'ca.crt'],
    ['ssl-ca-certificate-file', 'ca.crt'],
  ])('--%s', (option, value) => {
    expect(refusal({ [option]: value })).toBe(
      `--https-port must be given when SSL certificate options are (--${option} was): ` +
        'the certificate is used on the HTTPS port only.',
    );
  });

  it.each([
    ['https-only', true],
    ['hsts-policy', 'max-age=60'],
    ['ssl-environment', true],
    ['ssl-verify-client', '/admin'],
  ])('--%s', (option, value) => {
    expect(refusal({ [option]: value })).toBe(
      `--${option} needs --https-port (and a certificate): it only affects HTTPS.`,
    );
  });
});

describe('certificate and key files', () => {
  it('--ssl-certificate-file and --ssl-certificate-key-file, relative to the working directory', () => {
    const config = run({
      'https-port': '8443',
      'ssl-certificate-file': 'site.crt',
      'ssl-certificate-key-file': 'site.key',
    });
    expect(https(config).ssl).toMatchObject({
      certificateFile: join(dir, 'site.crt'),
      keyFile: join(dir, 'site.key'),
      chainFile: null,
      caFile: null,
    });
  });

  it('--ssl-certificate STEM uses STEM.crt and STEM.key', () => {
    expect(https(run(CERT)).ssl).toMatchObject({
      certificateFile: join(dir, 'site.crt'),
      keyFile: join(dir, 'site.key'),
    });
  });

  it('a certificate file holding its key needs no key file, and no SSLCertificateKeyFile is written', () => {
    const config = run({ 'https-port': '8443', 'ssl-certificate-file': 'combined.pem' });
    expect(https(config).ssl?.keyFile).toBeNull();
    const conf = httpdConf(config);
    expect(conf).toContain(`SSLCertificateFile "${join(dir, 'combined.pem')}"`);
    expect(conf).not.toContain('SSLCertificateKeyFile');
  });

  it('a certificate file without a key, and no key file, is refused', () => {
    expect(refusal({ 'https-port': '8443', 'ssl-certificate-file': 'site.crt' })).toBe(
      '--ssl-certificate-file: "site.crt" is not valid; expected a certificate file that also holds its ' +
        'private key, or give --ssl-certificate-key-file too.',
    );
  });

  it('a key file without a certificate file is refused', () => {
    expect(refusal({ 'https-port': '8443', 'ssl-certificate-key-file': 'site.key' })).toBe(
      '--ssl-certificate-key-file needs --ssl-certificate-file, the certificate of that key.',
    );
  });

  it('--ssl-certificate together with --ssl-certificate-file is refused', () => {
    expect(refusal({ ...CERT, 'ssl-certificate-file': 'site.crt' })).toMatch(
      /^--ssl-certificate PATH names both PATH\.crt and PATH\.key: give it, or/,
    );
  });

  it.each([
    [
      { 'ssl-certificate': 'nothere' },
      '--ssl-certificate: "nothere.crt" is not valid; expected an existing certificate file (no such file).',
    ],
    [
      { 'ssl-certificate': 'site.der' },
      '--ssl-certificate: "site.der.crt" is not valid; expected an existing certificate file (no such file).',
    ],
    [
      { 'ssl-certificate-file': 'site.crt', 'ssl-certificate-key-file': 'nothere.key' },
      '--ssl-certificate-key-file: "nothere.key" is not valid; expected an existing private key file (no such file).',
    ],
    [
      { 'ssl-certificate-file': 'a-directory.crt', 'ssl-certificate-key-file': 'site.key' },
      '--ssl-certificate-file: "a-directory.crt" is not valid; expected a certificate file (it is a directory).',
    ],
  ])('a missing file or a directory is refused: %p', (raw, message) => {
    expect(refusal({ 'https-port': '8443', ...raw })).toBe(message);
  });

  it('a DER certificate is refused with how to convert it', () => {
    expect(
      refusal({
        'https-port': '8443',
        'ssl-certificate-file': 'site.der',
        'ssl-certificate-key-file': 'site.key',
      }),
    ).toMatch(
      /^--ssl-certificate-file: "site\.der" is not valid; expected a PEM certificate file with a -----BEGIN CERTIFICATE----- block \(convert DER with: openssl x509 -inform der/,
    );
  });

  it('a key file with no key in it is refused', () => {
    expect(
      refusal({
        'https-port': '8443',
        'ssl-certificate-file': 'site.crt',
        'ssl-certificate-key-file': 'empty.pem',
      }),
    ).toBe(
      '--ssl-certificate-key-file: "empty.pem" is not valid; expected a PEM file with a -----BEGIN PRIVATE KEY----- block.',
    );
  });

  it('a key that does not parse is refused', () => {
    expect(
      refusal({
        'https-port': '8443',
        'ssl-certificate-file': 'site.crt',
        'ssl-certificate-key-file': 'garbage.key',
      }),
    ).toMatch(
      /^--ssl-certificate-key-file: "garbage\.key" is not valid; expected a PEM private key that parses/,
    );
  });

  it('the key of another certificate is refused', () => {
    expect(
      refusal({
        'https-port': '8443',
        'ssl-certificate-file': 'site.crt',
        'ssl-certificate-key-file': 'other.key',
      }),
    ).toBe(
      `--ssl-certificate-key-file: "other.key" is not valid; expected the private key of the certificate in ${join(dir, 'site.crt')} (it belongs to another one).`,
    );
  });

  // The fake Host refuses to read a file without its read bit whoever runs the tests (root too).
  it('an unreadable key is refused', () => {
    expect(
      refusal({
        'https-port': '8443',
        'ssl-certificate-file': 'site.crt',
        'ssl-certificate-key-file': 'unreadable.key',
      }),
    ).toBe(
      '--ssl-certificate-key-file: "unreadable.key" is not valid; expected a private key file you can read (permission denied).',
    );
  });

  it('an encrypted key is accepted with a warning about its passphrase', () => {
    const config = run({
      'https-port': '8443',
      'ssl-certificate-file': 'site.crt',
      'ssl-certificate-key-file': 'encrypted.key',
    });
    expect(https(config).ssl?.keyFile).toBe(join(dir, 'encrypted.key'));
    expect(config.warnings).toContainEqual(
      expect.stringMatching(/encrypted.key is encrypted: Apache asks for its passphrase/),
    );
  });

  it('an expired certificate is accepted with a warning', () => {
    const config = run({
      'https-port': '8443',
      'ssl-certificate-file': 'expired.crt',
      'ssl-certificate-key-file': 'site.key',
    });
    expect(config.warnings).toContainEqual(
      expect.stringMatching(/expired\.crt expired on .*; clients will refuse it\./),
    );
    expect(run(CERT).warnings.some((w) => w.includes('expired'))).toBe(false);
  });

  it('paths with quotes, spaces and $ are quoted in httpd.conf', () => {
    const conf = httpdConf(run({ 'https-port': '8443', 'ssl-certificate': `${WEIRD}/c` }));
    const quoted = join(dir, WEIRD).replace(/"/g, '\\"');
    expect(conf).toContain(`SSLCertificateFile "${quoted}/c.crt"`);
    expect(conf).toContain(`SSLCertificateKeyFile "${quoted}/c.key"`);
  });

  it('--ssl-certificate-chain-file is written as SSLCertificateChainFile', () => {
    const config = run({ ...CERT, 'ssl-certificate-chain-file': 'ca.crt' });
    expect(https(config).ssl?.chainFile).toBe(join(dir, 'ca.crt'));
    expect(httpdConf(config)).toContain(`  SSLCertificateChainFile "${join(dir, 'ca.crt')}"\n`);
  });

  it.each(['ssl-certificate-chain-file', 'ssl-ca-certificate-file'])(
    '--%s without a certificate in it is refused',
    (option) => {
      expect(refusal({ ...CERT, [option]: 'site.key' })).toMatch(
        new RegExp(
          `^--${option}: "site\\.key" is not valid; expected a PEM .* file with a -----BEGIN CERTIFICATE----- block`,
        ),
      );
      expect(refusal({ ...CERT, [option]: 'nothere.pem' })).toMatch(/\(no such file\)\.$/);
    },
  );
});

describe('client certificates: --ssl-ca-certificate-file and --ssl-verify-client', () => {
  it('the CA file alone asks for a client certificate in the handshake, for the whole site', () => {
    const config = run({ ...CERT, 'ssl-ca-certificate-file': 'ca.crt' });
    expect(https(config).ssl).toMatchObject({
      caFile: join(dir, 'ca.crt'),
      verifyClient: 'require',
      verifyPaths: [],
    });
    const conf = httpdConf(config);
    expect(conf).toContain(
      `  SSLCACertificateFile "${join(dir, 'ca.crt')}"\n  SSLVerifyClient require\n  SSLVerifyDepth 1\n`,
    );
    expect(conf).not.toContain('<Location');
  });

  it('--ssl-verify-client paths each get a <Location>, sorted in reverse, duplicates dropped', () => {
    const config = run({
      ...CERT,
      'ssl-ca-certificate-file': 'ca.crt',
      'ssl-verify-client': ['/admin', '/api/private', '/admin'],
    });
    expect(https(config).ssl).toMatchObject({
      verifyClient: 'none',
      verifyPaths: ['/api/private', '/admin'],
    });
    const conf = httpdConf(config);
    expect(conf).toContain('  SSLVerifyClient none\n');
    const locations = [...conf.matchAll(/<Location "([^"]+)">\n {4}SSLVerifyClient require\n/g)].map(
      (m) => m[1],
    );
    expect(locations).toEqual(['/api/private', '/admin']);
  });

  it('/ among the paths means the whole site: verified in the handshake', () => {
    const config = run({
      ...CERT,
      'ssl-ca-certificate-file': 'ca.crt',
      'ssl-verify-client': ['/admin', '/'],
    });
    expect(https(config).ssl).toMatchObject({ verifyClient: 'require', verifyPaths: [] });
  });

  it('--ssl-verify-client without --ssl-ca-certificate-file is refused', () => {
    expect(refusal({ ...CERT, 'ssl-verify-client': '/admin' })).toBe(
      '--ssl-verify-client needs --ssl-ca-certificate-file, the CA certificates that sign the client certificates.',
    );
  });

  it('--ssl-verify-client takes URL paths only', () => {
    expect(refusal({ ...CERT, 'ssl-ca-certificate-file': 'ca.crt', 'ssl-verify-client': 'admin' })).toBe(
      '--ssl-verify-client: "admin" is not valid; expected a URL path such as /admin.',
    );
  });
});

describe('--ssl-environment, --hsts-policy', () => {
  it('--ssl-environment adds SSLOptions +StdEnvVars to the HTTPS virtual host', () => {
    expect(httpdConf(run(CERT))).not.toContain('StdEnvVars');
    const conf = httpdConf(run({ ...CERT, 'ssl-environment': true }));
    expect(vhostBlocks(conf)[0]?.[2]).toContain('  SSLOptions +StdEnvVars\n');
  });

  it.each(['max-age=31536000', 'max-age=63072000; includeSubDomains; preload', 'max-age="300"'])(
    '--hsts-policy %p: mod_headers sets it on HTTPS responses, without --https-only',
    (policy) => {
      const config = run({ ...CERT, 'hsts-policy': policy });
      expect(moduleIds(config)).toContain('headers_module');
      const blocks = vhostBlocks(httpdConf(config));
      expect(blocks[0]?.[2]).toContain(
        `  Header always set Strict-Transport-Security "${policy.replace(/"/g, '\\"')}"\n`,
      );
    },
  );

  it.each(['includeSubDomains', 'max-age=abc', 'max-age=1; max-age=2', 'max-age=60 preload', ''])(
    '--hsts-policy %p is refused',
    (policy) => {
      expect(refusal({ ...CERT, 'hsts-policy': policy })).toBe(
        `--hsts-policy: ${JSON.stringify(policy)} is not valid; expected a Strict-Transport-Security policy ` +
          'with one max-age, such as "max-age=31536000; includeSubDomains".',
      );
    },
  );
});

describe('--https-only', () => {
  it('without --server-name: plain HTTP gets a 301 to the HTTPS port under the host name asked for', () => {
    const config = run({ ...CERT, 'https-only': true });
    const first = https(config).virtualHosts[0] as VirtualHost;
    expect(first).toMatchObject({ port: 8000, ssl: false, serves: false });
    expect(first.redirectToHttps?.target).toBe('https://%1:8443%{REQUEST_URI}');
    expect(first.redirectToHttps?.fallback).toBe('https://localhost:8443%{REQUEST_URI}');
    const [http, tls] = vhostBlocks(httpdConf(config));
    expect(http?.[1]).toBe('*:8000');
    expect(http?.[2]).toContain('  RewriteRule "^" "https://%1:8443%{REQUEST_URI}" [R=301,L]\n');
    expect(http?.[2]).not.toContain('SSLEngine');
    expect(tls?.[1]).toBe('*:8443');
    // The host pattern (PCRE, checked against Apache in the integration test) has no backslashes:
    // mod_rewrite does not unescape its arguments.
    expect(first.redirectToHttps?.hostPattern).toBe('^([[][0-9A-Fa-f:.]+[]]|[A-Za-z0-9._-]+)(:[0-9]+)?$');
  });

  it('to port 443 the redirect names no port', () => {
    const config = run({ ...CERT, 'https-port': '443', 'https-only': true });
    expect(https(config).virtualHosts[0]?.redirectToHttps?.target).toBe('https://%1%{REQUEST_URI}');
  });
});

describe('--server-name, --server-alias, --allow-localhost', () => {
  it('the server name gets a virtual host; a catch-all before it refuses other host names', () => {
    const config = run({ 'server-name': 'app.example.com' });
    const [catchAll, named, ...rest] = https(config).virtualHosts;
    expect(rest).toEqual([]);
    expect(catchAll).toMatchObject({
      port: 8000,
      serverName: CATCH_ALL_NAME,
      refuse: 'all denied',
      serves: false,
    });
    expect(named).toMatchObject({ port: 8000, serverName: 'app.example.com', refuse: null, serves: true });
    const blocks = vhostBlocks(httpdConf(config));
    expect(blocks[0]?.[2]).toContain('  <Location "/">\n    Require all denied\n  </Location>\n');
    expect(blocks[1]?.[2]).toContain('  ServerName "app.example.com"\n');
    expect(blocks[1]?.[2]).toContain('  RewriteOptions Inherit\n');
    expect(blocks[1]?.[2]).not.toContain('Require');
  });

  it('the printed URL uses the server name', () => {
    const config = run({ 'server-name': 'app.example.com' });
    expect(config.url).toBe('http://app.example.com:8000/');
    expect(summary(config).get('Server URL')).toBe('http://app.example.com:8000/');
    expect(summary(config).get('Server Name')).toBe('app.example.com');
  });

  it('--server-alias adds ServerAlias names; duplicates and the server name itself are dropped', () => {
    const config = run({
      'server-name': 'app.example.com',
      'server-alias': ['*.example.org', 'app.example.com', 'alt.example.com', '*.example.org'],
    });
    expect(https(config).virtualHosts[1]?.serverAliases).toEqual(['*.example.org', 'alt.example.com']);
    expect(httpdConf(config)).toContain('  ServerAlias "*.example.org" "alt.example.com"\n');
    expect(summary(config).get('Server Name')).toBe('app.example.com *.example.org alt.example.com');
  });

  it('--allow-localhost serves other host names to clients on this machine only', () => {
    const config = run({ 'server-name': 'app.example.com', 'allow-localhost': true });
    expect(https(config).virtualHosts[0]?.refuse).toBe('local');
    expect(vhostBlocks(httpdConf(config))[0]?.[2]).toContain('    Require local\n');
  });

  it('a www. name also redirects the bare domain to it (301)', () => {
    const config = run({ 'server-name': 'www.example.com' });
    const bare = https(config).virtualHosts[2];
    expect(bare).toMatchObject({
      serverName: 'example.com',
      redirect: 'http://www.example.com:8000/',
      serves: false,
    });
    expect(vhostBlocks(httpdConf(config))[2]?.[2]).toContain(
      '  Redirect permanent "/" "http://www.example.com:8000/"\n',
    );
    expect(
      run({ 'server-name': 'www.example.com', port: '80' }).features.https.virtualHosts[2]?.redirect,
    ).toBe('http://www.example.com/');
  });

  it('no bare-domain redirect when the bare domain is an alias', () => {
    const config = run({ 'server-name': 'www.example.com', 'server-alias': 'example.com' });
    expect(https(config).virtualHosts.map((v) => v.serverName)).toEqual([CATCH_ALL_NAME, 'www.example.com']);
  });

  it('with HTTPS the same three virtual hosts exist on the HTTPS port, each with SSLEngine on', () => {
    const config = run({ ...CERT, 'server-name': 'www.example.com', 'hsts-policy': 'max-age=60' });
    const hosts = https(config).virtualHosts;
    expect(hosts.map((v) => [v.port, v.serverName, v.ssl])).toEqual([
      [8000, CATCH_ALL_NAME, false],
      [8000, 'www.example.com', false],
      [8000, 'example.com', false],
      [8443, CATCH_ALL_NAME, true],
      [8443, 'www.example.com', true],
      [8443, 'example.com', true],
    ]);
    expect(hosts[5]?.redirect).toBe('https://www.example.com:8443/');
    expect(summary(config).get('Server URL (HTTPS)')).toBe('https://www.example.com:8443/');
    const blocks = vhostBlocks(httpdConf(config));
    // Every virtual host on the HTTPS port has the same TLS set-up (SNI and Host may pick different ones).
    const tls = blocks.filter((b) => b[1] === '*:8443');
    expect(tls).toHaveLength(3);
    for (const b of tls) {
      expect(b[2]).toContain('  SSLEngine on\n');
      expect(b[2]).toContain('Strict-Transport-Security');
    }
    for (const b of blocks.filter((b) => b[1] === '*:8000')) {
      expect(b[2]).not.toMatch(/SSL|Strict-Transport/);
    }
  });

  it('--https-only: the server name on plain HTTP redirects (301) to HTTPS, the bare domain straight there', () => {
    const config = run({ ...CERT, 'server-name': 'www.example.com', 'https-only': true });
    const hosts = https(config).virtualHosts;
    expect(hosts[1]).toMatchObject({ port: 8000, redirect: 'https://www.example.com:8443/', serves: false });
    expect(hosts[2]).toMatchObject({ port: 8000, redirect: 'https://www.example.com:8443/' });
    expect(hosts[4]).toMatchObject({ port: 8443, redirect: null, serves: true });
    expect(hosts.every((v) => v.redirectToHttps === null)).toBe(true);
  });

  it.each(['example.com:80', 'http://example.com', 'a b', '-x.com', 'example.com/', '*.example.com', ''])(
    '--server-name %p is refused',
    (name) => {
      expect(refusal({ 'server-name': name })).toBe(
        `--server-name: ${JSON.stringify(name)} is not valid; expected a host name such as www.example.com (no port, scheme or path).`,
      );
    },
  );

  it.each(['localhost', '10.0.0.1', 'my_host.internal', 'xn--bcher-kva.example'])(
    '--server-name %p is accepted',
    (name) => {
      expect(run({ 'server-name': name }).features.https.virtualHosts[1]?.serverName).toBe(name);
    },
  );

  it.each(['example.com:8080', 'example.com/x', 'a b'])('--server-alias %p is refused', (alias) => {
    expect(refusal({ 'server-name': 'example.com', 'server-alias': alias })).toMatch(
      new RegExp(
        `^--server-alias: "${alias}" is not valid; expected a host name such as example.com, wildcards`,
      ),
    );
  });

  it.each([
    [
      { 'server-alias': 'example.com' },
      '--server-alias has no effect without --server-name: every host name is served.',
    ],
    [
      { 'allow-localhost': true },
      '--allow-localhost has no effect without --server-name: every host name is served.',
    ],
  ])('%p without --server-name: a warning, and no virtual hosts', (raw, warning) => {
    const config = run(raw);
    expect(config.warnings).toContain(warning);
    expect(https(config).virtualHosts).toEqual([]);
  });
});

describe('--http2', () => {
  it('loads mod_http2 and offers h2 and h2c', () => {
    const config = run({ http2: true });
    expect(https(config).protocols).toBe('h2 h2c http/1.1');
    expect(moduleIds(config)).toContain('http2_module');
    expect(httpdConf(config)).toMatch(/^Protocols h2 h2c http\/1\.1$/m);
    expect(config.warnings).toEqual([]);
  });

  it('with the prefork MPM it is refused: HTTP/2 would stay off', () => {
    expect(refusal({ http2: true, 'server-mpm': 'prefork' })).toBe(
      '--http2 needs the event or worker MPM (mod_http2 does not work with prefork), but --server-mpm prefork picks prefork; give --server-mpm worker or --server-mpm event, or leave out --http2.',
    );
  });
});

describe('mod_wsgi 4.9.4 (Debian)', () => {
  it('every https option works with it: none needs a newer mod_wsgi', () => {
    const config = run({
      ...CERT,
      'ssl-certificate-chain-file': 'ca.crt',
      'ssl-ca-certificate-file': 'ca.crt',
      'ssl-verify-client': '/admin',
      'ssl-environment': true,
      'https-only': true,
      'hsts-policy': 'max-age=60',
      'server-name': 'www.example.com',
      'server-alias': 'alt.example.com',
      'allow-localhost': true,
      http2: true,
    });
    expect(config.modWsgiVersion).toBe('4.9.4');
    expect(https(config).virtualHosts).toHaveLength(6);
  });
});
