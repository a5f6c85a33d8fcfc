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
import { resolve as resolvePath } from 'node:path';

import type { Context, FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
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

interface PemFile {
  readonly option: string;
  /** As the user gave it (or derived from --ssl-certificate), for messages. */
  readonly value: string;
  readonly path: string;
  readonly blocks: readonly { readonly label: string; readonly text: string }[];
}

/** Reads a PEM file the user named, refusing a missing, unreadable or non-PEM one. */
function readPem(option: string, value: string, ctx: Pick<Context, 'cwd' | 'host'>, what: string): PemFile {
  const path = resolvePath(ctx.cwd, value);
  const st = ctx.host.stat(path);
  if (!st) {
    throw badValue(option, value, `an existing ${what} file (no such file)`);
  }
  if (st.kind !== 'file') {
    throw badValue(
      option,
      value,
      `a ${what} file (it is a ${st.kind === 'directory' ? 'directory' : 'special file'})`,
    );
  }
  let text: string;
  try {
    text = ctx.host.readFile(path, 'latin1');
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
  ctx: Pick<Context, 'cwd' | 'host'>,
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
      ? readPem('ssl-certificate', `${stem}.crt`, ctx, 'certificate')
      : opts.sslCertificateFile !== undefined
        ? readPem('ssl-certificate-file', opts.sslCertificateFile, ctx, 'certificate')
        : undefined;
  if (!certFile) {
    throw new UsageError(
      '--https-port needs a server certificate and its key: give --ssl-certificate PATH (for PATH.crt and PATH.key), ' +
        'or --ssl-certificate-file and --ssl-certificate-key-file.',
    );
  }
  const keyFile =
    stem !== undefined
      ? readPem('ssl-certificate', `${stem}.key`, ctx, 'private key')
      : opts.sslCertificateKeyFile !== undefined
        ? readPem('ssl-certificate-key-file', opts.sslCertificateKeyFile, ctx, 'private key')
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
      ? readPem('ssl-certificate-chain-file', opts.sslCertificateChainFile, ctx, 'certificate chain')
      : undefined;
  if (chain) {
    certificatesOf(chain, 'certificate chain');
  }
  const ca =
    opts.sslCaCertificateFile !== undefined
      ? readPem('ssl-ca-certificate-file', opts.sslCaCertificateFile, ctx, 'CA certificate')
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
