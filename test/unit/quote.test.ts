import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { UsageError } from '../../src/errors.js';
import { apacheQuote, pythonLiteral, QuoteError, shellQuote } from '../../src/render/quote.js';
import { removeDir, tempDir } from './helpers/fakes.js';

const PYTHON = '/usr/bin/python3';
const APACHE = '/usr/sbin/apache2';

/** Strings that break naive quoting in at least one of the three languages. */
const NASTY: readonly string[] = [
  'plain',
  '',
  'two words',
  '  leading and trailing  ',
  "it's",
  "'",
  "''''",
  '"double"',
  'a\\b',
  'trailing\\',
  '\\"',
  '$HOME',
  '$(id)',
  '`id`',
  '${HOME}',
  'a;b&c|d>e<f',
  '*?[a]~',
  '#comment',
  '-n',
  '--',
  'line1\nline2',
  '\n',
  'tab\there',
  'cr\rlf',
  '!history',
  '%s %d %%',
  'ünïcödé €',
  'emoji 😀',
  '\u007f\u0001\u001b[31m',
];

describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['/usr/sbin/apache2', '/usr/sbin/apache2'],
    ['a=b,c:d@e%f+g', 'a=b,c:d@e%f+g'],
    ['8000', '8000'],
    ['', "''"],
    ['two words', "'two words'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('%j is written as %s', (value, expected) => {
    expect(shellQuote(value)).toBe(expected);
  });

  it('writes numbers as they are', () => {
    expect(shellQuote(8080)).toBe('8080');
  });

  it('refuses a NUL byte, which no shell word can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(QuoteError);
    expect(() => shellQuote('a\0b')).toThrow(UsageError);
  });

  const shells = ['sh', 'dash', 'bash'].filter((s) => existsSync(`/bin/${s}`));
  describe.each(shells)('round trip through %s', (shell) => {
    it.each(NASTY.map((s) => [s]))('printf %%s %j prints the value back unchanged', (value) => {
      const out = execFileSync(`/bin/${shell}`, ['-c', `printf %s ${shellQuote(value)}`], {
        encoding: 'utf8',
      });
      expect(out).toBe(value);
    });

    it('every value stays exactly one word when several are joined', () => {
      const script = `printf '%s\\0' ${NASTY.map((s) => shellQuote(s)).join(' ')}`;
      const out = execFileSync(`/bin/${shell}`, ['-c', script], { encoding: 'utf8' });
      expect(out.split('\0').slice(0, -1)).toEqual(NASTY);
    });
  });
});

