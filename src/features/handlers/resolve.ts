/**
 * Feature 'handlers': what Apache does with requests besides the application — Python handlers and
 * CGI for document-root files, error documents, rewrite rules, .htaccess overrides, MIME types,
 * sendfile, HEAD mapping, activity and server status/metrics.
 *
 * --mime-types picks the TypesConfig file (resolve() lifts it to ServerConfig.mimeTypes, which
 * httpd.conf.hbs prints). --rewrite-rules and --allow-override are printed by httpd.conf.hbs from this
 * feature's result, since they replace values in the core's <Directory> blocks.
 */
import { join } from 'node:path';

import type { FeatureInput } from '../../config.js';
import { badValue } from '../../errors.js';
import { existingFile } from '../../resolve/files.js';
import { headMode, overrideWord } from './options.js';
import type { HandlersConfig } from './types.js';

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
    out.push([ext, existingFile(ctx, 'add-handler', script)]);
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
    ? existingFile(ctx, 'rewrite-rules', opts.rewriteRules)
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
    mimeTypes: opts.mimeTypes ? existingFile(ctx, 'mime-types', opts.mimeTypes) : ctx.host.mimeTypesFile(),
  };
}
