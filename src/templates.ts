/**
 * Precompiled templates, by name (`httpd.conf`, `features/daemon`, ...). None when running from
 * source: render.ts then compiles templates/*.hbs on first use. The bundle that ships as
 * dist/cli.js (scripts/bundle.mjs) replaces this module with every template precompiled, so a
 * command never loads the handlebars compiler.
 */
import type Handlebars from 'handlebars';

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

export const PRECOMPILED: Readonly<Record<string, TemplateSpecification>> | undefined = undefined;

/** The compile options every template uses; the bundle precompiles with the same. */
export const COMPILE_OPTIONS = { strict: true, noEscape: true, preventIndent: true } as const;
