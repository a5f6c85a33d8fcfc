/** What feature 'https' adds to ServerConfig (its part of `features`), printed by templates/features/https.hbs. */
import type { FeatureResult } from '../types.js';

export interface SslSettings {
  readonly certificateFile: string;
  /** Unset when the certificate file holds the key too. */
  readonly keyFile: string | null;
  readonly chainFile: string | null;
  readonly caFile: string | null;
  /**
   * With a CA file: 'require' asks for a client certificate in the handshake (the whole site);
   * 'none' asks only under verifyPaths (a renegotiation, or post-handshake auth in TLS 1.3).
   */
  readonly verifyClient: 'none' | 'require' | null;
  readonly verifyPaths: readonly string[];
  readonly environment: boolean;
  readonly hsts: string | null;
}

export interface VirtualHost {
  /** A line saying what the virtual host is for. */
  readonly comment: string;
  readonly port: number;
  /** Unset: inherits the global ServerName. */
  readonly serverName: string | null;
  readonly serverAliases: readonly string[];
  readonly ssl: boolean;
  /** The Require line that refuses requests: everyone ('all denied') or all but this machine ('local'). */
  readonly refuse: 'all denied' | 'local' | null;
  /** Redirect permanent / URL. */
  readonly redirect: string | null;
  /** A 301 to the HTTPS port under the host name the client asked for. */
  readonly redirectToHttps: {
    readonly hostPattern: string;
    readonly target: string;
    readonly fallback: string;
  } | null;
  /** Serves the site: server-level rewrite rules apply here too (RewriteOptions Inherit). */
  readonly serves: boolean;
}

export interface HttpsResult extends FeatureResult {
  /** Argument of `Listen ... https`, or null without --https-port. */
  readonly listen: string | null;
  readonly ssl: SslSettings | null;
  /** Argument of Protocols, with --http2. */
  readonly protocols: string | null;
  /** In order: the first one on each port is its default. */
  readonly virtualHosts: readonly VirtualHost[];
}
