/** The HTTPS port and what only HTTPS has: redirects, HSTS, the SSL environment, HTTP/2. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { EnvironmentError } from '../../../../src/errors.js';
import type { VirtualHost } from '../../../../src/features/https/types.js';
import { ALL_MODULES } from '../../helpers/fakes.js';
import { dir, run, refusal, https, httpdConf, summary, moduleIds, vhostBlocks, CERT } from './setup.js';

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
