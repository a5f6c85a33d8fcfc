/**
 * Property tests of src/quote.ts, the last line of defence against injection. Each quoting
 * function is checked for thousands of random strings against a model of the language it writes
 * for (Apache's ap_getword_conf, POSIX shell words, Python string literals), and for a sample of
 * them against the real reader: Apache itself, sh/dash/bash and python3. Also the second layer
 * of quoting in a piped log (src/resolve/rotation.ts), which Apache splits with apr_tokenize_to_argv. Seeded: a failure names
 * its seed; set QUOTE_PROPERTY_SEED to replay another one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { UsageError } from '../../src/errors.js';
import { rotatedLog } from '../../src/resolve/rotation.js';
import { apacheQuote, pythonLiteral, QuoteError, shellQuote } from '../../src/render/quote.js';
import {
  apacheLines,
  apacheWords,
  nastyArb,
  type Piece,
  PYTHON,
  tokenizeToArgv,
} from '../helpers/injection.js';

const SEED = Number(process.env.QUOTE_PROPERTY_SEED ?? 20261122);
const RUNS = 3000;
const SAMPLE = 300;
const APACHE = '/usr/sbin/apache2';

/** Text only (raw bytes have no place in a JS string): lone surrogates stay as they are. */
const asText = (pieces: readonly Piece[]) =>
  pieces.map((p) => (typeof p === 'string' ? p : String.fromCharCode(p.byte))).join('');

/** Any string: nasty pieces (quotes, escapes, line breaks, NUL, surrogates, ...) or plain random text. */
const anyString: fc.Arbitrary<string> = fc.oneof(
  nastyArb.map(asText),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);

/** No lone surrogates: what a UTF-8 file or pipe can carry to a real shell or Apache and back. */
const wellFormed = anyString.filter((s) => !/\p{Cs}/u.test(s));

const tmp = mkdtempSync(join(tmpdir(), 'ew-quote-props-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const params = (numRuns: number) => ({ seed: SEED, numRuns });

describe('apacheQuote', () => {
  const refused = (s: string) => /[\r\n\0]/.test(s) || s.includes('${');

  it('reads back as exactly the value, one word, under Apache unquoting; refuses only line breaks, NUL and ${', () => {
    fc.assert(
      fc.property(anyString, fc.constantFrom('Directive', '  Alias', '<Directory'), (s, directive) => {
        if (refused(s)) {
          expect(() => apacheQuote(s)).toThrow(QuoteError);
          return;
        }
        const q = apacheQuote(s);
        // Nothing Apache would expand or take as the end of the line survives quoting.
        expect(q.includes('${')).toBe(false);
        expect(/[\r\n\0]/.test(q)).toBe(false);
        // Next to another quoted value on a directive line: still two words, each the value given.
        const line = `${directive} ${q} ${apacheQuote('after')}`;
        expect(apacheLines(line)).toHaveLength(1);
        expect(apacheWords(apacheLines(line)[0] as string)).toEqual([directive.trim(), s, 'after']);
      }),
      params(RUNS),
    );
  });

  it('the model agrees with Apache itself for a sample (Define, read back with -D DUMP_RUN_CFG)', () => {
    if (!existsSync(APACHE)) {
      throw new Error(`${APACHE} is missing: this test needs Apache`);
    }
    const values = fc.sample(
      wellFormed.filter((s) => !refused(s)),
      { seed: SEED, numRuns: SAMPLE },
    );
    const conf = join(tmp, 'defines.conf');
    writeFileSync(
      conf,
      [
        'LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so',
        `ServerRoot ${apacheQuote(tmp)}`,
        'ServerName localhost',
        'ErrorLog /dev/stderr',
        ...values.map((v, i) => `Define D${i} ${apacheQuote(v)}`),
        '',
      ].join('\n'),
    );
    const r = spawnSync(APACHE, ['-f', conf, '-t', '-D', 'DUMP_RUN_CFG'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const read = new Map(
      r.stdout
        .split('\n')
        .map((line) => /^Define: (D\d+)(?:=(.*))?$/s.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1] as string, m[2] ?? '']),
    );
    // One Define a line (split at LF only: U+2028 or a vertical tab is no line break to Apache).
    const expected = new Map(values.map((v, i) => [`D${i}`, v]));
    expect(read).toEqual(expected);
  });
});

describe('shellQuote', () => {
  /**
   * A POSIX shell word made of '...' runs, backslash escapes and plain characters that are not
   * special to the shell; returns its value, or throws at anything else (an unquoted $, `, space, ...).
   */
  function shellWordModel(word: string): string {
    let out = '';
    let i = 0;
    if (word === '') {
      throw new Error('an empty word vanishes in the shell');
    }
    while (i < word.length) {
      const c = word[i] as string;
      if (c === "'") {
        const end = word.indexOf("'", i + 1);
        if (end < 0) {
          throw new Error(`unterminated quote in ${word}`);
        }
        out += word.slice(i + 1, end);
        i = end + 1;
      } else if (c === '\\' && i + 1 < word.length) {
        out += word[i + 1];
        i += 2;
      } else if (/[A-Za-z0-9_@%+=:,./-]/.test(c)) {
        out += c;
        i++;
      } else {
        throw new Error(`unquoted ${JSON.stringify(c)} in ${word}`);
      }
    }
    return out;
  }

  it('is one shell word whose value is the string; refuses only NUL', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        if (s.includes('\0')) {
          expect(() => shellQuote(s)).toThrow(QuoteError);
          return;
        }
        expect(shellWordModel(shellQuote(s))).toBe(s);
      }),
      params(RUNS),
    );
  });

  const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));
  it.each(shells)('%s reads a sample back unchanged, as one word each (printf and eval set --)', (shell) => {
    const values = fc.sample(
      wellFormed.filter((s) => !s.includes('\0')),
      { seed: SEED, numRuns: SAMPLE },
    );
    // In the script text itself: printf '%s\0' Q1 Q2 ...
    const printed = spawnSync(shell, ['-c', `printf '%s\\0' ${values.map((v) => shellQuote(v)).join(' ')}`]);
    expect(printed.status).toBe(0);
    expect(printed.stdout.toString('utf8').split('\0').slice(0, -1)).toEqual(values);
    // As text handed to eval: sh -c 'eval "set -- $1"; ...' _ QUOTED gives back one word, the value.
    const evalScript = 'eval "set -- $1"; [ "$#" = 1 ] || exit 9; printf %s "$1"';
    for (const v of values.slice(0, 60)) {
      const r = spawnSync(shell, ['-c', evalScript, '_', shellQuote(v)]);
      expect([v, r.status, r.stdout.toString('utf8')]).toEqual([v, 0, v]);
    }
  });
});

