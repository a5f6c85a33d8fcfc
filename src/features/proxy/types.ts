/** What feature 'proxy' adds to ServerConfig (its part of `features`), printed by templates/features/proxy.hbs. */
import type { FeatureResult } from '../types.js';

export interface ProxyMount {
  /** The URL path as the user gave it, without trailing slashes: /api. */
  readonly prefix: string;
  /** What ProxyPass matches: /api/. */
  readonly path: string;
  /** Where it goes, ending in a slash. */
  readonly url: string;
  /** The http(s) URL the proxied server uses in its Location headers, for ProxyPassReverse. */
  readonly reverseUrl: string;
  /** Regex for the bare prefix, which is redirected to path: ^/api$. */
  readonly bareMatch: string;
}

export interface ProxyVirtualHost {
  readonly host: string;
  readonly url: string;
  readonly reverseUrl: string;
}

export interface ProxyResult extends FeatureResult {
  readonly mounts: readonly ProxyMount[];
  readonly virtualHosts: readonly ProxyVirtualHost[];
  /** An empty virtual host for the application's own site, printed first so that it is the default. */
  readonly mainVirtualHost: boolean;
  /** Any proxying at all: ProxyRequests and ProxyTimeout are printed. */
  readonly proxying: boolean;
  readonly proxyTimeout: number | null;
  /** A proxied server speaks HTTPS: mod_ssl's client side must be on. */
  readonly sslProxy: boolean;
  readonly trustedProxies: readonly string[];
  readonly trustedProxyHeaders: readonly string[];
  readonly hostAccessScript: string | null;
  readonly auth: {
    readonly type: 'Basic' | 'Digest';
    readonly realm: string;
    readonly userScript: string;
    readonly groupScript: string | null;
    readonly group: string;
  } | null;
}
