/**
 * The proxy feature: proxy mount points and virtual hosts, --proxy-timeout, trusted proxies and
 * their headers, and the host access and authentication scripts. Every option runs through
 * parse → resolve → render; refused values are checked with their message.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import type { Discovery } from '../../../src/discovery/discovery.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import type { ProxyResult } from '../../../src/features/proxy/types.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import { chmodSync, mkdirSync, writeFileSync, removeDir, tempDir } from '../helpers/fake-fs.js';
import { ALL_MODULES, fakeAccounts, fakeContext, fakeDiscovery, options } from '../helpers/fakes.js';

type Raw = Record<string, unknown>;

const EXTRA_MODULES = [
  'mod_proxy.so',
  'mod_proxy_http.so',
  'mod_headers.so',
  'mod_ssl.so',
  'mod_authn_core.so',
  'mod_authz_user.so',
  'mod_auth_basic.so',
  'mod_auth_digest.so',
];

let dir: string;
let accounts: Accounts;

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

function discovery(modules: readonly string[] = [...ALL_MODULES, ...EXTRA_MODULES]): Discovery {
  return fakeDiscovery({ modules });
}

function run(raw: Raw = {}, changes: { uid?: number; modules?: readonly string[] } = {}): ServerConfig {
  const ctx = fakeContext(accounts, dir, changes.uid !== undefined ? { uid: changes.uid, gid: 0 } : {});
  return resolve(options({ app: 'app.wsgi', ...raw }), discovery(changes.modules), ctx);
}

const proxy = (config: ServerConfig) => config.features.proxy as ProxyResult;

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

const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);
const summary = (config: ServerConfig) => summaryLines(config, false);

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

describe('--trust-proxy and --trust-proxy-header', () => {
  it.each(['127.0.0.1', '10.0.0.0/8', '192.168.1.0/24', '::1', 'fd00::/8', '2001:db8::1/128', '0.0.0.0/0'])(
    '--trust-proxy %s is accepted',
    (value) => {
      const config = run({ 'trust-proxy': [value], 'trust-proxy-header': ['X-Forwarded-For'] });
      expect(proxy(config).trustedProxies).toEqual([value]);
      expect(httpdConf(config)).toContain(`WSGITrustedProxies "${value}"\n`);
    },
  );

  it.each([
    '300.1.1.1',
    '10.0.0.0/33',
    '::1/129',
    'localhost',
    '10.0.0.1 10.0.0.2',
    '1.2.3.4/',
    '1.2.3.4/8/8',
    '',
  ])('--trust-proxy %j is refused', (value) => {
    expect(refusal({ 'trust-proxy': [value] })).toBe(
      `--trust-proxy: ${JSON.stringify(value)} is not valid; expected an IP address or network, such as 127.0.0.1, 10.0.0.0/8 or fd00::/8.`,
    );
  });

  it('both together print both directives, with no warning', () => {
    const config = run({
      'trust-proxy': ['127.0.0.1', '10.0.0.0/8', '127.0.0.1'],
      'trust-proxy-header': ['X-Forwarded-For', 'X-Forwarded-Proto', 'x-forwarded-for'],
    });
    const conf = httpdConf(config);
    expect(conf).toContain('WSGITrustedProxyHeaders "X-Forwarded-For" "X-Forwarded-Proto"\n');
    expect(conf).toContain('WSGITrustedProxies "127.0.0.1" "10.0.0.0/8"\n');
    expect(config.warnings).toEqual([]);
    expect(summary(config)).toContainEqual([
      'Trusted Headers',
      'X-Forwarded-For X-Forwarded-Proto from 127.0.0.1 10.0.0.0/8',
    ]);
  });

  it('headers without --trust-proxy are believed from anyone: a warning says so', () => {
    const config = run({ 'trust-proxy-header': ['X-Forwarded-For'] });
    expect(httpdConf(config)).toContain('WSGITrustedProxyHeaders "X-Forwarded-For"\n');
    expect(httpdConf(config)).not.toContain('WSGITrustedProxies');
    expect(config.warnings.join('\n')).toContain('believes these headers from any client');
  });

  it('--trust-proxy alone does nothing: a warning says so', () => {
    const config = run({ 'trust-proxy': ['127.0.0.1'] });
    expect(config.warnings).toContain('--trust-proxy has no effect without --trust-proxy-header.');
  });

  it('a header mod_wsgi does not act on is accepted with a warning', () => {
    const config = run({ 'trust-proxy': ['127.0.0.1'], 'trust-proxy-header': ['X-Custom-Thing'] });
    expect(httpdConf(config)).toContain('WSGITrustedProxyHeaders "X-Custom-Thing"');
    expect(config.warnings.join('\n')).toContain('mod_wsgi does not act on X-Custom-Thing');
  });

  it.each(['X Forwarded', 'X-A:b', '', 'X-"q"', 'ü'])('--trust-proxy-header %j is refused', (value) => {
    expect(refusal({ 'trust-proxy-header': [value] })).toBe(
      `--trust-proxy-header: ${JSON.stringify(value)} is not valid; expected an HTTP header name such as X-Forwarded-For.`,
    );
  });
});

describe('--host-access-script', () => {
  it('puts WSGIAccessScript with the absolute path on the whole site', () => {
    const config = run({ 'host-access-script': 'scripts/access.py' });
    const path = join(dir, 'scripts/access.py');
    expect(proxy(config).hostAccessScript).toBe(path);
    expect(httpdConf(config)).toContain(`<Location "/">\n  WSGIAccessScript "${path}"\n</Location>`);
    expect(summary(config)).toContainEqual(['Host Access Script', path]);
    // No login is asked for.
    expect(httpdConf(config)).not.toContain('AuthType');
  });

  it.each([
    ['scripts/missing.py', 'an existing Python script (no such file)'],
    ['scripts', 'a Python script file (it is a directory or special file)'],
  ])('%j is refused', (value, expected) => {
    expect(refusal({ 'host-access-script': value })).toBe(
      `--host-access-script: ${JSON.stringify(value)} is not valid; expected ${expected}.`,
    );
  });
});

describe('--auth-user-script, --auth-type, --auth-group-script, --auth-group', () => {
  it('Basic by default: a login for the whole site, realm host:port', () => {
    const config = run({ 'auth-user-script': 'scripts/auth.py' });
    const path = join(dir, 'scripts/auth.py');
    expect(proxy(config).auth).toEqual({
      type: 'Basic',
      realm: 'localhost:8000',
      userScript: path,
      groupScript: null,
      group: 'wsgi',
    });
    expect(moduleIds(config)).toEqual(
      expect.arrayContaining(['authn_core_module', 'authz_user_module', 'auth_basic_module']),
    );
    expect(moduleIds(config)).not.toContain('auth_digest_module');
    const conf = httpdConf(config);
    expect(conf).toContain(
      [
        '<Location "/">',
        '  AuthType "Basic"',
        '  AuthName "localhost:8000"',
        '  AuthBasicProvider wsgi',
        `  WSGIAuthUserScript "${path}"`,
        '  AuthMerging And',
        '  <RequireAll>',
        '    Require valid-user',
        '  </RequireAll>',
        '</Location>',
      ].join('\n'),
    );
    expect(conf).not.toContain('wsgi-group');
    expect(summary(config)).toContainEqual(['Auth User Script', `${path} (Basic, realm "localhost:8000")`]);
  });

  it.each([
    ['Digest', 'Digest'],
    ['digest', 'Digest'],
    ['BASIC', 'Basic'],
  ])('--auth-type %s is spelled %s for Apache', (value, spelled) => {
    const config = run({ 'auth-user-script': 'scripts/auth.py', 'auth-type': value });
    expect(proxy(config).auth?.type).toBe(spelled);
    expect(httpdConf(config)).toContain(`  AuthType "${spelled}"\n`);
    expect(httpdConf(config)).toContain(`  Auth${spelled}Provider wsgi\n`);
    expect(moduleIds(config)).toContain(spelled === 'Digest' ? 'auth_digest_module' : 'auth_basic_module');
  });

  it.each(['NTLM', 'Form', ''])('--auth-type %j is refused', (value) => {
    expect(refusal({ 'auth-user-script': 'scripts/auth.py', 'auth-type': value })).toBe(
      `--auth-type: ${JSON.stringify(value)} is not valid; expected Basic or Digest.`,
    );
  });

  it('--auth-type without --auth-user-script is a warning', () => {
    const config = run({ 'auth-type': 'Digest' });
    expect(config.warnings).toContain('--auth-type has no effect without --auth-user-script.');
    expect(httpdConf(config)).not.toContain('AuthType');
  });

  it('--auth-group-script requires a wsgi-group, by default "wsgi", inside RequireAll', () => {
    const config = run({ 'auth-user-script': 'scripts/auth.py', 'auth-group-script': 'scripts/groups.py' });
    const conf = httpdConf(config);
    expect(conf).toContain(`  WSGIAuthGroupScript "${join(dir, 'scripts/groups.py')}"\n`);
    expect(conf).toContain(
      '  <RequireAll>\n    Require valid-user\n    Require wsgi-group "wsgi"\n  </RequireAll>',
    );
  });

  it('--auth-group names the group', () => {
    const config = run({
      'auth-user-script': 'scripts/auth.py',
      'auth-group-script': 'scripts/groups.py',
      'auth-group': 'staff',
    });
    expect(httpdConf(config)).toContain('    Require wsgi-group "staff"\n');
    expect(summary(config)).toContainEqual([
      'Auth Group Script',
      `${join(dir, 'scripts/groups.py')} (group "staff")`,
    ]);
  });

  it('--auth-group-script without --auth-user-script is refused (no one would be asked to log in)', () => {
    expect(refusal({ 'auth-group-script': 'scripts/groups.py' })).toBe(
      '--auth-group-script needs --auth-user-script: groups are checked for a user who has logged in.',
    );
  });

  it('--auth-group without --auth-group-script is refused (the group would not be checked)', () => {
    expect(refusal({ 'auth-user-script': 'scripts/auth.py', 'auth-group': 'staff' })).toBe(
      '--auth-group "staff" needs --auth-group-script to say who is in the group.',
    );
  });

  it.each(['two words', ''])('--auth-group %j is refused', (value) => {
    expect(refusal({ 'auth-group': value })).toBe(
      `--auth-group: ${JSON.stringify(value)} is not valid; expected a group name without spaces.`,
    );
  });

  it.each([
    ['auth-user-script', {}],
    ['auth-group-script', { 'auth-user-script': 'scripts/auth.py' }],
  ])('--%s must name an existing file', (option, extra) => {
    expect(refusal({ ...extra, [option]: 'nope.py' })).toBe(
      `--${option}: "nope.py" is not valid; expected an existing Python script (no such file).`,
    );
  });

  it('started as root, a script the Apache account cannot read is warned about', () => {
    const config = run({ 'auth-user-script': 'scripts/private.py' }, { uid: 0 });
    expect(config.warnings.join('\n')).toContain(
      `--auth-user-script: ${join(dir, 'scripts/private.py')} (or a directory above it) may not be readable by www-data`,
    );
    const readable = run({ 'host-access-script': 'scripts/access.py' }, { uid: 0 });
    expect(readable.warnings.join('\n')).not.toContain('--host-access-script');
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
