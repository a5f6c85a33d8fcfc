/**
 * Tools for the injection tests (test/integration/injection.test.ts, test/unit/quote-properties.test.ts):
 * models of how Apache splits a configuration into lines and words, random "nasty" values as
 * fast-check arbitraries (text pieces plus raw non-UTF-8 bytes), a way to run a command with
 * arbitrary bytes in its argv and environment, snapshots of a directory tree (to prove nothing was
 * written or created), and a Python check that compiles the generated scripts and reduces each to
 * its shape (the syntax tree with every constant blanked out).
 */
import { execFile } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Apache's configuration syntax, as httpd 2.4 reads it (server/util.c).

/** apr_isspace: the characters Apache skips between words. */
const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c);

/**
 * The lines Apache's ap_cfg_getline() hands to the parser: split at LF, leading and trailing
 * white space removed, and a line ending in a single backslash joined with the next one.
 */
export function apacheLines(conf: string): string[] {
  const raw = conf.split('\n');
  const out: string[] = [];
  let pending = '';
  for (let i = 0; i < raw.length; i++) {
    let line = (raw[i] as string).replace(/\r$/, '');
    // "[^\\]\\[\r]\n": a backslash (not itself escaped) right before the end of the line continues it.
    if (/[^\\]\\$/.test(line) && i < raw.length - 1) {
      pending += line.slice(0, -1);
      continue;
    }
    line = pending + line;
    pending = '';
    let start = 0;
    let end = line.length;
    while (start < end && isSpace(line[start])) {
      start++;
    }
    while (end > start && isSpace(line[end - 1])) {
      end--;
    }
    out.push(line.slice(start, end));
  }
  return out;
}

/**
 * ap_getword_conf(): the word at `i` (after white space) and where the next one starts. A word in
 * double or single quotes ends at the matching quote, with \\ and \<quote> unescaped inside;
 * any other word ends at white space, with \\ unescaped.
 */
function getwordConf(line: string, from: number): [string, number] {
  let i = from;
  while (isSpace(line[i])) {
    i++;
  }
  const unescape = (s: string, quote: string | undefined) => {
    let r = '';
    for (let k = 0; k < s.length; k++) {
      const next = s[k + 1];
      if (s[k] === '\\' && (next === '\\' || (quote !== undefined && next === quote))) {
        r += next;
        k++;
      } else {
        r += s[k];
      }
    }
    return r;
  };
  let word: string;
  let end: number;
  const quote = line[i];
  if (quote === '"' || quote === "'") {
    end = i + 1;
    while (end < line.length && line[end] !== quote) {
      end += line[end] === '\\' && (line[end + 1] === quote || line[end + 1] === '\\') ? 2 : 1;
    }
    word = unescape(line.slice(i + 1, end), quote);
    end = end < line.length ? end + 1 : end;
  } else {
    end = i;
    while (end < line.length && !isSpace(line[end])) {
      end++;
    }
    word = unescape(line.slice(i, end), undefined);
  }
  while (isSpace(line[end])) {
    end++;
  }
  return [word, end];
}

/** ap_getword_conf() applied until the line is used up: the words of one configuration line. */
export function apacheWords(line: string): string[] {
  const words: string[] = [];
  for (let i = 0; i < line.length;) {
    const [word, next] = getwordConf(line, i);
    words.push(word);
    i = next;
  }
  return words;
}

/**
 * mod_wsgi directives that read their own arguments: this many words with ap_getword_conf, then
 * options NAME=VALUE, the name up to "=" and the value one ap_getword_conf word (so it may be quoted).
 */
const MOD_WSGI_OPTIONS: Readonly<Record<string, number>> = {
  WSGIDaemonProcess: 1,
  WSGIHandlerScript: 2,
  WSGIImportScript: 1,
};

/** The words of a line as the directive reads them; an option mod_wsgi cannot parse becomes "?". */
export function directiveWords(line: string): string[] {
  const [name, rest] = getwordConf(line, 0);
  const positional = MOD_WSGI_OPTIONS[name];
  if (positional === undefined) {
    return apacheWords(line);
  }
  const words = [name];
  let i = rest;
  for (let k = 0; k < positional && i < line.length; k++) {
    const [word, next] = getwordConf(line, i);
    words.push(word);
    i = next;
  }
  // wsgi_parse_option(): NAME up to "=" (no white space), then ap_getword_conf for VALUE.
  while (i < line.length) {
    const m = /^[^=\t\n\v\f\r ]+=/.exec(line.slice(i));
    if (!m) {
      words.push('?');
      break;
    }
    const [value, next] = getwordConf(line, i + m[0].length);
    words.push(`${m[0]}${value}`);
    i = next;
  }
  return words;
}

