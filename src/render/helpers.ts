/**
 * The handlebars helpers every template may use. Each quotes for one language (templates are
 * compiled without HTML escaping), so a value reaches a file only through the quoting meant for it.
 */
import { apachePath, apacheQuote, pythonLiteral, shellQuote } from './quote.js';

/**
 * A number as Apache and mod_wsgi read it: plain digits, never String()'s exponent form (1e+21 is
 * read as 1 by atoi). The schema's ranges keep every value inside where String() is plain already;
 * this makes it so for computed values too.
 */
export function digits(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`not a finite number: ${value}`);
  }
  return Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(6).replace(/\.?0+$/, '');
}
const plain = (value: string | number) => (typeof value === 'number' ? digits(value) : value);

export const HELPERS = {
  q: (value: string | number) => apacheQuote(plain(value)),
  qpath: (value: string) => apachePath(value),
  // mod_wsgi reads options as name=VALUE with only the value in Apache quoting.
  opt: (key: string, value: string | number) => `${key}=${apacheQuote(plain(value))}`,
  sh: (value: string | number) => shellQuote(plain(value)),
  py: (value: unknown) => pythonLiteral(value),
  join: (items: string[], sep: string) => items.join(sep),
  eq: (a: unknown, b: unknown) => a === b,
  /** A regex matching a URL path prefix and everything under it: /server-status → ^/server-status(/|$). */
  prefixPattern: (path: string) => `^${path.replace(/[.*+?^$()[\]{}|\\]/g, '\\$&')}(/|$)`,
} as const;
