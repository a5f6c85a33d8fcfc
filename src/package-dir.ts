/**
 * The directory express-wsgi is installed in (the one holding package.json, templates/, docs/).
 * This file must stay directly in src/: one level below the package, as the bundles dist/cli.js
 * and dist/docs.js are, so that `../` from import.meta.url is the package whether it runs from
 * source or bundled (scripts/bundle.mjs gives every module of a bundle the bundle's own URL).
 */
export const PACKAGE_DIR = new URL('../', import.meta.url);
