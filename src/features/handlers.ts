/**
 * Feature 'handlers': what Apache does with requests besides the application — Python handlers and
 * CGI for document-root files, error documents, rewrite rules, .htaccess overrides, MIME types,
 * sendfile, HEAD mapping, activity and server status/metrics.
 *
 * --mime-types is declared here but applied by the core resolver (it replaces the core's choice of
 * TypesConfig file). --rewrite-rules and --allow-override are printed by httpd.conf.hbs from this
 * feature's result, since they replace values in the core's <Directory> blocks.
 */
import { statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';

import { badValue } from '../errors.js';
import { flag, list, pairs, str } from '../options/define.js';
import type { FeatureInput, FeatureResult } from './types.js';

const urlPath = (v: string) => (/^\/[A-Za-z0-9._~@%/-]*$/.test(v) ? undefined : 'a URL path such as /health');

const HEAD_MODES = ['Off', 'On', 'Auto'] as const;
const headMode = (v: string) => HEAD_MODES.find((m) => m.toLowerCase() === v.toLowerCase());

// AllowOverride's override classes, and the options `Options=` may name (Apache's spelling).
const OVERRIDES = ['All', 'None', 'AuthConfig', 'FileInfo', 'Indexes', 'Limit'] as const;
const OVERRIDE_OPTIONS = [
  'All',
  'ExecCGI',
  'FollowSymLinks',
  'Includes',
  'IncludesNOEXEC',
  'Indexes',
  'MultiViews',
  'SymLinksIfOwnerMatch',
] as const;
const NONFATAL = ['Override', 'Unknown', 'All'] as const;
const OVERRIDE_HELP =
  'All, None, AuthConfig, FileInfo, Indexes, Limit, Options[=NAME,...] or Nonfatal=Override|Unknown|All';

const canonical = (names: readonly string[], v: string) =>
  names.find((n) => n.toLowerCase() === v.toLowerCase());

/** One --allow-override value in Apache's spelling, or undefined when Apache would refuse it. */
function overrideWord(v: string): string | undefined {
  const plain = canonical(OVERRIDES, v);
  if (plain) {
    return plain;
  }
  const m = /^(options|nonfatal)(?:=(.*))?$/i.exec(v);
  if (!m) {
    return undefined;
  }
  const [, key = '', rest] = m;
  if (key.toLowerCase() === 'options') {
    if (rest === undefined) {
      return 'Options';
    }
    const names = rest.split(',').map((o) => canonical(OVERRIDE_OPTIONS, o));
    return rest && names.every(Boolean) ? `Options=${names.join(',')}` : undefined;
  }
  const what = rest === undefined ? undefined : canonical(NONFATAL, rest);
  return what ? `Nonfatal=${what}` : undefined;
}

// The status codes Apache 2.4 accepts in ErrorDocument (its known 4xx and 5xx codes).
const ERROR_STATUSES = new Set([
  ...Array.from({ length: 18 }, (_, i) => 400 + i),
  421,
  422,
  423,
  424,
  426,
  428,
  429,
  431,
  451,
  ...Array.from({ length: 9 }, (_, i) => 500 + i),
  510,
  511,
]);

const GROUP = 'Static files and URLs';

export const OPTIONS = [
  pairs(
    'add-handler',
    GROUP,
    'Serve document-root files with this extension through a Python script defining handle_request ' +
      'or application (repeatable).',
    { metavar: 'EXTENSION SCRIPT-PATH' },
  ),
  flag('with-cgi', GROUP, 'Run executable .cgi files in the document root as CGI scripts.'),
  pairs('error-document', GROUP, 'Page Apache returns for an error status (repeatable).', {
    metavar: 'STATUS URL-PATH',
  }),
  flag(
    'error-override',
    GROUP,
    "Replace the application's error responses with Apache's error documents (daemon mode).",
  ),
  str('rewrite-rules', GROUP, 'mod_rewrite rules included in the document root, before the application.', {
    metavar: 'FILE-PATH',
    defaultText: '<server-root>/rewrite.conf',
  }),
  list('allow-override', GROUP, 'Directive types .htaccess files may set (repeatable).', {
    metavar: 'DIRECTIVE-TYPE',
    defaultText: 'None',
    check: (v) => (overrideWord(v) ? undefined : OVERRIDE_HELP),
  }),
  str('mime-types', GROUP, 'File mapping file extensions to content types (TypesConfig).', {
    metavar: 'FILE-PATH',
    defaultText: '/etc/mime.types',
  }),
  flag('enable-sendfile', GROUP, 'Let the kernel send static files and wsgi.file_wrapper responses.'),
  str(
    'map-head-to-get',
    'Application',
    'Whether a HEAD request reaches the application as GET: Off, On, or Auto (when output filters need the body).',
    {
      metavar: 'Off|On|Auto',
      default: 'Auto',
      check: (v) => (headMode(v) ? undefined : 'Off, On or Auto'),
    },
  ),
  list(
    'ignore-activity',
    'Processes and capacity',
    'URL path whose requests do not count as activity for the inactivity timeout, e.g. a health check (repeatable).',
    { metavar: 'URL-PATH', check: urlPath },
  ),
  flag(
    'server-status',
    'Server',
    "Serve Apache's status page at /server-status to local clients (behind --trust-proxy, the client " +
      'the proxy reports must be local too).',
  ),
  flag(
    'server-metrics',
    'Server',
    'Collect server metrics for mod_wsgi.server_metrics() and the status page.',
  ),
] as const;

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
}

