/**
 * Feature 'compat': what an Apache snippet written for mod_wsgi-express may rely on, so that
 * --include-file and rewrite.conf files move over unchanged.
 *
 * - The modules mod_wsgi-express always loads (mod_env for SetEnv, mod_headers for Header,
 *   mod_access_compat for Order/Allow, mod_filter, mod_authn_core for AuthType, …).
 * - The variables its apachectl exports, which snippets use as ${NAME} (LoadModule x
 *   ${MOD_WSGI_MODULES_DIRECTORY}/mod_x.so), and the -D names its features switch on, which snippets
 *   test with <IfDefine>. Both are given as `Define` at the top of httpd.conf rather than on the httpd
 *   command line, so that httpd.conf keeps working on its own (`httpd -f httpd.conf`), and the same
 *   variables reach the application's os.environ as they would under mod_wsgi-express.
 *
 * No options: it follows the others. ONE_PROCESS is not among the defines here: to Apache it means
 * "serve from one process", and debug mode (features/services/) defines it only when it means it.
 */
import type { FeatureInput, Options } from '../../config.js';
import type { CompatResult } from './types.js';

/** mod_wsgi-express 6.0.5 loads these whatever the options (apache.py in its source). */
const ALWAYS_LOADED = [
  'access_compat',
  'unixd',
  'authn_core',
  'authz_core',
  'authz_host',
  'mime',
  'rewrite',
  'alias',
  'dir',
  'env',
  'headers',
  'filter',
  'reqtimeout',
] as const;

const MPMS = ['event', 'worker', 'prefork'] as const;

/** An option that is in use: set, not false, not empty, not zero. */
const inUse = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.length > 0
    : value !== undefined && value !== false && value !== '' && value !== 0;

/** mod_wsgi-express's rule for each -D name (server.py), in its order, from our options. */
function featureDefines(opts: Options): string[] {
  const https =
    inUse(opts.httpsPort) &&
    (inUse(opts.sslCertificate) || (inUse(opts.sslCertificateFile) && inUse(opts.sslCertificateKeyFile)));
  const rules: [string, boolean][] = [
    ['ORPHAN_INTERPRETER', inUse(opts.orphanInterpreter)],
    ['EMBEDDED_MODE', inUse(opts.embeddedMode)],
    ['MOD_WSGI_VIRTUAL_HOST', inUse(opts.serverName)],
    ['MOD_WSGI_REDIRECT_WWW', typeof opts.serverName === 'string' && /^www\./i.test(opts.serverName)],
    ['MOD_WSGI_WITH_HTTP2', inUse(opts.http2)],
    ['MOD_WSGI_WITH_HTTPS', https],
    ['MOD_WSGI_VERIFY_CLIENT', inUse(opts.sslCaCertificateFile)],
    ['MOD_WSGI_CERTIFICATE_CHAIN', inUse(opts.sslCertificateChainFile)],
    ['MOD_WSGI_SSL_ENVIRONMENT', inUse(opts.sslEnvironment)],
    ['MOD_WSGI_HTTPS_ONLY', inUse(opts.httpsOnly)],
    ['MOD_WSGI_HSTS_POLICY', inUse(opts.hstsPolicy)],
    ['MOD_WSGI_SERVER_ALIAS', inUse(opts.serverAlias)],
    ['MOD_WSGI_ALLOW_LOCALHOST', inUse(opts.allowLocalhost)],
    ['MOD_WSGI_STATIC_ONLY', opts.applicationType === 'static'],
    ['MOD_WSGI_ENABLE_SENDFILE', inUse(opts.enableSendfile)],
    ['MOD_WSGI_SERVER_METRICS', inUse(opts.serverMetrics) || inUse(opts.serverStatus)],
    ['MOD_WSGI_SERVER_STATUS', inUse(opts.serverStatus)],
    ['MOD_WSGI_TELEMETRY_SERVICE', inUse(opts.telemetryService)],
    ['MOD_WSGI_SLOW_REQUESTS', inUse(opts.slowRequests)],
    ['MOD_WSGI_SWITCH_INTERVAL', inUse(opts.switchInterval)],
    ['MOD_WSGI_FREE_THREADING', inUse(opts.freeThreading)],
    ['MOD_WSGI_TELEMETRY_OPTIONS', inUse(opts.telemetryOptions)],
    ['MOD_WSGI_DIRECTORY_INDEX', inUse(opts.directoryIndex)],
    ['MOD_WSGI_DIRECTORY_LISTING', inUse(opts.directoryListing)],
    ['MOD_WSGI_ERROR_LOG_FORMAT', inUse(opts.errorLogFormat)],
    ['MOD_WSGI_ACCESS_LOG', inUse(opts.accessLog)],
    ['MOD_WSGI_ROTATE_LOGS', inUse(opts.rotateLogs)],
    ['MOD_WSGI_KEEP_ALIVE', inUse(opts.keepAliveTimeout)],
    ['MOD_WSGI_COMPRESS_RESPONSES', inUse(opts.compressResponses)],
    ['MOD_WSGI_MULTIPROCESS', opts.processes !== undefined],
    ['MOD_WSGI_WITH_LISTENER_HOST', inUse(opts.host)],
    ['MOD_WSGI_ERROR_OVERRIDE', inUse(opts.errorOverride)],
    ['MOD_WSGI_HOST_ACCESS', inUse(opts.hostAccessScript)],
    ['MOD_WSGI_AUTH_USER', inUse(opts.authUserScript)],
    ['MOD_WSGI_AUTH_GROUP', inUse(opts.authGroupScript)],
    ['MOD_WSGI_CHUNKED_REQUEST', inUse(opts.chunkedRequest)],
    ['MOD_WSGI_WITH_PHP5', inUse(opts.withPhp5)],
    ['MOD_WSGI_WITH_PROXY', inUse(opts.proxyMountPoint) || inUse(opts.proxyVirtualHost)],
    ['MOD_WSGI_WITH_PROXY_HEADERS', inUse(opts.trustProxyHeader)],
    ['MOD_WSGI_WITH_TRUSTED_PROXIES', inUse(opts.trustProxy)],
    ['MOD_WSGI_WITH_PYTHON_PATH', inUse(opts.pythonPath)],
    ['MOD_WSGI_WITH_SOCKET_PREFIX', inUse(opts.socketPrefix)],
    ['MOD_WSGI_DISABLE_RELOADING', inUse(opts.disableReloading)],
  ];
  return rules.filter(([, on]) => on).map(([name]) => name);
}

