/** Sending URL paths and host names on to other servers. */

import { describe, expect, it } from '@jest/globals';

import { EnvironmentError } from '../../../../src/errors.js';
import { ALL_MODULES, options } from '../../helpers/fakes.js';
import { EXTRA_MODULES, run, proxy, refusal, httpdConf, moduleIds, summary } from './setup.js';

describe('defaults', () => {
  it('print nothing, load nothing and exclude nothing from the app', () => {
    const config = run();
    const conf = httpdConf(config);
    for (const word of ['Proxy', 'RequestHeader', 'WSGITrusted', 'WSGIAccessScript', 'Auth', 'VirtualHost']) {
      expect(conf).not.toContain(word);
    }
    expect(moduleIds(config)).not.toEqual(expect.arrayContaining(['proxy_module']));
    // mod_headers and mod_authn_core are loaded whatever the options (feature compat), as by mod_wsgi-express.
    expect(moduleIds(config).filter((id) => /proxy|auth_|authn_(?!core)|ssl/.test(id))).toEqual([]);
    expect(config.appExclusions).toEqual([]);
    expect(proxy(config)).toMatchObject({
      mounts: [],
      virtualHosts: [],
      proxying: false,
      trustedProxies: [],
      trustedProxyHeaders: [],
      hostAccessScript: null,
      auth: null,
    });
    expect(config.warnings).toEqual([]);
  });
});

