/**
 * ServerConfig → the text of every generated file, through handlebars templates in templates/.
 * One isolated Handlebars environment, strict (a missing field is an error, not an empty string)
 * and without HTML escaping: each template quotes for its own language with the helpers below.
 */
import { readFileSync } from 'node:fs';

import Handlebars from 'handlebars';

import { FEATURES } from './features/index.js';
import type { FeatureResult } from './config.js';
import { apachePath, apacheQuote, pythonLiteral, shellQuote } from './quote.js';
import type { ServerConfig } from './config.js';
import { COMPILE_OPTIONS, PRECOMPILED } from './templates.js';

const TEMPLATES = new URL('../templates/', import.meta.url);

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

const hbs = Handlebars.create();
hbs.registerHelper('q', (value: string | number) => apacheQuote(plain(value)));
hbs.registerHelper('qpath', (value: string) => apachePath(value));
// mod_wsgi reads options as name=VALUE with only the value in Apache quoting.
hbs.registerHelper('opt', (key: string, value: string | number) => `${key}=${apacheQuote(plain(value))}`);
hbs.registerHelper('sh', (value: string | number) => shellQuote(plain(value)));
hbs.registerHelper('py', (value: unknown) => pythonLiteral(value));
hbs.registerHelper('join', (items: string[], sep: string) => items.join(sep));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
/** A regex matching a URL path prefix and everything under it: /server-status → ^/server-status(/|$). */
hbs.registerHelper('prefixPattern', (path: string) => `^${path.replace(/[.*+?^$()[\]{}|\\]/g, '\\$&')}(/|$)`);

/** A template by name: precompiled in the bundle, else compiled from templates/NAME.hbs. */
function load(name: string): Handlebars.TemplateDelegate {
  const spec = PRECOMPILED?.[name];
  if (spec) {
    return hbs.template(spec);
  }
  return hbs.compile(readFileSync(new URL(`${name}.hbs`, TEMPLATES), 'utf8'), COMPILE_OPTIONS);
}

for (const name of Object.keys(FEATURES)) {
  // A partial left as text would be compiled with the options of the template including it
  // (COMPILE_OPTIONS); a compiled one must use the same.
  hbs.registerPartial(name, load(`features/${name}`));
}

const cache = new Map<string, Handlebars.TemplateDelegate>();
function template(name: string): Handlebars.TemplateDelegate {
  let t = cache.get(name);
  if (!t) {
    t = load(name);
    cache.set(name, t);
  }
  return t;
}

export interface RenderedFile {
  /** Absolute path in the server root. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  /** Written only when missing: the user's own edits survive a rerun. */
  readonly keepExisting?: boolean;
}

export function render(config: ServerConfig): RenderedFile[] {
  // The command line goes into a comment: a line break there would start a line of code.
  const shellCommand = config.argv
    .map(shellQuote)
    .join(' ')
    .replace(/[\r\n]/g, '\\n');
  const data = { ...config, shellCommand };
  const { paths } = config;
  const files: RenderedFile[] = [
    { path: paths.httpdConf, content: template('httpd.conf')(data), mode: 0o644 },
    { path: paths.apachectl, content: template('apachectl')(data), mode: 0o755 },
    {
      path: paths.envvars,
      content: '# Sourced by apachectl before Apache starts: export variables here. Kept across reruns.\n',
      mode: 0o644,
      keepExisting: true,
    },
    {
      path: paths.rewriteRules,
      content: '# mod_rewrite rules applied in the document root before the app. Kept across reruns.\n',
      mode: 0o644,
      keepExisting: true,
    },
  ];
  if (config.app) {
    files.push({ path: paths.handler, content: template('handler.wsgi')(data), mode: 0o644 });
    if (config.app.welcome) {
      files.push({ path: paths.welcome, content: template('welcome.wsgi')(data), mode: 0o644 });
    }
  }
  for (const result of Object.values(config.features) as FeatureResult[]) {
    for (const extra of result.files ?? []) {
      files.push({ path: extra.path, content: template(extra.template)(data), mode: extra.mode });
    }
  }
  return files;
}
