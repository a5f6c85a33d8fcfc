/**
 * Feature 'https': a second port speaking TLS (mod_ssl), redirecting plain HTTP to it, HSTS,
 * client certificates, HTTP/2 (mod_http2), and name-based virtual hosts (--server-name,
 * --server-alias, --allow-localhost).
 *
 * Unlike mod_wsgi-express, HTTPS works without --server-name: the HTTPS port gets its own
 * <VirtualHost> with SSLEngine on, and everything the site is made of (document root, aliases,
 * WSGI handler) sits at server level, which virtual hosts inherit. Certificates and keys are read
 * and checked here, so a wrong file is refused before anything is written.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

import { badValue, UsageError } from '../errors.js';
import { flag, int, list, str } from '../options/define.js';
import type { FeatureInput, FeatureResult } from './types.js';

const GROUP = 'Server';

const HOST_LABEL = '[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOST_NAME = new RegExp(`^${HOST_LABEL}(\\.${HOST_LABEL})*$`);
/** ServerAlias also takes the wildcards * and ?. */
const ALIAS = /^[A-Za-z0-9_*?]([A-Za-z0-9_*?.-]*[A-Za-z0-9_*?])?$/;
const URL_PATH = /^\/[A-Za-z0-9._~@/-]*$/;

export function serverNameCheck(value: string): string | undefined {
  return HOST_NAME.test(value) && value.length <= 253
    ? undefined
    : 'a host name such as www.example.com (no port, scheme or path)';
}

export function serverAliasCheck(value: string): string | undefined {
  return ALIAS.test(value) && value.length <= 253
    ? undefined
    : 'a host name such as example.com, wildcards * and ? allowed (no port, scheme or path)';
}

