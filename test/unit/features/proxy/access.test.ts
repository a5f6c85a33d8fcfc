/** Trusted proxies, access scripts and authentication. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { dir, run, proxy, refusal, httpdConf, moduleIds, summary } from './setup.js';

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
