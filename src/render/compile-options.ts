/**
 * How every template is compiled: strict (a missing field is an error, not an empty string),
 * without HTML escaping (the helpers quote), and with the helpers declared known, so that the
 * compiler calls them directly. The same options whether a template is compiled on first use
 * (from source) or precompiled by the build: scripts/bundle.mjs imports this module.
 */
import type Handlebars from 'handlebars';

import { HELPERS } from './helpers.js';

export const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  preventIndent: true,
  knownHelpers: Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])),
} satisfies CompileOptions;

type CompileOptions = NonNullable<Parameters<typeof Handlebars.precompile>[1]>;
