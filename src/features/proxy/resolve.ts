/**
 * Feature 'proxy': sending URL paths or whole host names on to other HTTP servers (mod_proxy),
 * trusting X-Forwarded-* headers from a proxy in front (WSGITrustedProxies/-Headers), and
 * access control and authentication by Python scripts (WSGIAccessScript, WSGIAuthUserScript,
 * WSGIAuthGroupScript).
 */
import { resolve as resolvePath } from 'node:path';

import type { Context, FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import { othersCanReach } from '../../resolve/files.js';
import type { ProxyMount, ProxyResult, ProxyVirtualHost } from './types.js';

/** The headers mod_wsgi acts on when trusted (others are only passed through or removed). */
export const KNOWN_PROXY_HEADERS = [
  'X-Forwarded-For',
  'X-Client-IP',
  'X-Real-IP',
  'X-Forwarded-Host',
  'X-Host',
  'X-Forwarded-Server',
  'X-Forwarded-Port',
  'X-Forwarded-Proto',
  'X-Forwarded-Scheme',
  'X-Scheme',
  'X-Forwarded-HTTPS',
  'X-Forwarded-SSL',
  'X-HTTPS',
  'X-Script-Name',
  'X-Forwarded-Script-Name',
];

const URL_PATH = /^\/[A-Za-z0-9._~@/-]*$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const URL_FORMS = 'http://HOST[:PORT][/PATH], https://… or unix:/PATH/TO.sock|http://HOST[/PATH]';

/** Checks a proxy target and returns it with a trailing slash, plus the URL for ProxyPassReverse. */
function proxyTarget(option: string, value: string): { url: string; reverseUrl: string; https: boolean } {
  const unix = /^unix:(\/[^|]*)\|(.*)$/i.exec(value);
  const httpPart = unix ? (unix[2] as string) : value;
  if (unix && (/\s/.test(unix[1] as string) || (unix[1] as string).endsWith('/'))) {
    throw badValue(option, value, `a URL: ${URL_FORMS} (the socket must be an absolute file path)`);
  }
  let parsed: URL;
  try {
    parsed = new URL(httpPart);
  } catch {
    throw badValue(option, value, `a URL: ${URL_FORMS}`);
  }
  if (
    !/^https?:$/.test(parsed.protocol) ||
    !parsed.hostname ||
    !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(httpPart) ||
    parsed.username ||
    parsed.password
  ) {
    throw badValue(option, value, `a URL: ${URL_FORMS} (no user name, query, fragment or spaces)`);
  }
  const http = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  return {
    url: unix ? `unix:${unix[1]}|${http}` : http,
    reverseUrl: http,
    https: parsed.protocol === 'https:',
  };
}

function mountsOf(opts: FeatureInput['opts']): (ProxyMount & { https: boolean })[] {
  const byPrefix = new Map<string, ProxyMount & { https: boolean }>();
  for (const [urlPath, target] of opts.proxyMountPoint) {
    const prefix = urlPath.replace(/\/+$/, '');
    if (!URL_PATH.test(urlPath) || !prefix || /\/\/|\/\.\.?(\/|$)/.test(urlPath)) {
      throw badValue(
        'proxy-mount-point',
        urlPath,
        'a URL path other than / as the first value, such as /api (for a whole host name use --proxy-virtual-host)',
      );
    }
    const { url, reverseUrl, https } = proxyTarget('proxy-mount-point', target);
    const before = byPrefix.get(prefix);
    if (before && before.url !== url) {
      throw badValue('proxy-mount-point', urlPath, `one URL per path (${before.url} and ${url} given)`);
    }
    byPrefix.set(prefix, {
      prefix,
      path: `${prefix}/`,
      url,
      reverseUrl,
      https,
      bareMatch: `^${prefix.replace(/[.]/g, '\\.')}$`,
    });
  }
  // ProxyPass takes the first match: longer prefixes first, so /api/v2 wins over /api.
  return [...byPrefix.values()].sort(
    (a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix),
  );
}

function virtualHostsOf(opts: FeatureInput['opts']): (ProxyVirtualHost & { https: boolean })[] {
  const byHost = new Map<string, ProxyVirtualHost & { https: boolean }>();
  for (const [host, target] of opts.proxyVirtualHost) {
    if (!HOST_NAME.test(host) || host.length > 253) {
      throw badValue('proxy-virtual-host', host, 'a host name such as api.example.com as the first value');
    }
    const next = { host, ...proxyTarget('proxy-virtual-host', target) };
    const before = byHost.get(host.toLowerCase());
    if (before && before.url !== next.url) {
      throw badValue(
        'proxy-virtual-host',
        host,
        `one URL per host name (${before.url} and ${next.url} given)`,
      );
    }
    byHost.set(host.toLowerCase(), next);
  }
  return [...byHost.values()];
}

/** An existing regular file, made absolute; `readable` tells whether other accounts can read it. */
function scriptFile(
  option: string,
  value: string,
  ctx: Pick<Context, 'cwd' | 'host'>,
): { path: string; readable: boolean } {
  const path = resolvePath(ctx.cwd, value);
  const st = ctx.host.stat(path);
  if (!st) {
    throw badValue(option, value, 'an existing Python script (no such file)');
  }
  if (st.kind !== 'file') {
    throw badValue(option, value, 'a Python script file (it is a directory or special file)');
  }
  return { path, readable: othersCanReach(ctx.host, path) };
}

export function resolve(input: FeatureInput): ProxyResult {
  const { opts, ctx, core } = input;
  const warnings: string[] = [];
  const modules: string[] = [];
  const summary: [string, string][] = [];

  // Proxying out.
  const mounts = mountsOf(opts);
  const virtualHosts = virtualHostsOf(opts);
  const proxying = mounts.length > 0 || virtualHosts.length > 0;
  const sslProxy = [...mounts, ...virtualHosts].some((m) => m.https);
  if (proxying) {
    // mod_proxy_http handles WebSocket upgrades itself (upgrade=websocket) since Apache 2.4.47.
    modules.push('proxy', 'proxy_http', 'headers');
    if (sslProxy) {
      modules.push('ssl');
    }
  } else if (opts.proxyTimeout !== undefined) {
    warnings.push('--proxy-timeout has no effect without --proxy-mount-point or --proxy-virtual-host.');
  }
  for (const m of mounts) {
    summary.push(['Proxy Mount Point', `${m.path} -> ${m.url}`]);
  }
  for (const v of virtualHosts) {
    summary.push(['Proxy Virtual Host', `${v.host} -> ${v.url}`]);
  }
  // Any name-based virtual host on the HTTP port makes the first one there the default. The https
  // feature writes the site's own (first) virtual hosts there with --server-name, and a redirecting
  // one with --https-only; otherwise an empty one for the site must come before the proxied names.
  const httpsOwnsHttpPort = opts.serverName !== undefined || (opts.httpsPort !== undefined && opts.httpsOnly);

  // Trusting a proxy in front.
  const trustedProxies = [...new Set(opts.trustProxy)];
  const trustedProxyHeaders = [...new Set(opts.trustProxyHeader.map((h) => h.toLowerCase()))].map(
    (lower) => opts.trustProxyHeader.find((h) => h.toLowerCase() === lower) as string,
  );
  const known = new Set(KNOWN_PROXY_HEADERS.map((h) => h.toLowerCase()));
  const unknown = trustedProxyHeaders.filter((h) => !known.has(h.toLowerCase()));
  if (unknown.length) {
    warnings.push(
      `--trust-proxy-header: mod_wsgi does not act on ${unknown.join(', ')}; the headers it uses are ${KNOWN_PROXY_HEADERS.join(', ')}.`,
    );
  }
  if (trustedProxyHeaders.length && !trustedProxies.length) {
    warnings.push(
      '--trust-proxy-header without --trust-proxy believes these headers from any client; ' +
        'give --trust-proxy with the address of your proxy.',
    );
  }
  if (trustedProxies.length && !trustedProxyHeaders.length) {
    warnings.push('--trust-proxy has no effect without --trust-proxy-header.');
  }
  if (trustedProxyHeaders.length) {
    summary.push([
      'Trusted Headers',
      `${trustedProxyHeaders.join(' ')} from ${trustedProxies.length ? trustedProxies.join(' ') : 'any client'}`,
    ]);
  }

  // Access control and authentication by Python scripts (run in the Apache children).
  const scripts: { option: string; readable: boolean; path: string }[] = [];
  const script = (option: string, value: string | undefined) => {
    if (value === undefined) {
      return null;
    }
    const file = scriptFile(option, value, ctx);
    scripts.push({ option, ...file });
    return file.path;
  };
  const hostAccessScript = script('host-access-script', opts.hostAccessScript);
  const userScript = script('auth-user-script', opts.authUserScript);
  const groupScript = script('auth-group-script', opts.authGroupScript);
  const type = opts.authType.toLowerCase() === 'digest' ? 'Digest' : 'Basic';
  if (groupScript && !userScript) {
    throw new UsageError(
      '--auth-group-script needs --auth-user-script: groups are checked for a user who has logged in.',
    );
  }
  if (opts.authGroup !== 'wsgi' && !groupScript) {
    throw new UsageError(
      `--auth-group ${JSON.stringify(opts.authGroup)} needs --auth-group-script to say who is in the group.`,
    );
  }
  if (type !== 'Basic' && !userScript) {
    warnings.push('--auth-type has no effect without --auth-user-script.');
  }
  if (userScript) {
    // AuthType and AuthName live in mod_authn_core; Require valid-user in mod_authz_user.
    modules.push('authn_core', 'authz_user', type === 'Digest' ? 'auth_digest' : 'auth_basic');
  }
  const auth = userScript
    ? ({ type, realm: core.serverName, userScript, groupScript, group: opts.authGroup } as const)
    : null;
  if (hostAccessScript) {
    summary.push(['Host Access Script', hostAccessScript]);
  }
  if (auth) {
    summary.push(['Auth User Script', `${auth.userScript} (${auth.type}, realm "${auth.realm}")`]);
    if (auth.groupScript) {
      summary.push(['Auth Group Script', `${auth.groupScript} (group "${auth.group}")`]);
    }
  }
  if (core.startedAsRoot) {
    for (const s of scripts.filter((x) => !x.readable)) {
      warnings.push(
        `--${s.option}: ${s.path} (or a directory above it) may not be readable by ${core.user.name}, ` +
          'the account Apache runs it as; every request will fail if it is not.',
      );
    }
  }

  return {
    modules,
    appExclusions: mounts.map((m) => m.prefix),
    summary,
    warnings,
    mounts: mounts.map(({ https: _https, ...m }) => m),
    virtualHosts: virtualHosts.map(({ https: _https, ...v }) => v),
    mainVirtualHost: virtualHosts.length > 0 && !httpsOwnsHttpPort,
    proxying,
    proxyTimeout: proxying ? (opts.proxyTimeout ?? null) : null,
    sslProxy,
    trustedProxies,
    trustedProxyHeaders,
    hostAccessScript,
    auth,
  };
}
