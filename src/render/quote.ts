/**
 * Quoting for the three languages express-wsgi writes. Values are validated earlier; these are the
 * last line of defence and refuse what they cannot quote rather than emit something ambiguous.
 */

import { UsageError } from '../errors.js';

export class QuoteError extends UsageError {}

/** An Apache config argument in double quotes (ap_getword_conf unescapes \\ and \"). */
export function apacheQuote(value: string | number): string {
  const s = String(value);
  if (/[\0\r\n]/.test(s)) {
    throw new QuoteError(
      `cannot put a line break or NUL into the Apache configuration: ${JSON.stringify(s)}`,
    );
  }
  if (s.includes('${')) {
    throw new QuoteError(`Apache would expand \${...} in ${JSON.stringify(s)}`);
  }
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A POSIX shell word: single quotes, with embedded quotes as '\''. */
export function shellQuote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) {
    throw new QuoteError(`cannot put a NUL byte into a shell script: ${JSON.stringify(s)}`);
  }
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A Python literal. JSON string syntax is a subset of Python's; the rest is spelled out. */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new QuoteError(`not a finite number: ${value}`);
    }
    return String(value);
  }
  if (typeof value === 'string') {
    // Escape every non-ASCII character too, so the file is plain ASCII whatever the locale.
    // Astral characters become \UXXXXXXXX: as a surrogate pair Python would read two characters.
    return JSON.stringify(value).replace(/[\u{7f}-\u{10ffff}]/gu, (c) => {
      const code = c.codePointAt(0) as number;
      return code > 0xffff
        ? `\\U${code.toString(16).padStart(8, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    });
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonLiteral).join(', ')}]`;
  }
  throw new QuoteError(`no Python literal for ${typeof value}`);
}

/**
 * A file system path for directives that match wildcards (Include, <Directory>, <Files>): *, ?, [
 * and ~ (a lone ~ means "regex") are put in brackets, so the path only ever means itself.
 */
export function apachePath(path: string): string {
  if (!/[*?[~]/.test(path)) {
    return apacheQuote(path);
  }
  // Brackets make Apache read the path as a pattern, in which a backslash escapes: double it.
  return apacheQuote(path.replace(/[\\*?[~]/g, (c) => (c === '\\' ? '\\\\' : `[${c}]`)));
}