describe('--proxy-mount-point', () => {
  it.each([
    ['/api', 'http://127.0.0.1:9000', '/api', 'http://127.0.0.1:9000/'],
    ['/api/', 'http://127.0.0.1:9000/', '/api', 'http://127.0.0.1:9000/'],
    ['/a/b.c', 'http://backend.internal/base', '/a/b.c', 'http://backend.internal/base/'],
    ['/v6', 'http://[::1]:8080/x/', '/v6', 'http://[::1]:8080/x/'],
    ['/tls', 'https://example.com', '/tls', 'https://example.com/'],
  ])('%s %s is proxied from %s/ to %s', (path, url, prefix, target) => {
    const config = run({ 'proxy-mount-point': [path, url] });
    expect(proxy(config).mounts).toEqual([
      {
        prefix,
        path: `${prefix}/`,
        url: target,
        reverseUrl: target,
        bareMatch: `^${prefix.replace('.', '\\.')}$`,
      },
    ]);
    expect(config.appExclusions).toEqual([prefix]);
    expect(moduleIds(config)).toEqual(
      expect.arrayContaining(['proxy_module', 'proxy_http_module', 'headers_module']),
    );
    const conf = httpdConf(config);
    expect(conf).toContain(`ProxyPass "${prefix}/" "${target}" upgrade=websocket\n`);
    expect(conf).toContain(`ProxyPassReverse "${prefix}/" "${target}"\n`);
    expect(conf).toContain(`RequestHeader set X-Forwarded-Prefix "${prefix}"`);
    expect(conf).toContain(`Redirect 302 "${prefix}/"`);
    // The application never gets the mount point or anything under it.
    const pattern = `^${prefix.replace('.', '\\.')}(/|$)`;
    const cond = conf
      .split('\n')
      .find(
        (l) => /^\s*RewriteCond %\{REQUEST_URI\} "?!/.test(l) && l.replace(/\\\\/g, '\\').includes(pattern),
      );
    expect(cond).toBeDefined();
    expect(conf).toContain('ProxyRequests Off');
  });

  it('a UNIX socket: ProxyPass gets the socket, ProxyPassReverse the HTTP URL', () => {
    const config = run({ 'proxy-mount-point': ['/sock', 'unix:/run/app.sock|http://localhost'] });
    expect(proxy(config).mounts[0]).toMatchObject({
      url: 'unix:/run/app.sock|http://localhost/',
      reverseUrl: 'http://localhost/',
    });
    expect(httpdConf(config)).toContain('ProxyPass "/sock/" "unix:/run/app.sock|http://localhost/"');
  });

  it('an https URL turns on the client side of mod_ssl', () => {
    const config = run({ 'proxy-mount-point': ['/tls', 'https://127.0.0.1:9443'] });
    expect(proxy(config).sslProxy).toBe(true);
    expect(moduleIds(config)).toContain('ssl_module');
    expect(httpdConf(config)).toContain('SSLProxyEngine On');
    const plain = run({ 'proxy-mount-point': ['/p', 'http://127.0.0.1:9000'] });
    expect(moduleIds(plain)).not.toContain('ssl_module');
    expect(httpdConf(plain)).not.toContain('SSLProxyEngine');
  });

  it('longer prefixes come first, so that ProxyPass picks the most specific one', () => {
    const config = run({
      'proxy-mount-point': ['/api', 'http://a:1', '/api/v2', 'http://b:2', '/zz', 'http://c:3'],
    });
    expect(proxy(config).mounts.map((m) => m.prefix)).toEqual(['/api/v2', '/api', '/zz']);
    const conf = httpdConf(config);
    expect(conf.indexOf('ProxyPass "/api/v2/"')).toBeLessThan(conf.indexOf('ProxyPass "/api/"'));
  });

  it('--proxy-url-alias is the same option', () => {
    const config = run({ 'proxy-url-alias': ['/old', 'http://127.0.0.1:9000'] });
    expect(proxy(config).mounts.map((m) => m.path)).toEqual(['/old/']);
  });

  it('the same path and URL twice count once; the same path with two URLs is refused', () => {
    const config = run({ 'proxy-mount-point': ['/a', 'http://h:1', '/a/', 'http://h:1/'] });
    expect(proxy(config).mounts).toHaveLength(1);
    expect(refusal({ 'proxy-mount-point': ['/a', 'http://h:1', '/a', 'http://h:2'] })).toBe(
      '--proxy-mount-point: "/a" is not valid; expected one URL per path (http://h:1/ and http://h:2/ given).',
    );
  });

  // yargs puts the values of --proxy-url-alias under both names; parsing must not double them.
  it('parsing takes values given under the option and its alias once (yargs fills in both names)', () => {
    const both = ['/a', 'http://h:1', '/b', 'http://h:2'];
    const opts = options({ 'proxy-mount-point': both, 'proxy-url-alias': both });
    expect(opts.proxyMountPoint).toEqual([
      ['/a', 'http://h:1'],
      ['/b', 'http://h:2'],
    ]);
  });

  it.each([
    ['/', 'a URL path other than /'],
    ['api', 'a URL path other than /'],
    ['/a b', 'a URL path other than /'],
    ['/a//b', 'a URL path other than /'],
    ['/a/../b', 'a URL path other than /'],
    ['/a/./b', 'a URL path other than /'],
    ['/a?x', 'a URL path other than /'],
  ])('the URL path %j is refused', (path, expected) => {
    const message = refusal({ 'proxy-mount-point': [path, 'http://127.0.0.1:9000'] });
    expect(message).toContain(
      `--proxy-mount-point: ${JSON.stringify(path)} is not valid; expected ${expected}`,
    );
  });

  it.each([
    'ftp://127.0.0.1/',
    'http://',
    '127.0.0.1:9000',
    'localhost',
    'http://user:secret@127.0.0.1/',
    'http://127.0.0.1/?q=1',
    'http://127.0.0.1/#top',
    'http://127.0.0.1/a b',
    'unix:relative.sock|http://localhost/',
    'unix:/run/app.sock|ftp://localhost/',
    'unix:/run/app.sock',
    'unix:/run/|http://localhost/',
  ])('the URL %j is refused', (url) => {
    const message = refusal({ 'proxy-mount-point': ['/api', url] });
    expect(message).toContain(
      `--proxy-mount-point: ${JSON.stringify(url)} is not valid; expected a URL: http://HOST[:PORT][/PATH], `,
    );
  });

  it('a missing mod_proxy is an environment error, not a broken configuration', () => {
    const modules = [...ALL_MODULES, ...EXTRA_MODULES].filter((m) => m !== 'mod_proxy_http.so');
    expect(() => run({ 'proxy-mount-point': ['/api', 'http://h:1'] }, { modules })).toThrow(EnvironmentError);
  });

  it('is listed in the summary', () => {
    const config = run({ 'proxy-mount-point': ['/api', 'http://h:1'] });
    expect(summary(config)).toContainEqual(['Proxy Mount Point', '/api/ -> http://h:1/']);
  });
});

