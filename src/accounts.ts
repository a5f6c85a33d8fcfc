/** Kept for older import paths (test/unit/render.test.ts): the types are in src/config.ts. */
export type { Account, Accounts } from './config.js';
