/**
 * Feature 'https': a second port speaking TLS (mod_ssl), redirecting plain HTTP to it, HSTS,
 * client certificates, HTTP/2 (mod_http2), and name-based virtual hosts (--server-name,
 * --server-alias, --allow-localhost).
 *
 * Unlike mod_wsgi-express, HTTPS works without --server-name: the HTTPS port gets its own
 * <VirtualHost> with SSLEngine on, and everything the site is made of (document root, aliases,
 * WSGI handler) sits at server level, which virtual hosts inherit. Certificates and keys are read
 * and checked (./certificates.ts), so a wrong file is refused before anything is written.
 */
import type { FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import { sslFilesOf } from './certificates.js';
import type { HttpsResult, SslSettings, VirtualHost } from './types.js';

/** The ServerName of the catch-all virtual host: a reserved name no request can match by accident. */
export const CATCH_ALL_NAME = 'express-wsgi.invalid';

const CERTIFICATE_OPTIONS = [
  'ssl-certificate-file',
  'ssl-certificate-key-file',
  'ssl-certificate',
  'ssl-certificate-chain-file',
  'ssl-ca-certificate-file',
] as const;

const portSuffix = (port: number, standard: number) => (port === standard ? '' : `:${port}`);

/** Options that only make sense on an HTTPS port, given without one. */
function refuseWithoutHttpsPort(opts: FeatureInput['opts']): void {
  const values: Record<string, unknown> = {
    'ssl-certificate-file': opts.sslCertificateFile,
    'ssl-certificate-key-file': opts.sslCertificateKeyFile,
    'ssl-certificate': opts.sslCertificate,
    'ssl-certificate-chain-file': opts.sslCertificateChainFile,
    'ssl-ca-certificate-file': opts.sslCaCertificateFile,
  };
  const certificateOption = CERTIFICATE_OPTIONS.find((o) => values[o] !== undefined);
  if (certificateOption) {
    throw new UsageError(
      `--https-port must be given when SSL certificate options are (--${certificateOption} was): ` +
        'the certificate is used on the HTTPS port only.',
    );
  }
  const other = [
    ['https-only', opts.httpsOnly],
    ['hsts-policy', opts.hstsPolicy !== undefined],
    ['ssl-environment', opts.sslEnvironment],
    ['ssl-verify-client', opts.sslVerifyClient.length > 0],
  ].find(([, given]) => given);
  if (other) {
    throw new UsageError(
      `--${other[0] as string} needs --https-port (and a certificate): it only affects HTTPS.`,
    );
  }
}

export function resolve(input: FeatureInput): HttpsResult {
  const { opts, ctx, core } = input;
  const warnings: string[] = [];
  const modules: string[] = [];
  const summary: [string, string][] = [];
  const httpPort = core.port;
  const httpsPort = opts.httpsPort;

  // As the core resolver does for --port: the address in URLs, and the name shown when none is given.
  const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  const shownHost =
    !core.host || core.host === '0.0.0.0' || core.host === '::' ? 'localhost' : urlHost(core.host);

  let ssl: SslSettings | null = null;
  let listen: string | null = null;
  if (httpsPort === undefined) {
    refuseWithoutHttpsPort(opts);
  } else {
    if (httpsPort === httpPort) {
      throw badValue('https-port', httpsPort, `a port other than --port (${httpPort})`);
    }
    if (opts.sslVerifyClient.length && opts.sslCaCertificateFile === undefined) {
      throw new UsageError(
        '--ssl-verify-client needs --ssl-ca-certificate-file, the CA certificates that sign the client certificates.',
      );
    }
    const files = sslFilesOf(opts, ctx, warnings);
    const paths = [...new Set(opts.sslVerifyClient.length ? opts.sslVerifyClient : ['/'])].sort().reverse();
    const wholeSite = paths.includes('/');
    ssl = {
      ...files,
      verifyClient: files.caFile ? (wholeSite ? 'require' : 'none') : null,
      verifyPaths: files.caFile && !wholeSite ? paths : [],
      environment: opts.sslEnvironment,
      hsts: opts.hstsPolicy ?? null,
    };
    listen = core.host ? `${urlHost(core.host)}:${httpsPort}` : String(httpsPort);
    modules.push('ssl', 'socache_shmcb');
    if (ssl.hsts) {
      modules.push('headers');
    }
    summary.push([
      'Server URL (HTTPS)',
      `https://${opts.serverName ?? shownHost}${portSuffix(httpsPort, 443)}/`,
    ]);
  }

  const virtualHosts: VirtualHost[] = [];
  const vhost = (v: Partial<VirtualHost> & Pick<VirtualHost, 'comment' | 'port'>): VirtualHost => ({
    serverName: null,
    serverAliases: [],
    ssl: false,
    refuse: null,
    redirect: null,
    redirectToHttps: null,
    serves: false,
    ...v,
  });
  const httpsUrl = (host: string) => `https://${host}${portSuffix(httpsPort ?? 443, 443)}/`;

  const name = opts.serverName;
  if (name !== undefined) {
    const lower = name.toLowerCase();
    const aliases = [...new Set(opts.serverAlias.filter((a) => a.toLowerCase() !== lower))];
    const bare = /^www\./i.test(name) ? name.slice(4) : undefined;
    const redirectBare = bare !== undefined && !aliases.some((a) => a.toLowerCase() === bare.toLowerCase());
    const ports: [number, boolean][] = [[httpPort, false]];
    if (httpsPort !== undefined) {
      ports.push([httpsPort, true]);
    }
    for (const [port, tls] of ports) {
      virtualHosts.push(
        vhost({
          comment: opts.allowLocalhost
            ? 'The default: requests for other host names are served only to clients on this machine (--allow-localhost).'
            : 'The default: requests for other host names are refused.',
          port,
          serverName: CATCH_ALL_NAME,
          ssl: tls,
          refuse: opts.allowLocalhost ? 'local' : 'all denied',
        }),
      );
      const toHttps = !tls && opts.httpsOnly;
      virtualHosts.push(
        vhost({
          comment: toHttps
            ? `--server-name ${name}: redirected to HTTPS (--https-only).`
            : `--server-name ${name}.`,
          port,
          serverName: name,
          serverAliases: aliases,
          ssl: tls,
          redirect: toHttps ? httpsUrl(name) : null,
          serves: !toHttps,
        }),
      );
      if (redirectBare) {
        virtualHosts.push(
          vhost({
            comment: `${bare} redirects to ${name}.`,
            port,
            serverName: bare,
            ssl: tls,
            redirect: tls || opts.httpsOnly ? httpsUrl(name) : `http://${name}${portSuffix(port, 80)}/`,
          }),
        );
      }
    }
    summary.push(['Server Name', [name, ...aliases].join(' ')]);
  } else {
    if (opts.serverAlias.length) {
      warnings.push('--server-alias has no effect without --server-name: every host name is served.');
    }
    if (opts.allowLocalhost) {
      warnings.push('--allow-localhost has no effect without --server-name: every host name is served.');
    }
    if (httpsPort !== undefined) {
      if (opts.httpsOnly) {
        virtualHosts.push(
          vhost({
            comment: 'Plain HTTP: redirected to HTTPS under the host name asked for (--https-only).',
            port: httpPort,
            redirectToHttps: {
              // No backslashes: mod_rewrite reads its arguments without unescaping them.
              hostPattern: '^([[][0-9A-Fa-f:.]+[]]|[A-Za-z0-9._-]+)(:[0-9]+)?$',
              target: `https://%1${portSuffix(httpsPort, 443)}%{REQUEST_URI}`,
              fallback: `https://${shownHost}${portSuffix(httpsPort, 443)}%{REQUEST_URI}`,
            },
          }),
        );
      }
      virtualHosts.push(
        vhost({
          comment: 'HTTPS: the same site as on the HTTP port.',
          port: httpsPort,
          serverName: `${shownHost.startsWith('[') ? 'localhost' : shownHost}:${httpsPort}`,
          ssl: true,
          serves: true,
        }),
      );
    }
  }

  let protocols: string | null = null;
  if (opts.http2) {
    protocols = 'h2 h2c http/1.1';
    modules.push('http2');
    if (core.mpm.mpm === 'prefork') {
      // mod_http2 refuses to work under prefork: the server would start and never speak HTTP/2,
      // which is not what was asked for.
      const why = opts.serverMpm.length
        ? `--server-mpm ${opts.serverMpm.join(' --server-mpm ')} picks prefork`
        : 'prefork is the only MPM installed';
      throw new UsageError(
        `--http2 needs the event or worker MPM (mod_http2 does not work with prefork), but ${why}; give --server-mpm worker or --server-mpm event, or leave out --http2.`,
      );
    }
  }

  return { modules, summary, warnings, listen, ssl, protocols, virtualHosts };
}
