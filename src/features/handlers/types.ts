/** What feature 'handlers' adds to ServerConfig (its part of `features`), printed by templates/features/handlers.hbs. */
import type { FeatureResult } from '../types.js';

export interface HandlersConfig extends FeatureResult {
  /** --add-handler: [lower-case .extension, absolute script] pairs, listed in resource.wsgi. */
  readonly addHandlers: readonly (readonly [string, string])[];
  /** <FilesMatch> pattern sending those files to the wsgi-resource handler. */
  readonly addHandlerPattern?: string;
  readonly resourceScript: string;
  /** Whether resource.wsgi restarts the process when a handler script changes. */
  readonly handlerReloading: boolean;
  readonly cgi?: { readonly module: 'cgid' | 'cgi'; readonly socket?: string };
  readonly errorDocuments: readonly (readonly [string, string])[];
  readonly errorOverride: boolean;
  /** The rules file included in the document root: --rewrite-rules, else <root>/rewrite.conf. */
  readonly rewriteRules: string;
  /** The AllowOverride value of the document root and directory aliases. */
  readonly allowOverride: string;
  /** .htaccess files are read, so they must not be served. */
  readonly protectAccessFiles: boolean;
  readonly enableSendfile: boolean;
  /** WSGIMapHEADToGET, only when not mod_wsgi's default (Auto). */
  readonly mapHeadToGet?: 'Off' | 'On';
  readonly ignoreActivity: readonly string[];
  readonly serverStatus: boolean;
  /**
   * Require expressions for /server-status, one per trusted header that names the client: mod_wsgi
   * believes these from a trusted proxy, so "local" must hold for the client the proxy reports too.
   */
  readonly statusClientChecks: readonly string[];
  /**
   * LogLevel gets wsgi:info: mod_wsgi says only at info that a daemon died and with what status,
   * which the launcher reports for an import that killed its process (a few lines per daemon start).
   */
  readonly wsgiInfo: boolean;
  readonly serverMetrics: boolean;
  readonly extendedStatus: boolean;
  /** TypesConfig: --mime-types, else the first of the system's mime.types files (lifted to ServerConfig). */
  readonly mimeTypes: string | undefined;
}