describe('pythonLiteral', () => {
  it.each([
    [null, 'None'],
    [undefined, 'None'],
    [true, 'True'],
    [false, 'False'],
    [0, '0'],
    [42, '42'],
    [-1.5, '-1.5'],
    ['abc', '"abc"'],
    ['é', '"\\u00e9"'],
    [['a', 1, true, null], '["a", 1, True, None]'],
    [[], '[]'],
  ])('%j is written as %s', (value, expected) => {
    expect(pythonLiteral(value)).toBe(expected);
  });

  it.each([[NaN], [Infinity], [-Infinity]])('refuses the number %p, which has no Python literal', (value) => {
    expect(() => pythonLiteral(value)).toThrow(QuoteError);
  });

  it.each([[{ a: 1 }], [() => 1], [Symbol('s')], [10n]])(
    'refuses %p, which it has no literal for',
    (value) => {
      expect(() => pythonLiteral(value)).toThrow(QuoteError);
    },
  );

  it('writes plain ASCII whatever the value', () => {
    for (const value of NASTY) {
      expect(pythonLiteral(value)).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  /** Evaluates the literal as Python source and returns the value as UTF-8 JSON (strict: no lone surrogates). */
  function python(literal: string): { status: number | null; out: string; err: string } {
    const code = [
      'import json, sys',
      `value = ${literal}`,
      "sys.stdout.buffer.write(json.dumps(value, ensure_ascii=False).encode('utf-8'))",
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  }

  // Characters beyond the BMP have their own cases below.
  const bmp = NASTY.filter((s) => !/[\u{10000}-\u{10FFFF}]/u.test(s));
  const withPython = existsSync(PYTHON) ? describe : describe.skip;
  withPython('round trip through python3', () => {
    it.each(bmp.map((s) => [s]))('%j comes back unchanged', (value) => {
      const r = python(pythonLiteral(value));
      expect(r.err).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.out)).toBe(value);
    });

    it.each([
      ['a non-BMP character', '😀'],
      ['one between ASCII', 'a\u{1F40D}b'],
      ['a CJK extension B ideograph', '\u{20000}'],
    ])('%s comes back as one code point, not two surrogates', (_what, value) => {
      const r = python(pythonLiteral(value));
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toBe(value);
    });

    it('a list of every value comes back unchanged', () => {
      const r = python(pythonLiteral([...bmp, 3, true, null]));
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toEqual([...bmp, 3, true, null]);
    });

    it.each([[true], [false], [null], [7], [0.25]])('%p keeps its Python type', (value) => {
      const r = python(pythonLiteral(value));
      expect(JSON.parse(r.out)).toBe(value);
    });
  });
});

describe('apacheQuote', () => {
  it.each([
    ['plain', '"plain"'],
    ['', '""'],
    ['two words', '"two words"'],
    ['a "b" c', '"a \\"b\\" c"'],
    ['a\\b', '"a\\\\b"'],
    ['trailing\\', '"trailing\\\\"'],
    ['$HOME', '"$HOME"'],
    ['%{GLOBAL}', '"%{GLOBAL}"'],
    ["it's", '"it\'s"'],
  ])('%j is written as %s', (value, expected) => {
    expect(apacheQuote(value)).toBe(expected);
  });

  it('writes numbers in quotes too', () => {
    expect(apacheQuote(8000)).toBe('"8000"');
  });

  it.each([
    ['a line break', 'a\nb', 'line break or NUL'],
    ['a carriage return', 'a\rb', 'line break or NUL'],
    ['a NUL byte', 'a\0b', 'line break or NUL'],
    ['${VAR}, which Apache would expand', 'x${HOME}y', 'expand'],
  ])('refuses %s', (_what, value, message) => {
    expect(() => apacheQuote(value)).toThrow(QuoteError);
    expect(() => apacheQuote(value)).toThrow(message);
  });

  const withApache = existsSync(APACHE) ? describe : describe.skip;
  withApache('round trip through Apache (Define, read back with -D DUMP_RUN_CFG)', () => {
    const values = NASTY.filter((s) => !/[\r\n\0]/.test(s) && !s.includes('${')).filter(Boolean);
    let dir: string;
    let defines: Map<string, string>;

    beforeAll(() => {
      dir = tempDir('ew-quote-');
      const conf = join(dir, 'httpd.conf');
      writeFileSync(
        conf,
        [
          `LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so`,
          `ServerRoot ${apacheQuote(dir)}`,
          'ServerName localhost',
          'ErrorLog /dev/stderr',
          `PidFile ${apacheQuote(join(dir, 'p "id" \\ file'))}`,
          ...values.map((v, i) => `Define D${i} ${apacheQuote(v)}`),
          '',
        ].join('\n'),
      );
      const out = execFileSync(APACHE, ['-f', conf, '-t', '-D', 'DUMP_RUN_CFG'], { encoding: 'utf8' });
      defines = new Map(
        out
          .split('\n')
          .map((line) => /^Define: (D\d+)=(.*)$/.exec(line))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1] as string, m[2] as string]),
      );
      expect(out).toContain(`PidFile: "${join(dir, 'p "id" \\ file')}"`);
    });

    afterAll(() => removeDir(dir));

    it.each(values.map((v, i) => [v, i]))('%j is read back unchanged', (value, index) => {
      expect(defines.get(`D${index}`)).toBe(value);
    });
  });
});
