/** Name-based virtual hosts: --server-name, --server-alias, --allow-localhost. */

import { describe, expect, it } from '@jest/globals';

import { CATCH_ALL_NAME } from '../../../../src/features/https/resolve.js';
import { run, refusal, https, httpdConf, summary, vhostBlocks, CERT } from './setup.js';

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