describe('--proxy-virtual-host', () => {
  it('adds a name-based virtual host after one for the site itself, which stays the default', () => {
    const config = run({ 'proxy-virtual-host': ['api.example.com', 'http://127.0.0.1:9000'] });
    expect(proxy(config).virtualHosts).toEqual([
      { host: 'api.example.com', url: 'http://127.0.0.1:9000/', reverseUrl: 'http://127.0.0.1:9000/' },
    ]);
    expect(proxy(config).mainVirtualHost).toBe(true);
    // No mount point: nothing is taken from the application.
    expect(config.appExclusions).toEqual([]);
    const conf = httpdConf(config);
    const own = conf.indexOf(
      '<VirtualHost *:8000>\n  ServerName "localhost:8000"\n  RewriteOptions Inherit\n</VirtualHost>',
    );
    const api = conf.indexOf('<VirtualHost *:8000>\n  ServerName "api.example.com"');
    expect(own).toBeGreaterThan(-1);
    expect(api).toBeGreaterThan(own);
    expect(conf).toContain('  ProxyPass "/" "http://127.0.0.1:9000/" upgrade=websocket\n');
    expect(conf).toContain('  RequestHeader set X-Forwarded-Port "expr=%{SERVER_PORT}"');
    expect(summary(config)).toContainEqual([
      'Proxy Virtual Host',
      'api.example.com -> http://127.0.0.1:9000/',
    ]);
  });

  it('with --server-name the site already has its virtual hosts first: no second one is added', () => {
    const config = run({
      'server-name': 'www.example.com',
      'proxy-virtual-host': ['api.example.com', 'http://127.0.0.1:9000'],
    });
    expect(proxy(config).mainVirtualHost).toBe(false);
    const conf = httpdConf(config);
    expect(conf).not.toContain('ServerName "localhost:8000"\n  RewriteOptions Inherit\n</VirtualHost>');
    // The proxied name comes after the site's own virtual hosts, so it is never the default.
    const first = conf.indexOf('<VirtualHost *:8000>');
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(conf.indexOf('ServerName "api.example.com"'));
    expect(conf.slice(first, conf.indexOf('</VirtualHost>', first))).not.toContain('api.example.com');
  });

  it('several hosts, one of them https', () => {
    const config = run({
      'proxy-virtual-host': ['a.example.com', 'http://127.0.0.1:1', 'b.example.com', 'https://127.0.0.1:2/x'],
    });
    expect(proxy(config).virtualHosts.map((v) => v.url)).toEqual([
      'http://127.0.0.1:1/',
      'https://127.0.0.1:2/x/',
    ]);
    expect(httpdConf(config)).toContain('ServerName "b.example.com"\n  SSLProxyEngine On');
  });

  it.each(['bad_host', '-a.example.com', 'a..b', '*.example.com', 'host:80', 'a b'])(
    'the host name %j is refused',
    (host) => {
      expect(refusal({ 'proxy-virtual-host': [host, 'http://127.0.0.1:1'] })).toBe(
        `--proxy-virtual-host: ${JSON.stringify(host)} is not valid; expected a host name such as api.example.com as the first value.`,
      );
    },
  );

  it('a bad URL and one host name with two URLs are refused', () => {
    expect(refusal({ 'proxy-virtual-host': ['a.example.com', 'gopher://x/'] })).toContain(
      '--proxy-virtual-host: "gopher://x/" is not valid; expected a URL',
    );
    expect(
      refusal({ 'proxy-virtual-host': ['a.example.com', 'http://h:1', 'A.example.com', 'http://h:2'] }),
    ).toContain('expected one URL per host name');
  });
});

describe('--proxy-timeout', () => {
  it('sets ProxyTimeout when something is proxied', () => {
    const config = run({ 'proxy-mount-point': ['/api', 'http://h:1'], 'proxy-timeout': '300' });
    expect(proxy(config).proxyTimeout).toBe(300);
    expect(httpdConf(config)).toContain('ProxyTimeout "300"\n');
  });

  it('is left to Apache (the socket timeout) when not given', () => {
    const config = run({ 'proxy-mount-point': ['/api', 'http://h:1'] });
    expect(proxy(config).proxyTimeout).toBeNull();
    expect(httpdConf(config)).not.toContain('ProxyTimeout');
  });

  it('without anything proxied it is a warning, and nothing is printed', () => {
    const config = run({ 'proxy-timeout': '30' });
    expect(config.warnings).toContain(
      '--proxy-timeout has no effect without --proxy-mount-point or --proxy-virtual-host.',
    );
    expect(httpdConf(config)).not.toContain('ProxyTimeout');
  });

  it.each(['0', '-5', 'abc', '1.5'])('%j is refused', (value) => {
    expect(refusal({ 'proxy-timeout': value })).toBe(
      `--proxy-timeout: ${JSON.stringify(value)} is not valid; expected a whole number from 1 to 2147483647.`,
    );
  });
});

describe('mod_wsgi 4.9.4 (Debian)', () => {
  it('every option of this feature works with it: none needs a newer mod_wsgi', () => {
    const config = run({
      'proxy-mount-point': ['/api', 'http://h:1'],
      'proxy-virtual-host': ['a.example.com', 'http://h:2'],
      'proxy-timeout': '10',
      'trust-proxy': ['127.0.0.1'],
      'trust-proxy-header': ['X-Forwarded-For'],
      'host-access-script': 'scripts/access.py',
      'auth-user-script': 'scripts/auth.py',
      'auth-type': 'Digest',
      'auth-group-script': 'scripts/groups.py',
      'auth-group': 'staff',
    });
    expect(config.modWsgiVersion).toBe('4.9.4');
    expect(config.warnings).toEqual([]);
  });
});