/**
 * apr_tokenize_to_argv(), which splits a piped log command: words at spaces and tabs, a word that
 * starts with a double or single quote ends at the next one, a backslash escapes a space, tab,
 * quote or backslash, and every unescaped backslash is then dropped.
 */
export function tokenizeToArgv(command: string): string[] {
  const args: string[] = [];
  const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
  let i = 0;
  while (isBlank(command[i])) {
    i++;
  }
  while (i < command.length) {
    const quote = command[i] === '"' || command[i] === "'" ? (command[i] as string) : '';
    if (quote) {
      i++;
    }
    const start = i;
    for (; i < command.length; i++) {
      const c = command[i];
      if (c === '\\' && [' ', '\t', '"', "'", '\\'].includes(command[i + 1] as string)) {
        i++;
      } else if (quote ? c === quote : isBlank(c)) {
        break;
      }
    }
    let arg = '';
    let escaped = false;
    for (const c of command.slice(start, i)) {
      if (!escaped && c === '\\') {
        escaped = true;
      } else {
        escaped = false;
        arg += c;
      }
    }
    args.push(arg);
    i++;
    while (isBlank(command[i])) {
      i++;
    }
  }
  return args;
}

/**
 * Whether Apache takes a path as a wildcard that can match more than itself: apr_fnmatch_test()
 * sees *, ? or [...], once escapes (\\x) and one-character classes ([*], [[]) are set aside.
 */
const isPattern = (path: string) => /[*?]|\[.*\]/.test(path.replace(/\\./g, '').replace(/\[[^\]]\]/g, ''));

/**
 * Arguments Apache reads as more than text: a path that Include, <Directory>, <Location> or <Files>
 * would take as a wildcard pattern (or, for <Files ~>, a regex), an ErrorDocument with ap_expr
 * syntax (%{...}), a Header value with mod_headers format specifiers (%), a piped log command (how
 * many words its argv has, or whether a shell runs it). Returns what the line holds, or ''.
 */
function interpretation(words: readonly string[]): string {
  const [name = '', ...args] = words;
  if (name.startsWith('<') && args.length) {
    // A section's arguments end at its last ">".
    const last = args[args.length - 1] as string;
    args.splice(-1, 1, ...(last === '>' ? [] : [last.replace(/>$/, '')]));
  }
  const path = args[0] ?? '';
  switch (name) {
    case 'Include':
    case 'IncludeOptional':
    case '<Directory':
    case '<Location':
      return isPattern(path) ? ' (wildcard)' : '';
    case '<Files':
      return path === '~' ? ' (regex)' : isPattern(path) ? ' (wildcard)' : '';
    case 'ErrorDocument':
      return args.slice(1).some((a) => a.includes('%{')) ? ' (expression)' : '';
    case 'Header':
      return args.slice(2).some((a) => a.includes('%')) ? ' (format)' : '';
    case 'ErrorLog':
    case 'CustomLog':
      // "|$command" runs a shell; "|command" is split into argv by apr_tokenize_to_argv().
      return path.startsWith('|$')
        ? ' (shell pipe)'
        : path.startsWith('|')
          ? ` (pipe of ${tokenizeToArgv(path.slice(1)).length} words)`
          : '';
    default:
      return '';
  }
}

/**
 * What a configuration asks Apache to do, in outline: for each directive line (comments and blank
 * lines left out), its name, how many words it has, and whether an argument is read as a pattern,
 * expression or format. A value that added a directive or an argument to one, or that smuggled
 * syntax into a path or a text, changes this; a value that stayed plain text inside its quotes
 * does not.
 */
