/** Where option values come from: the command line, then EXPRESS_WSGI_* variables, then a --config file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { UsageError } from '../../src/errors.js';
import { blamingSources, envName, parseOptions } from '../../src/options/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'ew-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('environment variables', () => {
  it('names every option EXPRESS_WSGI_<NAME>', () => {
    expect(envName('log-to-terminal')).toBe('EXPRESS_WSGI_LOG_TO_TERMINAL');
  });

  it.each([
    ['EXPRESS_WSGI_PORT', '8080', 'port', 8080],
    ['EXPRESS_WSGI_ACCESS_LOG', 'yes', 'accessLog', true],
    ['EXPRESS_WSGI_ACCESS_LOG', 'off', 'accessLog', false],
    ['EXPRESS_WSGI_PYTHON_PATH', '/a /b', 'pythonPath', ['/a', '/b']],
    [
      'EXPRESS_WSGI_SETENV',
      'A 1 B 2',
      'setenv',
      [
        ['A', '1'],
        ['B', '2'],
      ],
    ],
    ['EXPRESS_WSGI_SOCKET_PREFIX', '/tmp/w', 'socketPrefix', '/tmp/w'],
  ])('%s=%s sets %s', (name, value, key, expected) => {
    const opts = parseOptions({}, { [name]: value }) as unknown as Record<string, unknown>;
    expect(opts[key]).toEqual(expected);
  });

  it('loses to the command line', () => {
    expect(parseOptions({ port: '9000' }, { EXPRESS_WSGI_PORT: '8080' }).port).toBe(9000);
  });

  it('is checked like the command line', () => {
    expect(() => parseOptions({}, { EXPRESS_WSGI_PORT: 'http' })).toThrow(
      'EXPRESS_WSGI_PORT (--port): "http" is not valid',
    );
    expect(() => parseOptions({}, { EXPRESS_WSGI_DIRECTORY_LISTING: 'maybe' })).toThrow(
      'EXPRESS_WSGI_DIRECTORY_LISTING: "maybe" is not valid',
    );
  });
});

describe('APP and --entry-point (issue 11, item 16)', () => {
  it('refuses APP with a different --entry-point', () => {
    expect(() => parseOptions({ app: 'a.wsgi', 'entry-point': 'b.wsgi' })).toThrow(
      'APP "a.wsgi" and --entry-point "b.wsgi" name different entry points; give one of them.',
    );
  });

  it('names EXPRESS_WSGI_ENTRY_POINT when the variable gave it', () => {
    expect(() => parseOptions({ app: 'a.wsgi' }, { EXPRESS_WSGI_ENTRY_POINT: 'b.wsgi' })).toThrow(
      'APP "a.wsgi" and EXPRESS_WSGI_ENTRY_POINT "b.wsgi"',
    );
  });

  it('accepts both when they name the same entry point', () => {
    expect(parseOptions({ app: './a.wsgi', 'entry-point': 'a.wsgi' }).entryPoint).toBe('a.wsgi');
  });
});

describe('--config', () => {
  it('reads option names with or without dashes, camelCase too, with typed values', () => {
    const path = configFile({
      port: 8123,
      'access-log': true,
      '--threads': '3',
      urlAlias: [['/s', '/srv/s']],
    });
    const opts = parseOptions({ config: path });
    expect([opts.port, opts.accessLog, opts.threads, opts.urlAlias]).toEqual([
      8123,
      true,
      3,
      [['/s', '/srv/s']],
    ]);
  });

  it('gives the entry point as "entry-point" and loses to the command line and the environment', () => {
    const path = configFile({ 'entry-point': 'app.wsgi', port: 8123, threads: 2 });
    const opts = parseOptions({ config: path, port: '9000' }, { EXPRESS_WSGI_THREADS: '4' });
    expect([opts.entryPoint, opts.port, opts.threads]).toEqual(['app.wsgi', 9000, 4]);
  });

  it("loses its entry point to the command line's APP", () => {
    const opts = parseOptions({ config: configFile({ 'entry-point': 'other.wsgi' }), app: 'app.wsgi' });
    expect([opts.entryPoint, opts.app]).toEqual([undefined, 'app.wsgi']);
  });

  // Issue 11, item 11: the file's flags follow the rules of EXPRESS_WSGI_* and the command line.
  it.each([
    [false, false],
    ['false', false],
    ['no', false],
    ['off', false],
    [0, false],
    ['0', false],
    [true, true],
    ['yes', true],
    [1, true],
    ['on', true],
  ])('reads the flag value %j as %j', (value, expected) => {
    const opts = parseOptions({
      config: configFile({ 'access-log': value, 'directory-listing': value, 'server-status': value }),
    });
    expect([opts.accessLog, opts.directoryListing, opts.serverStatus]).toEqual([
      expected,
      expected,
      expected,
    ]);
  });

  it.each([['maybe'], [2], [null], [['yes']]])(
    'refuses the flag value %j, naming key, file and what is valid',
    (value) => {
      const path = configFile({ 'access-log': value });
      expect(() => parseOptions({ config: path })).toThrow(
        `--config: ${JSON.stringify(path)} is not valid; expected true or false for "access-log" (or 1/0, true/false, yes/no or on/off); ${JSON.stringify(value)} is neither.`,
      );
    },
  );

  it('says a config file cannot name another one (issue 11, item 16)', () => {
    const path = configFile({ config: 'other.json' });
    let message = '';
    try {
      parseOptions({ config: path });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('a config file cannot name another one');
    expect(message).not.toContain('did you mean');
  });

  it('names the file and key for a bad value from it', () => {
    const path = configFile({ port: 'http' });
    expect(() => parseOptions({ config: path })).toThrow(
      `--config ${JSON.stringify(path)}, "port": "http" is not valid; expected a whole number`,
    );
  });

  it('can be named by EXPRESS_WSGI_CONFIG', () => {
    expect(parseOptions({}, { EXPRESS_WSGI_CONFIG: configFile({ port: 8124 }) }).port).toBe(8124);
  });

  it.each([
    ['an unknown option, with a suggestion', { prot: 1 }, '"prot" is not one (did you mean "port"?)'],
    ['a bad value', { port: 70000 }, '"port": "70000" is not valid'],
    ['not an object', [1, 2], 'a JSON object of option names to values'],
    ['not JSON', '{port: 1', 'a readable JSON file'],
  ])('refuses %s', (_what, content, message) => {
    const path = configFile(content);
    let error: unknown;
    try {
      parseOptions({ config: path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  it('refuses a file that does not exist, naming --config', () => {
    expect(() => parseOptions({ config: join(dir, 'missing.json') })).toThrow(
      /^--config: ".*missing\.json" is not valid/,
    );
  });
});

describe('complaints after parsing (resolve) name the source too', () => {
  const blamed = (raw: Record<string, unknown>, env: NodeJS.ProcessEnv, message: string) => {
    const opts = parseOptions(raw, env);
    let error: unknown;
    try {
      blamingSources(opts, () => {
        throw new UsageError(message);
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  };

  it('an EXPRESS_WSGI_* variable', () => {
    expect(blamed({}, { EXPRESS_WSGI_USER: 'root' }, '--user: "root" is not valid; expected x.')).toBe(
      'EXPRESS_WSGI_USER (--user): "root" is not valid; expected x.',
    );
  });

  it('a --config file', () => {
    const path = configFile({ group: 'root' });
    expect(blamed({ config: path }, {}, '--group: "root" is not valid; expected y.')).toBe(
      `--config ${JSON.stringify(path)}, "group": "root" is not valid; expected y.`,
    );
  });

  it('the command line, or a message about no single option, is left as it is', () => {
    expect(blamed({ user: 'root' }, { EXPRESS_WSGI_USER: 'nobody' }, '--user: "root" is bad.')).toBe(
      '--user: "root" is bad.',
    );
    expect(blamed({}, { EXPRESS_WSGI_USER: 'root' }, 'the server root is in use.')).toBe(
      'the server root is in use.',
    );
  });
});
