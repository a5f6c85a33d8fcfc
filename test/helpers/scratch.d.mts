// Types of scratch.mjs (plain JavaScript so that bench/ can import it without a build).

/** A fresh 0755 directory under $TMPDIR; remove() deletes it and everything in it. */
export function scratchDir(prefix: string): { readonly path: string; remove(): void };