export function directiveOutline(conf: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of apacheLines(conf)) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const words = directiveWords(line);
    const key = `${words[0]}/${words.length}${interpretation(words)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The directive name of an outline key (`Alias/3` → `Alias`, `Include/2 (wildcard)` → `Include`). */
export const directiveOf = (key: string) => key.replace(/\/\d+( \(.*\))?$/, '');

/**
 * How two outlines differ, ignoring the directives in `mayChange`: lines such as "ServerAlias/2
 * 1 → 2" (count in `base` → count in `other`). Empty when they agree.
 */
export function outlineDifferences(
  base: ReadonlyMap<string, number>,
  other: ReadonlyMap<string, number>,
  mayChange: ReadonlySet<string> = new Set(),
): string[] {
  const keys = [...new Set([...base.keys(), ...other.keys()])].sort();
  return keys
    .filter((k) => !mayChange.has(directiveOf(k)) && (base.get(k) ?? 0) !== (other.get(k) ?? 0))
    .map((k) => `${k} ${base.get(k) ?? 0} → ${other.get(k) ?? 0}`);
}

// ---------------------------------------------------------------------------------------------
// Nasty values.

/** A piece of a random value: text (any UTF-16, lone surrogates included), or one raw byte. */
export type Piece = string | { readonly byte: number };

/** Stands for the case's marker file in a payload; replaced by its absolute path when the case runs. */
export const MARKER = '@MARKER@';

/** What ends a line, or what Apache expands everywhere: the options refuse these outright. */
const BREAKERS: readonly string[] = [
  '\n',
  '\r',
  '\r\n',
  '\0',
  '${',
  '${HOME}',
  '\nInclude /etc/passwd\n',
  '"\nLoadModule injected_module /nonexistent.so\n',
  '">\n</Directory>\n<Directory />\n',
  '\\"\nRequire all granted\n',
  '\\\nDefine INJECTED',
  '${INJECTED}',
  "'''\nimport os; os.system('touch " + MARKER + "')\n'''",
];

/** Things that end or escape a quoted word, start a command, or get expanded by some reader. */
const SPECIALS: readonly string[] = [
  '"',
  "'",
  '\\',
  '\\\\',
  '\\"',
  "\\'",
  '$',
  '`',
  '<',
  '>',
  '%{',
  '}',
  '{',
  '%{GLOBAL}',
  '%{ENV:HOME}',
  '%{REQUEST_URI}',
  '$HOME',
  '$(',
  ')',
  ' ',
  '\t',
  '\v',
  '\f',
  '#',
  ';',
  '&',
  '|',
  '*',
  '?',
  '[',
  ']',
  '~',
  '!',
  ':',
  '=',
  ',',
  '/',
  '.',
  '..',
  '-',
  '--',
  '%',
  '%s',
  '%h',
  '%>s',
  'é',
  '€',
  '😀',
  '\u007f',
  '\u001b',
  '\u0001',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udfff',
  '\ufeff',
];

/** Attempts at injection on one line, in each language express-wsgi writes; MARKER: the file they would create. */
const PAYLOADS: readonly string[] = [
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `';touch ${MARKER};'`,
  `";touch ${MARKER};"`,
  `\\';touch ${MARKER};#`,
  '" Require all granted "',
  `"); __import__('os').system('touch ${MARKER}') #`,
  `\\"); __import__('os').system('touch ${MARKER}') #`,
  `\\u0022); __import__('os').system('touch ${MARKER}') #`,
  ' -k stop',
  `|touch ${MARKER}`,
  `%{ENV:X}" "-D" "X`,
];

/** One piece of a nasty value. */
export const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  // Rare enough that most values get past the options' checks to the quoting.
  { weight: 1, arbitrary: fc.constantFrom(...BREAKERS) },
  { weight: 6, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 2, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,8}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((byte) => ({ byte })) },
);

/** A nasty value: 1 to 6 pieces. */
export const nastyArb: fc.Arbitrary<Piece[]> = fc.array(pieceArb, { minLength: 1, maxLength: 6 });

/** Replaces MARKER in every text piece. */
export function withMarker(pieces: readonly Piece[], marker: string): Piece[] {
  return pieces.map((p) => (typeof p === 'string' ? p.split(MARKER).join(marker) : p));
}

/** A value for messages: text pieces as JSON, raw bytes as <xx>. */
export function describePieces(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => (typeof p === 'string' ? JSON.stringify(p) : `<${p.byte.toString(16)}>`))
    .join(' + ');
}

/** Text as bytes, with a lone surrogate in the generalised UTF-8 that Linux file names can hold. */
function textBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const code = s.codePointAt(i) as number;
    if (code > 0xffff) {
      i++;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      out.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    }
  }
  return Buffer.from(out);
}

/** The bytes of a value, as they go into argv, the environment or a file name. */
export function piecesToBytes(pieces: readonly Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? textBytes(p) : Buffer.from([p.byte]))));
}

/** The value as a JSON string literal (bytes: raw bytes stay raw, so JSON.parse sees U+FFFD). */
export function piecesToJson(pieces: readonly Piece[]): Buffer {
  return Buffer.concat([
    Buffer.from('"'),
    ...pieces.map((p) =>
      typeof p === 'string' ? Buffer.from(JSON.stringify(p).slice(1, -1), 'utf8') : Buffer.from([p.byte]),
    ),
    Buffer.from('"'),
  ]);
}

export const hasNul = (pieces: readonly Piece[]) =>
  pieces.some((p) => typeof p === 'string' && p.includes('\0'));

// ---------------------------------------------------------------------------------------------
// Running a command with bytes that are not UTF-8.

