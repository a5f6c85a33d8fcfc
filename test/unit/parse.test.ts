import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../src/errors.js';
import { parseOptions } from '../../src/options/parse.js';

type Raw = Record<string, unknown>;

/** The message parseOptions throws for `raw`, after checking it is a usage error (exit status 2). */
function failure(raw: Raw): string {
  try {
    parseOptions(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`parseOptions accepted ${JSON.stringify(raw)}`);
}

describe('defaults', () => {
  const opts = parseOptions({});

  it.each([
    ['applicationType', 'script'],
    ['callableObject', 'application'],
    ['mountPoint', '/'],
    ['port', 8000],
    ['threads', undefined], // resolved later: 5, or 25 in embedded mode
    ['maximumRequests', 0],
    ['accessLogFormat', 'common'],
    ['logLevel', 'warn'],
    ['headerTimeout', 15],
    ['headerMaxTimeout', 30],
    ['headerMinRate', 500],
    ['bodyTimeout', 15],
    ['bodyMaxTimeout', 0],
    ['bodyMinRate', 500],
    ['requestTimeout', 60],
    ['socketTimeout', 60],
    ['queueTimeout', 45],
    ['keepAliveTimeout', 2],
    ['limitRequestBody', 10485760],
    ['readyTimeout', 30],
  ])('%s defaults to %p', (key, value) => {
    expect((opts as unknown as Record<string, unknown>)[key]).toBe(value);
  });

  it.each(['processes', 'maxClients', 'host', 'serverRoot', 'user', 'group', 'entryPoint', 'locale', 'app'])(
    '%s is left unset so that resolve() computes it',
    (key) => {
      expect(key in opts).toBe(true);
      expect((opts as unknown as Record<string, unknown>)[key]).toBeUndefined();
    },
  );

  it.each(['embeddedMode', 'accessLog', 'logToTerminal', 'compressResponses', 'chunkedRequest', 'setupOnly'])(
    'flag %s defaults to false',
    (key) => {
      expect((opts as unknown as Record<string, unknown>)[key]).toBe(false);
    },
  );

  it.each(['serverMpm', 'pythonPath', 'includeFile', 'passenv', 'urlAlias', 'setenv'])(
    'repeatable %s defaults to an empty list',
    (key) => {
      expect((opts as unknown as Record<string, unknown>)[key]).toEqual([]);
    },
  );
});

describe('whole numbers', () => {
  it.each([
    ['port', '8080', 'port', 8080],
    ['port', '1', 'port', 1],
    ['port', '65535', 'port', 65535],
    ['port', ' 8081 ', 'port', 8081],
    ['port', '007', 'port', 7],
    ['threads', '25', 'threads', 25],
    ['processes', '4', 'processes', 4],
    ['header-timeout', '0', 'headerTimeout', 0],
    ['limit-request-body', '2147483647', 'limitRequestBody', 2147483647],
    ['limit-request-body', '0', 'limitRequestBody', 0],
  ])('--%s %p gives %s = %p', (option, value, key, expected) => {
    expect((parseOptions({ [option]: value }) as unknown as Record<string, unknown>)[key]).toBe(expected);
  });

  it.each([
    ['port', '0', 'a whole number from 1 to 65535'],
    ['port', '65536', 'a whole number from 1 to 65535'],
    ['port', 'abc', 'a whole number from 1 to 65535'],
    ['port', '', 'a whole number from 1 to 65535'],
    ['port', '80.5', 'a whole number from 1 to 65535'],
    ['port', '8e3', 'a whole number from 1 to 65535'],
    ['port', '0x50', 'a whole number from 1 to 65535'],
    ['port', '-80', 'a whole number from 1 to 65535'],
    ['threads', '0', 'a whole number from 1 to 65533'],
    ['processes', '0', 'a whole number from 1 to 10000'],
    ['processes', 'many', 'a whole number from 1 to 10000'],
    ['max-clients', '0', 'a whole number from 1 to 200000'],
    ['header-timeout', '-1', 'a whole number from 0 to 2147483647'],
    ['socket-timeout', '0', 'a whole number from 1 to 2147483647'],
    ['limit-request-body', '2147483648', 'a whole number from 0 to 2147483647'],
  ])('--%s %p is refused, expecting %s', (option, value, expected) => {
    expect(failure({ [option]: value })).toBe(
      `--${option}: ${JSON.stringify(value)} is not valid; expected ${expected}.`,
    );
  });

  it('the last of a repeated number wins', () => {
    expect(parseOptions({ port: ['8001', '8002'] }).port).toBe(8002);
  });

  it('a repeated number is checked where it is used: a bad last value is refused', () => {
    expect(failure({ port: ['8001', 'x'] })).toContain('--port: "x"');
  });
});

describe('decimal numbers', () => {
  it.each([
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['12', 12],
    ['0.1', 0.1],
  ])('--ready-timeout %p gives %p', (value, expected) => {
    expect(parseOptions({ 'ready-timeout': value }).readyTimeout).toBe(expected);
  });

  it.each(['0.05', '0', 'abc', '1e2', '1.2.3', '-1', '.'])('--ready-timeout %p is refused', (value) => {
    expect(failure({ 'ready-timeout': value })).toBe(
      `--ready-timeout: ${JSON.stringify(value)} is not valid; expected a number from 0.1 to 2147483.`,
    );
  });
});

describe('repeatable lists', () => {
  it.each([
    ['python-path', 'a', 'pythonPath', ['a']],
    ['python-path', ['a', 'b c', 'a'], 'pythonPath', ['a', 'b c', 'a']],
    ['include-file', ['x.conf', 'y.conf'], 'includeFile', ['x.conf', 'y.conf']],
    ['passenv', ['HOME', 'PATH'], 'passenv', ['HOME', 'PATH']],
    ['server-mpm', ['prefork', 'event'], 'serverMpm', ['prefork', 'event']],
  ])('--%s %p gives %s = %p, in order', (option, value, key, expected) => {
    expect((parseOptions({ [option]: value }) as unknown as Record<string, unknown>)[key]).toEqual(expected);
  });

  it.each([
    ['server-mpm', ['event', 'apache'], 'apache', 'one of event, worker, prefork'],
    ['passenv', ['HOME', 'MY-VAR'], 'MY-VAR', 'an environment variable name'],
    ['passenv', ['1ST'], '1ST', 'an environment variable name'],
  ])('each item is checked: --%s %p refuses %p', (option, value, bad, expected) => {
    expect(failure({ [option]: value })).toBe(
      `--${option}: ${JSON.stringify(bad)} is not valid; expected ${expected}.`,
    );
  });
});

describe('pairs', () => {
  it.each([
    ['url-alias', ['/static', 'public'], 'urlAlias', [['/static', 'public']]],
    [
      'url-alias',
      ['/a', 'x', '/b', 'y y'],
      'urlAlias',
      [
        ['/a', 'x'],
        ['/b', 'y y'],
      ],
    ],
    ['setenv', ['MODE', 'a "quoted" value'], 'setenv', [['MODE', 'a "quoted" value']]],
    ['setenv', ['EMPTY', ''], 'setenv', [['EMPTY', '']]],
  ])('--%s %p gives %s = %p', (option, value, key, expected) => {
    expect((parseOptions({ [option]: value }) as unknown as Record<string, unknown>)[key]).toEqual(expected);
  });

  it.each([
    ['url-alias', ['/static'], '/static', 'two values: URL-PATH FILE-PATH'],
    ['url-alias', ['/a', 'x', '/b'], '/b', 'two values: URL-PATH FILE-PATH'],
    ['setenv', ['NAME'], 'NAME', 'two values: NAME VALUE'],
  ])('an odd count is refused: --%s %p', (option, value, bad, expected) => {
    expect(failure({ [option]: value })).toBe(
      `--${option}: ${JSON.stringify(bad)} is not valid; expected ${expected}.`,
    );
  });
});

describe('choices', () => {
  it.each(['script', 'module', 'paste', 'static'])('--application-type %s is accepted', (value) => {
    expect(parseOptions({ 'application-type': value }).applicationType).toBe(value);
  });

  it.each(['wsgi', 'Script', '', 'module '])('--application-type %p is refused', (value) => {
    expect(failure({ 'application-type': value })).toBe(
      `--application-type: ${JSON.stringify(value)} is not valid; expected one of script, module, paste, static.`,
    );
  });
});

describe('checked values', () => {
  it.each([
    ['callable-object', 'application'],
    ['callable-object', 'app'],
    ['callable-object', '_private2'],
    ['mount-point', '/'],
    ['mount-point', '/app'],
    ['mount-point', 'app'],
    ['mount-point', '/a.b/c-d_e~f@g/'],
    ['log-level', 'info'],
    ['log-level', 'trace8'],
    ['log-level', 'emerg'],
    ['log-level', 'warn rewrite:trace3'],
    ['log-level', 'info ssl:warn wsgi:debug'],
    ['host', '127.0.0.1'],
    ['host', '0.0.0.0'],
    ['host', 'localhost'],
    ['host', '::1'],
    ['host', '::'],
    ['host', '[::1]'],
    ['host', 'fe80::1'],
    ['user', 'www-data'],
    ['user', '#33'],
    ['group', 'nogroup'],
    ['locale', 'C.UTF-8'],
    ['locale', 'en_US.UTF-8@euro'],
    ['directory-index', 'index.html'],
    ['directory-index', 'my index.html'],
  ])('--%s %p is accepted unchanged', (option, value) => {
    const opts = parseOptions({ [option]: value }) as unknown as Record<string, unknown>;
    expect(opts[option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]).toBe(value);
  });

  it.each([
    ['callable-object', '1app', 'a Python identifier such as application'],
    ['callable-object', 'app.main', 'a Python identifier such as application'],
    ['callable-object', 'my-app', 'a Python identifier such as application'],
    ['callable-object', '', 'a Python identifier such as application'],
    ['mount-point', '/a b', 'a URL path such as /app'],
    ['mount-point', '/a?x=1', 'a URL path such as /app'],
    ['mount-point', '/a"b', 'a URL path such as /app'],
    ['mount-point', '/a%20b', 'a URL path such as /app'],
    ['log-level', 'loud', 'a level'],
    ['log-level', 'trace9', 'a level'],
    ['log-level', 'warn rewrite:', 'a level'],
    ['log-level', 'WARN', 'a level'],
    ['host', 'a b', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    // Apache resolves a name only at start-up, and fails there: names are refused up front.
    ['host', 'www.example.com', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['host', '-x', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['host', 'host/path', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['host', 'under_score', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['host', 'example.com.', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['host', '"localhost"', 'an IP address such as 127.0.0.1 or ::1, or localhost'],
    ['user', 'bad name', 'an account name or #number'],
    ['user', '#x', 'an account name or #number'],
    ['locale', 'en US', 'a locale name such as C.UTF-8'],
    ['directory-index', 'sub/index.html', 'a file name without a slash'],
  ])('--%s %p is refused, expecting %s', (option, value, expected) => {
    const message = failure({ [option]: value });
    expect(
      message.startsWith(`--${option}: ${JSON.stringify(value)} is not valid; expected ${expected}`),
    ).toBe(true);
  });
});

describe('text that would break out of a directive, a shell word or expand', () => {
  const valid = 'text without line breaks, NUL bytes or ${...}';

  it.each([
    ['setenv', ['NAME', 'line1\nline2'], 'line1\nline2'],
    ['setenv', ['NAME', 'cr\rhere'], 'cr\rhere'],
    ['setenv', ['NAME', 'nul\0byte'], 'nul\0byte'],
    ['setenv', ['NAME', 'home is ${HOME}'], 'home is ${HOME}'],
    ['access-log-format', '%h\n%r', '%h\n%r'],
    ['error-log-format', 'x${Y}', 'x${Y}'],
    ['python-path', ['/ok', '/bad\ndir'], '/bad\ndir'],
    ['include-file', '${APACHE_CONFDIR}/x.conf', '${APACHE_CONFDIR}/x.conf'],
    ['url-alias', ['/s', 'dir\0'], 'dir\0'],
    ['server-root', '/tmp/a\nb', '/tmp/a\nb'],
    ['entry-point', 'app\n.wsgi', 'app\n.wsgi'],
    ['callable-object', 'app\n', 'app\n'],
  ])('--%s %j is refused', (option, value, bad) => {
    expect(failure({ [option]: value })).toBe(
      `--${option}: ${JSON.stringify(bad)} is not valid; expected ${valid}.`,
    );
  });

  it('a plain $VAR without braces is allowed (Apache only expands ${VAR})', () => {
    expect(parseOptions({ setenv: ['PRICE', '$5 and $HOME'] }).setenv).toEqual([['PRICE', '$5 and $HOME']]);
  });

  it.each(['app\n.wsgi', 'a\0b', '${HOME}/app.wsgi'])(
    'the APP argument %j is refused as --entry-point',
    (app) => {
      expect(failure({ app })).toBe(
        `--entry-point: ${JSON.stringify(app)} is not valid; expected a path without line breaks, NUL bytes or \${...}.`,
      );
    },
  );

  it('a good APP argument is kept as given', () => {
    expect(parseOptions({ app: 'my app.wsgi' }).app).toBe('my app.wsgi');
  });
});

describe('aliases and flags', () => {
  it('--socket-path is another name for --socket-prefix', () => {
    expect(parseOptions({ 'socket-path': '/tmp/w' }).socketPrefix).toBe('/tmp/w');
  });

  it('given under both names, the last value wins', () => {
    // yargs files every value under the name and each alias alike.
    const both = ['/tmp/a', '/tmp/b'];
    expect(parseOptions({ 'socket-prefix': both, 'socket-path': both }).socketPrefix).toBe('/tmp/b');
  });

  it.each([
    [true, true],
    [[true, false], false],
    [[false, true], true],
  ])('flag value %p gives %p', (value, expected) => {
    expect(parseOptions({ 'access-log': value }).accessLog).toBe(expected);
  });
});