// The headers mod_wsgi takes REMOTE_ADDR from (--trust-proxy-header): the client as the proxy reports it.
const CLIENT_ADDRESS_HEADERS = ['x-forwarded-for', 'x-client-ip', 'x-real-ip'];
const LOOPBACK = '(127[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}|::1|\\[::1\\])';

/**
 * One ap_expr per trusted client-address header: absent, or only loopback addresses (a proxy chain
 * of local hops). Any other address there is a remote client as far as the application knows.
 */
export function statusClientChecks(trustedHeaders: readonly string[]): string[] {
  const names = [...new Set(trustedHeaders.map((h) => h.toLowerCase()))].filter((h) =>
    CLIENT_ADDRESS_HEADERS.includes(h),
  );
  return names.map((h) => `%{HTTP:${h}} =~ /^ *(${LOOPBACK}( *, *${LOOPBACK})*)? *$/`);
}

// Linux sun_path holds 108 bytes with the NUL; mod_cgid appends .PID to its socket path.
const SOCKET_PATH_MAX = 107;
const PID_SUFFIX_WORST = '.4194304'.length;

function existingFile(option: string, value: string, cwd: string): string {
  const path = resolvePath(cwd, value);
  let st;
  try {
    st = statSync(path);
  } catch {
    throw badValue(option, value, 'an existing file (no such file)');
  }
  if (!st.isFile()) {
    throw badValue(option, value, `a file (it is a ${st.isDirectory() ? 'directory' : 'special file'})`);
  }
  return path;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^$()[\]{}|\\-]/g, '\\$&');

/** A case-insensitive <FilesMatch> pattern for names ending in one of the extensions. */
const extensionPattern = (exts: readonly string[]) =>
  `(?i)\\.(${exts.map((e) => escapeRegex(e.slice(1))).join('|')})$`;

function addHandlersOf(input: FeatureInput, cgi: boolean): [string, string][] {
  const { opts, ctx } = input;
  const seen = new Map<string, string>();
  const out: [string, string][] = [];
  for (const [extension, script] of opts.addHandler) {
    if (!/^\.?[A-Za-z0-9_-]+$/.test(extension)) {
      throw badValue('add-handler', extension, 'a file extension such as .py as the first value');
    }
    const ext = `.${extension.replace(/^\./, '').toLowerCase()}`;
    if (seen.has(ext)) {
      throw badValue(
        'add-handler',
        extension,
        `an extension given once (${seen.get(ext)} is already handled)`,
      );
    }
    if (cgi && ext === '.cgi') {
      throw badValue('add-handler', extension, 'an extension other than .cgi, which --with-cgi runs as CGI');
    }
    seen.set(ext, extension);
    out.push([ext, existingFile('add-handler', script, ctx.cwd)]);
  }
  return out;
}

function errorDocumentsOf(values: readonly (readonly [string, string])[]): [string, string][] {
  return values.map(([status, target]) => {
    if (!/^\d{3}$/.test(status) || !ERROR_STATUSES.has(Number(status))) {
      throw badValue(
        'error-document',
        status,
        'an HTTP error status Apache knows (400-417, 421-424, 426, 428, 429, 431, 451, 500-508, 510, 511) as the first value',
      );
    }
    // Apache (2.4.13+) evaluates %{...} in ErrorDocument as an expression: never let a value become one.
    const form = target.startsWith('/')
      ? /^\/\S*$/.test(target)
      : /^https?:\/\//i.test(target)
        ? /^\S+$/.test(target)
        : target.trim() !== '';
    const ok = form && !target.includes('%{');
    if (!ok) {
      throw badValue(
        'error-document',
        target,
        'a local URL path such as /404.html, an http(s):// URL, or a message text (without %{) as the second value',
      );
    }
    return [status, target];
  });
}