export function resolve({ opts, discovery, core }: FeatureInput): CompatResult {
  const variables: [string, string][] = [
    ['MOD_WSGI_MODULES_DIRECTORY', discovery.modulesDirectory],
    ['MOD_WSGI_SERVER_ROOT', core.paths.serverRoot],
    ['MOD_WSGI_LISTENER_HOST', opts.host ?? 'localhost'],
    ['MOD_WSGI_HTTP_PORT', String(core.port)],
    // mod_wsgi-express writes the word None when there is no HTTPS port; a snippet that uses the
    // variable then fails at start-up here, naming it, instead of listening on "None".
    ...(opts.httpsPort !== undefined
      ? [['MOD_WSGI_HTTPS_PORT', String(opts.httpsPort)] as [string, string]]
      : []),
    ['MOD_WSGI_USER', core.user.name],
    ['MOD_WSGI_GROUP', core.group.name],
    ['MOD_WSGI_WORKING_DIRECTORY', core.workingDirectory],
  ];
  const defines = [
    ...featureDefines(opts),
    ...(core.importAtStart ? ['MOD_WSGI_IMPORT_HANDLER_SCRIPT'] : []),
    ...(opts.withCgi
      ? [discovery.modules.has('mod_cgid.so') ? 'MOD_WSGI_CGID_SCRIPT' : 'MOD_WSGI_CGI_SCRIPT']
      : []),
    `MOD_WSGI_MPM_ENABLE_${core.mpm.mpm.toUpperCase()}_MODULE`,
    ...MPMS.filter((m) => discovery.modules.has(`mod_mpm_${m}.so`)).map(
      (m) => `MOD_WSGI_MPM_EXISTS_${m.toUpperCase()}_MODULE`,
    ),
  ];
  return {
    modules: ALWAYS_LOADED.filter((m) => discovery.modules.has(`mod_${m}.so`)),
    variables,
    defines,
  };
}