/**
 * Node can only pass UTF-8 in argv and the environment; this execs the command from a small
 * Python shim that takes both as base64, so any bytes (but NUL) reach it unchanged.
 */
const EXEC_SHIM = [
  'import base64, json, os, sys',
  'spec = json.loads(sys.argv[1])',
  'args = [base64.b64decode(a) for a in spec["args"]]',
  'env = {base64.b64decode(k): base64.b64decode(v) for k, v in spec["env"]}',
  'os.execve(args[0], args, env)',
].join('\n');

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (argv[0] is its path) to completion in `cwd`, 60 s at most; never rejects. */
export function runBytes(
  argv: readonly Buffer[],
  env: readonly (readonly [Buffer, Buffer])[],
  cwd: string,
): Promise<Ran> {
  const spec = JSON.stringify({
    args: argv.map((a) => a.toString('base64')),
    env: env.map(([k, v]) => [k.toString('base64'), v.toString('base64')]),
  });
  return runText('/usr/bin/python3', ['-c', EXEC_SHIM, spec], cwd);
}

/** Runs a command to completion in `cwd` (60 s at most; its environment: this one's); never rejects. */
export function runText(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env, timeout: 60_000, encoding: 'utf8', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr: status === null && error ? `${stderr}${error.message}` : stderr });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Directory snapshots.

/** Every entry under `dir` (not following symbolic links): relative path → type, size, mode, mtime. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: Buffer, rel: string) => {
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const path = Buffer.concat([abs, Buffer.from('/'), name]);
      const relName = `${rel}${rel ? '/' : ''}${name.toString('utf8')}<${name.toString('hex')}>`;
      const st = lstatSync(path);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
      out.set(relName, `${type} ${st.isDirectory() ? '' : st.size} ${st.mode.toString(8)} ${st.mtimeMs}`);
      if (type === 'dir') {
        walk(path, relName);
      }
    }
  };
  walk(Buffer.from(dir), '');
  return out;
}

/** What changed between two snapshots: "+ new", "- gone", "~ changed" entries. */
export function snapshotChanges(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const changes: string[] = [];
  for (const [path, what] of after) {
    if (!before.has(path)) {
      changes.push(`+ ${path}`);
    } else if (before.get(path) !== what) {
      changes.push(`~ ${path}`);
    }
  }
  for (const path of before.keys()) {
    if (!after.has(path)) {
      changes.push(`- ${path}`);
    }
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Python scripts.

/**
 * For each file: py_compile.compile() (what `python3 -m py_compile` does; the .pyc goes to a temp
 * directory, not beside the script), then the shape of its syntax tree with every constant
 * replaced by "C". Prints {file: shape or "error: ..."} as JSON.
 */
const PY_CHECK = [
  'import ast, json, os, py_compile, sys, tempfile',
  'def shape(node):',
  '    if isinstance(node, ast.Constant):',
  '        return "C"',
  '    if isinstance(node, ast.AST):',
  '        return [type(node).__name__] + [shape(getattr(node, f, None)) for f in node._fields if f != "ctx"]',
  '    if isinstance(node, list):',
  '        return [shape(n) for n in node]',
  '    return node',
  'out = {}',
  'with tempfile.TemporaryDirectory() as tmp:',
  '    for i, f in enumerate(sys.argv[1:]):',
  '        try:',
  '            py_compile.compile(f, cfile=os.path.join(tmp, "%d.pyc" % i), doraise=True)',
  '            with open(f, "rb") as source:',
  '                out[f] = json.dumps(shape(ast.parse(source.read(), f)))',
  '        except Exception as e:',
  '            out[f] = "error: %s: %s" % (type(e).__name__, e)',
  'print(json.dumps(out))',
].join('\n');

export const PYTHON = '/usr/bin/python3';

/** Compiles each file with py_compile and returns its shape, or "error: ..." when it does not compile. */
export async function pythonShapes(files: readonly string[], cwd: string): Promise<Record<string, string>> {
  if (!files.length) {
    return {};
  }
  const r = await runText(PYTHON, ['-W', 'error', '-c', PY_CHECK, ...files], cwd);
  if (r.status !== 0) {
    throw new Error(`the Python check itself failed (status ${r.status}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** The Python scripts express-wsgi wrote into a server root: *.wsgi and *.py. */
export function pythonFilesIn(root: string): string[] {
  return readdirSync(root)
    .filter((n) => /\.(wsgi|py)$/.test(n))
    .sort()
    .map((n) => join(root, n));
}

// ---------------------------------------------------------------------------------------------

/** Starts every job, at most `limit` at a time; resolves with their results in order. */
export async function inPool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      results[k] = await (jobs[k] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