function allowOverrideOf(values: readonly string[]): string {
  const words = [...new Set(values.map((v) => overrideWord(v) as string))];
  if (words.length > 1) {
    const alone = words.find((w) => w === 'All' || w === 'None');
    if (alone) {
      throw badValue(
        'allow-override',
        alone,
        `${alone} on its own, not combined with ${words.filter((w) => w !== alone).join(', ')}`,
      );
    }
  }
  return words.length ? words.join(' ') : 'None';
}

function cgiOf(input: FeatureInput): HandlersConfig['cgi'] {
  const { opts, discovery, core } = input;
  if (!opts.withCgi) {
    return undefined;
  }
  if (!discovery.modules.has('mod_cgid.so')) {
    // mod_cgi forks from the serving process; the resolver's module check reports it if missing too.
    return { module: 'cgi', socket: undefined };
  }
  // mod_cgid talks to its helper over a UNIX socket: keep it beside the daemon sockets, which fit.
  const socket = `${core.paths.socketPrefix}.cgisock`;
  // sun_path holds bytes: a non-ASCII path takes more of it than its JavaScript length says.
  if (Buffer.byteLength(socket) + PID_SUFFIX_WORST > SOCKET_PATH_MAX) {
    const option = opts.socketPrefix ? 'socket-prefix' : 'server-root';
    throw badValue(
      option,
      opts.socketPrefix ?? core.paths.serverRoot,
      `a shorter path: the CGI daemon's socket path would exceed the ${SOCKET_PATH_MAX + 1}-byte UNIX socket limit; ` +
        'give --socket-prefix /tmp/cgi (or a shorter --server-root)',
    );
  }
  return { module: 'cgid', socket };
}

export function resolve(input: FeatureInput): HandlersConfig {
  const { opts, ctx, core } = input;
  const warnings: string[] = [];
  const cgi = cgiOf(input);
  const addHandlers = addHandlersOf(input, cgi !== undefined);
  const errorDocuments = errorDocumentsOf(opts.errorDocument);
  const rewriteRules = opts.rewriteRules
    ? existingFile('rewrite-rules', opts.rewriteRules, ctx.cwd)
    : core.paths.rewriteRules;
  const allowOverride = allowOverrideOf(opts.allowOverride);
  const mapHeadToGet = headMode(opts.mapHeadToGet);
  const ignoreActivity = [...new Set(opts.ignoreActivity)];

  if (opts.errorOverride && core.mode !== 'daemon') {
    warnings.push('--error-override only applies to an application in daemon mode; it has no effect here.');
  }
  if (ignoreActivity.length && core.mode !== 'daemon') {
    warnings.push('--ignore-activity only applies to daemon processes; it has no effect here.');
  }

  const modules: string[] = [];
  if (cgi) {
    modules.push(cgi.module);
  }
  if (opts.serverStatus || opts.serverMetrics) {
    modules.push('status');
  }

  return {
    modules,
    daemonOptions: opts.serverMetrics && core.daemon ? [['server-metrics', 'On']] : [],
    appExclusions: opts.serverStatus ? ['/server-status'] : [],
    summary: opts.serverStatus ? [['Server Status', `${core.url}server-status`]] : [],
    files: addHandlers.length
      ? [
          {
            path: join(core.paths.serverRoot, 'resource.wsgi'),
            template: 'handlers-resource.wsgi',
            mode: 0o644,
          },
        ]
      : [],
    warnings,
    addHandlers,
    addHandlerPattern: addHandlers.length ? extensionPattern(addHandlers.map(([ext]) => ext)) : undefined,
    resourceScript: join(core.paths.serverRoot, 'resource.wsgi'),
    handlerReloading: core.app ? core.app.reloading : true,
    cgi,
    errorDocuments,
    errorOverride: opts.errorOverride,
    rewriteRules,
    allowOverride,
    protectAccessFiles: allowOverride !== 'None',
    enableSendfile: opts.enableSendfile,
    mapHeadToGet: mapHeadToGet === 'Auto' ? undefined : mapHeadToGet,
    ignoreActivity,
    serverStatus: opts.serverStatus,
    wsgiInfo:
      core.mode === 'daemon' &&
      !/\bwsgi:/.test(core.log.level) &&
      /^(emerg|alert|crit|error|warn|notice)\b/.test(core.log.level),
    statusClientChecks: opts.serverStatus ? statusClientChecks(opts.trustProxyHeader) : [],
    serverMetrics: opts.serverMetrics,
    extendedStatus: opts.serverStatus || opts.serverMetrics,
  };
}