/** A Strict-Transport-Security value (RFC 6797): directives separated by ';', max-age required. */
export function hstsCheck(value: string): string | undefined {
  const directives = value
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  // No %: mod_headers would read it as a format (%{HOME}e would leak the environment).
  const wellFormed = directives.every((d) => /^[A-Za-z][A-Za-z0-9-]*(=([^\s";=%]+|"[^"%]*"))?$/.test(d));
  const maxAge = directives.filter((d) => /^max-age=("?)\d+\1$/i.test(d));
  return wellFormed && maxAge.length === 1
    ? undefined
    : 'a Strict-Transport-Security policy with one max-age, such as "max-age=31536000; includeSubDomains"';
}

export const OPTIONS = [
  flag(
    'http2',
    GROUP,
    'Offer HTTP/2 (mod_http2): h2 over TLS on the HTTPS port, h2c on the HTTP port. Not with the prefork MPM.',
  ),
  int(
    'https-port',
    GROUP,
    'Also listen on this port for HTTPS; needs a certificate and key (--ssl-certificate or --ssl-certificate-file).',
    { metavar: 'NUMBER', min: 1, max: 65535, aliases: ['ssl-port'] },
  ),
  str('ssl-certificate-file', GROUP, 'PEM file with the server certificate (and optionally its key).', {
    metavar: 'FILE-PATH',
  }),
  str('ssl-certificate-key-file', GROUP, 'PEM file with the private key of the server certificate.', {
    metavar: 'FILE-PATH',
  }),
  str('ssl-certificate', GROUP, 'Shorthand for the certificate and key: uses PATH.crt and PATH.key.', {
    metavar: 'FILE-PATH',
  }),
  str(
    'ssl-certificate-chain-file',
    GROUP,
    'PEM file with the intermediate certificates sent along with the server certificate.',
    { metavar: 'FILE-PATH' },
  ),
  str(
    'ssl-ca-certificate-file',
    GROUP,
    'PEM file with the CA certificates that sign client certificates: HTTPS clients must then present one ' +
      '(for the whole site, or for the --ssl-verify-client paths).',
    { metavar: 'FILE-PATH' },
  ),
  list(
    'ssl-verify-client',
    GROUP,
    'URL path under which HTTPS clients must present a certificate signed by --ssl-ca-certificate-file (repeatable).',
    {
      metavar: 'URL-PATH',
      defaultText: '/ (with --ssl-ca-certificate-file)',
      check: (v) => (URL_PATH.test(v) ? undefined : 'a URL path such as /admin'),
    },
  ),
  flag(
    'ssl-environment',
    GROUP,
    'Put the TLS details (SSL_PROTOCOL, SSL_CIPHER, SSL_CLIENT_S_DN, …) into the WSGI environ of HTTPS requests.',
  ),
  flag('https-only', GROUP, 'Answer plain HTTP requests with a permanent (301) redirect to the HTTPS port.'),
  str(
    'hsts-policy',
    GROUP,
    'Send this Strict-Transport-Security header on HTTPS responses, e.g. "max-age=31536000; includeSubDomains".',
    { metavar: 'PARAMS', check: hstsCheck },
  ),
  str(
    'server-name',
    GROUP,
    'The host name of the site: requests for other host names are refused (403). A www. name also ' +
      'redirects the bare domain to it.',
    { metavar: 'HOSTNAME', check: serverNameCheck },
  ),
  list('server-alias', GROUP, 'Another host name the site answers to, with --server-name (repeatable).', {
    metavar: 'HOSTNAME',
    check: serverAliasCheck,
  }),
  flag(
    'allow-localhost',
    GROUP,
    'With --server-name, still serve clients on this machine whatever host name they ask for.',
  ),
] as const;

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

/** The ServerName of the catch-all virtual host: a reserved name no request can match by accident. */
export const CATCH_ALL_NAME = 'express-wsgi.invalid';

const CERTIFICATE_OPTIONS = [
  'ssl-certificate-file',
  'ssl-certificate-key-file',
  'ssl-certificate',
  'ssl-certificate-chain-file',
  'ssl-ca-certificate-file',
] as const;

interface PemFile {
  readonly option: string;
  /** As the user gave it (or derived from --ssl-certificate), for messages. */
  readonly value: string;
  readonly path: string;
  readonly blocks: readonly { readonly label: string; readonly text: string }[];
}

/** Reads a PEM file the user named, refusing a missing, unreadable or non-PEM one. */
function readPem(option: string, value: string, cwd: string, what: string): PemFile {
  const path = resolvePath(cwd, value);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw badValue(option, value, `an existing ${what} file (no such file)`);
  }
  if (!st.isFile()) {
    throw badValue(
      option,
      value,
      `a ${what} file (it is a ${st.isDirectory() ? 'directory' : 'special file'})`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw badValue(
      option,
      value,
      `a ${what} file you can read (${code === 'EACCES' ? 'permission denied' : code})`,
    );
  }
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((m) => ({
    label: m[1] as string,
    text: m[0],
  }));
  return { option, value, path, blocks };
}

function certificatesOf(file: PemFile, what: string): X509Certificate[] {
  const certs = file.blocks.filter((b) => b.label === 'CERTIFICATE');
  if (!certs.length) {
    throw badValue(
      file.option,
      file.value,
      `a PEM ${what} file with a -----BEGIN CERTIFICATE----- block (convert DER with: openssl x509 -inform der -in FILE -out FILE.crt)`,
    );
  }
  return certs.map((b) => {
    try {
      return new X509Certificate(b.text);
    } catch (error) {
      throw badValue(
        file.option,
        file.value,
        `a PEM ${what} file whose certificates parse (${(error as Error).message})`,
      );
    }
  });
}

/** The private key in a PEM file: the key, 'encrypted', or undefined when there is none. */
function privateKeyOf(file: PemFile): KeyObject | 'encrypted' | undefined {
  const block = file.blocks.find((b) => /PRIVATE KEY$/.test(b.label));
  if (!block) {
    return undefined;
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.text)) {
    return 'encrypted';
  }
  try {
    return createPrivateKey(block.text);
  } catch (error) {
    throw badValue(file.option, file.value, `a PEM private key that parses (${(error as Error).message})`);
  }
}

const portSuffix = (port: number, standard: number) => (port === standard ? '' : `:${port}`);

/** The server certificate, its key and the other files, read and checked against each other. */
function sslFilesOf(
  opts: FeatureInput['opts'],
  cwd: string,
  warnings: string[],
): Pick<SslSettings, 'certificateFile' | 'keyFile' | 'chainFile' | 'caFile'> {
  if (
    opts.sslCertificate !== undefined &&
    (opts.sslCertificateFile !== undefined || opts.sslCertificateKeyFile !== undefined)
  ) {
    throw new UsageError(
      '--ssl-certificate PATH names both PATH.crt and PATH.key: give it, or --ssl-certificate-file and ' +
        '--ssl-certificate-key-file, not both.',
    );
  }
  if (opts.sslCertificateKeyFile !== undefined && opts.sslCertificateFile === undefined) {
    throw new UsageError(
      '--ssl-certificate-key-file needs --ssl-certificate-file, the certificate of that key.',
    );
  }
  const stem = opts.sslCertificate;
  const certFile =
    stem !== undefined
      ? readPem('ssl-certificate', `${stem}.crt`, cwd, 'certificate')
      : opts.sslCertificateFile !== undefined
        ? readPem('ssl-certificate-file', opts.sslCertificateFile, cwd, 'certificate')
        : undefined;
  if (!certFile) {
    throw new UsageError(
      '--https-port needs a server certificate and its key: give --ssl-certificate PATH (for PATH.crt and PATH.key), ' +
        'or --ssl-certificate-file and --ssl-certificate-key-file.',
    );
  }
  const keyFile =
    stem !== undefined
      ? readPem('ssl-certificate', `${stem}.key`, cwd, 'private key')
      : opts.sslCertificateKeyFile !== undefined
        ? readPem('ssl-certificate-key-file', opts.sslCertificateKeyFile, cwd, 'private key')
        : undefined;
  const [certificate] = certificatesOf(certFile, 'certificate') as [X509Certificate];
  const key = privateKeyOf(keyFile ?? certFile);
  if (key === undefined) {
    if (keyFile) {
      throw badValue(keyFile.option, keyFile.value, 'a PEM file with a -----BEGIN PRIVATE KEY----- block');
    }
    throw badValue(
      certFile.option,
      certFile.value,
      'a certificate file that also holds its private key, or give --ssl-certificate-key-file too',
    );
  }
  if (key === 'encrypted') {
    warnings.push(
      `the private key in ${(keyFile ?? certFile).path} is encrypted: Apache asks for its passphrase at every start, ` +
        'which fails without a terminal. Decrypt it with: openssl pkey -in KEY -out KEY.plain',
    );
  } else if (!certificate.checkPrivateKey(key)) {
    const k = keyFile ?? certFile;
    throw badValue(
      k.option,
      k.value,
      `the private key of the certificate in ${certFile.path} (it belongs to another one)`,
    );
  }
  const now = Date.now();
  if (Date.parse(certificate.validTo) < now) {
    warnings.push(
      `the certificate in ${certFile.path} expired on ${certificate.validTo}; clients will refuse it.`,
    );
  } else if (Date.parse(certificate.validFrom) > now) {
    warnings.push(`the certificate in ${certFile.path} is not valid before ${certificate.validFrom}.`);
  }
  const chain =
    opts.sslCertificateChainFile !== undefined
      ? readPem('ssl-certificate-chain-file', opts.sslCertificateChainFile, cwd, 'certificate chain')
      : undefined;
  if (chain) {
    certificatesOf(chain, 'certificate chain');
  }
  const ca =
    opts.sslCaCertificateFile !== undefined
      ? readPem('ssl-ca-certificate-file', opts.sslCaCertificateFile, cwd, 'CA certificate')
      : undefined;
  if (ca) {
    certificatesOf(ca, 'CA certificate');
  }
  return {
    certificateFile: certFile.path,
    keyFile: keyFile?.path ?? null,
    chainFile: chain?.path ?? null,
    caFile: ca?.path ?? null,
  };
}

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
    const files = sslFilesOf(opts, ctx.cwd, warnings);
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
