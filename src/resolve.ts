/**
 * Kept so that older import paths still work (test/unit/render.test.ts, and branches that moved
 * files before this layout): the resolver is src/resolve/, the types are src/config.ts.
 * New code imports those directly.
 */
export type { Context, CoreConfig, LoadedModule, Mode, ServerConfig, UrlAlias } from './config.js';
export { resolve } from './resolve/index.js';
