/** The options of feature 'handlers' (resolve.ts says what they mean): data and small pure checks. */
import { flag, list, pairs, str } from '../../options/define.js';

const urlPath = (v: string) => (/^\/[A-Za-z0-9._~@%/-]*$/.test(v) ? undefined : 'a URL path such as /health');

const HEAD_MODES = ['Off', 'On', 'Auto'] as const;
export const headMode = (v: string) => HEAD_MODES.find((m) => m.toLowerCase() === v.toLowerCase());

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
export function overrideWord(v: string): string | undefined {
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
