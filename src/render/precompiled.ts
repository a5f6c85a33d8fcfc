/**
 * Precompiled templates, by name (`httpd.conf`, `features/daemon`, ...): none when running from
 * source, where templates.ts compiles templates/*.hbs on first use. The bundles (scripts/bundle.mjs)
 * put in place of this module one exporting every template precompiled with COMPILE_OPTIONS, so a
 * command never loads the handlebars compiler or reads a template.
 */
import type Handlebars from 'handlebars';

export type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

export const PRECOMPILED: Readonly<Record<string, TemplateSpecification>> | undefined = undefined;
