/**
 * What every feature's resolver returns besides its own fields: the core resolver merges these
 * (Apache modules, paths the app must not take, summary lines, files, directories, warnings).
 * A leaf: each feature's types.ts extends FeatureResult, and src/config.ts re-exports it.
 */

export interface ExtraFile {
  /** Absolute path, normally in the server root. */
  readonly path: string;
  /** Name of a template in templates/ (without .hbs), rendered with the whole ServerConfig. */
  readonly template: string;
  readonly mode: number;
}

export interface ExtraDirectory {
  /** Absolute path; its parent exists (the resolver checked). Created when missing, never emptied. */
  readonly path: string;
  readonly mode: number;
  /** Started as root: a directory express-wsgi creates goes to the account the app runs as. */
  readonly owned?: boolean;
}

export interface FeatureResult {
  /** Apache modules to load, as in mod_NAME.so (e.g. 'ssl', 'proxy_http'). */
  readonly modules?: readonly string[];
  /** URL paths (prefixes) that must never be handed to the application, e.g. /server-status. */
  readonly appExclusions?: readonly string[];
  /** Lines for the printed summary. */
  readonly summary?: readonly (readonly [string, string])[];
  /** More generated files. */
  readonly files?: readonly ExtraFile[];
  /** Directories to create (e.g. a cache the application writes to). */
  readonly directories?: readonly ExtraDirectory[];
  readonly warnings?: readonly string[];
}
