/**
 * The template set: templates/NAME.hbs by NAME (`httpd.conf`, `features/daemon`, ...), precompiled
 * in the bundle, else compiled from the file on first use. Every template under features/ (and
 * apachectl/, the parts of the generated apachectl) is also a partial of the same name without the
 * folder (`{{> daemon}}`), so a feature's partial is known by its file alone.
 */
import { readdirSync, readFileSync } from 'node:fs';

import Handlebars from 'handlebars';

import { PACKAGE_DIR } from '../package-dir.js';
import { COMPILE_OPTIONS } from './compile-options.js';
import { HELPERS } from './helpers.js';
import { PRECOMPILED } from './precompiled.js';

const TEMPLATES = new URL('templates/', PACKAGE_DIR);
const PARTIAL_FOLDERS = ['features/', 'apachectl/'];

/** One isolated Handlebars environment with the helpers and every partial registered. */
const hbs = Handlebars.create();
hbs.registerHelper(HELPERS);

function load(name: string): Handlebars.TemplateDelegate {
  const spec = PRECOMPILED?.[name];
  if (spec) {
    return hbs.template(spec);
  }
  return hbs.compile(readFileSync(new URL(`${name}.hbs`, TEMPLATES), 'utf8'), COMPILE_OPTIONS);
}

/** The names of the partials in `folder`: what the template set holds there. */
function partialNames(folder: string): string[] {
  if (PRECOMPILED) {
    return Object.keys(PRECOMPILED)
      .filter((name) => name.startsWith(folder))
      .map((name) => name.slice(folder.length));
  }
  return readdirSync(new URL(folder, TEMPLATES))
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => file.slice(0, -'.hbs'.length));
}

for (const folder of PARTIAL_FOLDERS) {
  for (const name of partialNames(folder)) {
    // A partial left as text would be compiled with the options of the template including it
    // (COMPILE_OPTIONS); a compiled one must use the same.
    hbs.registerPartial(name, load(`${folder}${name}`));
  }
}

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** The template NAME, compiled once. */
export function template(name: string): Handlebars.TemplateDelegate {
  let t = cache.get(name);
  if (!t) {
    t = load(name);
    cache.set(name, t);
  }
  return t;
}