describe('pythonLiteral', () => {
  /**
   * Python's reading of a double-quoted string literal, for the escapes pythonLiteral may write;
   * throws at anything else (a raw control or non-ASCII character, an unknown escape, no closing quote).
   */
  function pythonStringModel(literal: string): string {
    expect(literal.startsWith('"') && literal.endsWith('"') && literal.length >= 2).toBe(true);
    const body = literal.slice(1, -1);
    const simple: Record<string, string> = {
      '"': '"',
      '\\': '\\',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i] as string;
      if (c === '"' || c < ' ' || c > '~') {
        throw new Error(`raw ${JSON.stringify(c)} in ${literal}`);
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = body[++i] as string;
      if (e in simple) {
        out += simple[e];
      } else if (e === 'u' && /^[0-9a-f]{4}$/i.test(body.slice(i + 1, i + 5))) {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (e === 'U' && /^[0-9a-f]{8}$/i.test(body.slice(i + 1, i + 9))) {
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
      } else {
        throw new Error(`escape \\${e} in ${literal}`);
      }
    }
    return out;
  }

  it('is a printable-ASCII Python string literal whose value is the string, lone surrogates included', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const literal = pythonLiteral(s);
        expect(literal).toMatch(/^[\x20-\x7e]*$/);
        expect(pythonStringModel(literal)).toBe(s);
      }),
      params(RUNS),
    );
  });

  it('lists keep their length and each item', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyString, fc.boolean(), fc.integer(), fc.constant(null))), (items) => {
        const literal = pythonLiteral(items);
        expect(literal.startsWith('[') && literal.endsWith(']')).toBe(true);
        expect(literal).toBe(`[${items.map((item) => pythonLiteral(item)).join(', ')}]`);
      }),
      params(RUNS),
    );
  });

  it('python3 reads a sample back unchanged (as a module, with warnings as errors)', () => {
    const values = fc.sample(anyString, { seed: SEED, numRuns: SAMPLE });
    const module = join(tmp, 'literals.py');
    writeFileSync(module, `VALUES = [\n${values.map((v) => `    ${pythonLiteral(v)},\n`).join('')}]\n`);
    // ensure_ascii: a lone surrogate comes back as \udXXX, which JSON.parse turns into the same one.
    const r = spawnSync(
      PYTHON,
      [
        '-W',
        'error',
        '-c',
        'import json, runpy, sys; print(json.dumps(runpy.run_path(sys.argv[1])["VALUES"]))',
        module,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(values);
  });
});

describe('rotatedLog (the rotatelogs pipe of --rotate-logs)', () => {
  it('splits into exactly the program, its options, the file and the pattern; refuses only backslashes', () => {
    const path = fc.tuple(anyString, anyString).map(([a, b]) => `/${a}/${b}`);
    fc.assert(
      fc.property(path, path, fc.integer({ min: 1, max: 2047 }), (executable, file, maxSize) => {
        const make = () => rotatedLog({ executable, maxSize }, file);
        if (/[\r\n\0]/.test(executable + file) || (executable + file).includes('${')) {
          return; // refused earlier, by the option parser
        }
        if ((executable + file).includes('\\')) {
          expect(make).toThrow(UsageError);
          return;
        }
        const target = make();
        // As Apache reads it: ErrorLog "TARGET" unquoted, then the command after "|" split into argv.
        const [, word] = apacheWords(`ErrorLog ${apacheQuote(target)}`);
        expect(word?.startsWith('|') && !word.startsWith('|$')).toBe(true);
        expect(tokenizeToArgv((word as string).slice(1))).toEqual([
          executable,
          '-f',
          '-L',
          file,
          `${file.replace(/%/g, '%%')}.%Y-%m-%d-%H_%M_%S`,
          `${maxSize}M`,
        ]);
      }),
      params(RUNS),
    );
  });
});
