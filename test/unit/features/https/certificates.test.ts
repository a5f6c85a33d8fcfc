/** The certificate, key, chain and CA files, read and checked. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { WEIRD, dir, run, refusal, https, httpdConf, CERT } from './setup.js';

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
