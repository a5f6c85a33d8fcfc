/** Feature 'compat' has no options of its own: it follows the others (resolve.ts). */
export const OPTIONS = [] as const;
