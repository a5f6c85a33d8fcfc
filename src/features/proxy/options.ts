/** The options of feature 'proxy' (resolve.ts says what they mean): data and small pure checks. */
import { ipFamily } from '../../options/address.js';

import { int, LIMITS, list, pairs, str } from '../../options/define.js';

const GROUP = 'Proxies and access control';

/** An address or a network: 10.0.0.1, 10.0.0.0/8, ::1, fd00::/8. */
export function ipOrCidr(value: string): string | undefined {
  const [address = '', bits, ...rest] = value.split('/');
  const family = ipFamily(address);
  const max = family === 4 ? 32 : 128;
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  return family && okBits && rest.length === 0
    ? undefined
    : 'an IP address or network, such as 127.0.0.1, 10.0.0.0/8 or fd00::/8';
}

/** An HTTP header name (an RFC 9110 token). */
export function headerName(value: string): string | undefined {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)
    ? undefined
    : 'an HTTP header name such as X-Forwarded-For';
}

const authType = (value: string) => (/^(basic|digest)$/i.test(value) ? undefined : 'Basic or Digest');

export const OPTIONS = [
  pairs(
    'proxy-mount-point',
    GROUP,
    'Send requests under a URL path on to another HTTP server (repeatable). The URL may be ' +
      'http://host:port/path, https://… or unix:/path/to.sock|http://host/path.',
    { metavar: 'URL-PATH URL', aliases: ['proxy-url-alias'] },
  ),
  pairs(
    'proxy-virtual-host',
    GROUP,
    'Send every request for a host name (on the HTTP port) on to another HTTP server (repeatable).',
    { metavar: 'HOSTNAME URL' },
  ),
  int(
    'proxy-timeout',
    GROUP,
    'Seconds to wait on a proxied server, e.g. for an idle WebSocket (with --proxy-mount-point or --proxy-virtual-host).',
    { metavar: 'SECONDS', min: 1, max: LIMITS.INT_MAX, defaultText: '--socket-timeout' },
  ),
  list(
    'trust-proxy',
    GROUP,
    'Address or network of a proxy in front whose --trust-proxy-header headers are believed (repeatable).',
    { metavar: 'IP/CIDR', check: ipOrCidr },
  ),
  list(
    'trust-proxy-header',
    GROUP,
    'Header set by the proxy in front that may change the WSGI environ, e.g. X-Forwarded-For (repeatable).',
    { metavar: 'HEADER', check: headerName },
  ),
  str(
    'host-access-script',
    GROUP,
    'Python script whose allow_access(environ, host) decides which clients may connect.',
    { metavar: 'FILE-PATH' },
  ),
  str(
    'auth-user-script',
    GROUP,
    'Python script that authenticates users for the whole site: check_password(environ, user, password) ' +
      'for Basic, get_realm_hash(environ, user, realm) for Digest.',
    { metavar: 'FILE-PATH' },
  ),
  str('auth-type', GROUP, 'HTTP authentication scheme used with --auth-user-script: Basic or Digest.', {
    metavar: 'TYPE',
    default: 'Basic',
    check: authType,
  }),
  str(
    'auth-group-script',
    GROUP,
    'Python script whose groups_for_user(environ, user) must include --auth-group (needs --auth-user-script).',
    { metavar: 'FILE-PATH' },
  ),
  str('auth-group', GROUP, 'Group an authenticated user must be in (with --auth-group-script).', {
    metavar: 'NAME',
    default: 'wsgi',
    check: (v) => (/^\S+$/.test(v) ? undefined : 'a group name without spaces'),
  }),
] as const;
