/** The options of feature 'https' (resolve.ts says what they mean): data and small pure checks. */
import { flag, int, list, str } from '../../options/define.js';

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
