/**
 * Every option that start-server and setup-server accept, declared once. Names, argument shapes
 * and defaults follow mod_wsgi-express 6.0.5 so that its command lines paste in unchanged.
 */
import { ipFamily } from './address.js';
import { FEATURE_OPTIONS } from './features.js';
import { APACHE_LIMITS, flag, float, int, LIMITS, list, type OptionsOf, pairs, str } from './define.js';
import { accessLogFormatCheck, errorLogFormatCheck } from './log-format.js';
import { REMOVED_OPTIONS } from './removed.js';

const LOG_LEVEL = /^(emerg|alert|crit|error|warn|notice|info|debug|trace[1-8])$/;
const urlPath = (v: string) => (/^\/[A-Za-z0-9._~@/-]*$/.test(v) ? undefined : 'a URL path such as /app');
// An address to listen on: Apache resolves a name at start-up and fails there if it cannot, so
// only literal addresses (and localhost, which always resolves) are accepted.
const hostName = (v: string) =>
  v === 'localhost' || ipFamily(v.replace(/^\[(.*)\]$/, '$1')) !== 0
    ? undefined
    : 'an IP address such as 127.0.0.1 or ::1, or localhost';
const logLevel = (v: string) =>
  v.split(/\s+/).every((w) => LOG_LEVEL.test(w.replace(/^[a-z_0-9]+:/, '')))
    ? undefined
    : 'a level (emerg, alert, crit, error, warn, notice, info, debug, trace1-8), optionally with module:level words';
const identifier = (v: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'a Python identifier such as application';
const accountName = (v: string) =>
  /^(#\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?)$/.test(v) ? undefined : 'an account name or #number';

const { INT_MAX } = LIMITS;
// Seconds end up in mod_wsgi (atoi) and Apache (apr_interval_time_t) directives: INT_MAX fits both.
const SECONDS = { metavar: 'SECONDS', min: 0, max: INT_MAX } as const;

export const SCHEMA = [
  // Application
  str('application-type', 'Application', 'How the entry point is loaded.', {
    metavar: 'TYPE',
    default: 'script',
    choices: ['script', 'module', 'paste', 'static'],
  }),
  str('entry-point', 'Application', 'The WSGI script file, module name, paste .ini or static directory.', {
    metavar: 'FILE-PATH|MODULE',
    defaultText: 'the APP argument, else the built-in welcome app',
  }),
  str('callable-object', 'Application', 'Name of the WSGI callable in the entry point (Flask: app).', {
    metavar: 'NAME',
    default: 'application',
    check: identifier,
  }),
  str('mount-point', 'Application', 'URL path under which the application is mounted.', {
    metavar: 'URL-PATH',
    default: '/',
    check: (v) => urlPath(v.startsWith('/') ? v : `/${v}`),
  }),

  // Server
  str('host', 'Server', 'Interface to listen on.', {
    metavar: 'IP-ADDRESS',
    defaultText: 'all interfaces',
    check: hostName,
  }),
  int('port', 'Server', 'Port to listen on.', { metavar: 'NUMBER', default: 8000, min: 1, max: 65535 }),
  str('server-root', 'Server', 'Directory for the generated configuration, logs and sockets.', {
    metavar: 'DIRECTORY',
    defaultText: '$TMPDIR/express-wsgi-HOST:PORT:UID',
  }),
  str('user', 'Server', 'Account the Apache children and daemon processes run as when started as root.', {
    metavar: 'USERNAME',
    defaultText: 'the current user; www-data (or nobody) when run as root',
    check: accountName,
  }),
  str(
    'group',
    'Server',
    'Group the Apache children and daemon processes run as when started as root; never root (gid 0), as --user is never root.',
    {
      metavar: 'GROUP',
      defaultText: "the user's primary group",
      check: accountName,
    },
  ),
  list('server-mpm', 'Server', 'Allowed Apache MPMs in order of preference (repeatable).', {
    metavar: 'NAME',
    choices: ['event', 'worker', 'prefork'],
    defaultText: 'event, then worker, then prefork (embedded mode: worker, then prefork)',
  }),
  flag('setup-only', 'Server', 'Write the server root and stop; run it later with <server-root>/apachectl.'),

  // Processes and capacity
  flag('embedded-mode', 'Processes and capacity', 'Run the application inside the Apache worker processes.'),
  int(
    'processes',
    'Processes and capacity',
    'Number of daemon processes (Apache children in embedded mode).',
    {
      metavar: 'NUMBER',
      min: 1,
      // In embedded mode Apache's ServerLimit is twice the processes, and 20000 is its maximum.
      max: APACHE_LIMITS.serverLimit.worker / 2,
      defaultText: '1; in embedded mode one per CPU, at most 8 (not with prefork)',
    },
  ),
  int('threads', 'Processes and capacity', 'Threads per process.', {
    metavar: 'NUMBER',
    min: 1,
    max: APACHE_LIMITS.daemonThreads,
    defaultText:
      '5; in embedded mode 320 over the processes, at least 25 each (an Apache thread holds a kept-alive connection; 5 with prefork)',
  }),
  int('max-clients', 'Processes and capacity', 'Concurrent connections Apache accepts (daemon mode).', {
    metavar: 'NUMBER',
    min: 1,
    // prefork gives each connection a process: ServerLimit is this, and 200000 is its maximum.
    max: APACHE_LIMITS.serverLimit.prefork,
    defaultText:
      'max(320, 10 + 1.5 x processes x threads); 10 + max(10, 1.5 x processes x threads) with prefork',
  }),
  int(
    'maximum-requests',
    'Processes and capacity',
    'Recycle a process after this many requests (0: never).',
    {
      metavar: 'NUMBER',
      default: 0,
      min: 0,
      max: INT_MAX,
    },
  ),

  // Python
  str('working-directory', 'Python', 'Working directory of the application; first on its module path.', {
    metavar: 'DIRECTORY',
    defaultText: 'the current directory',
  }),
  list('python-path', 'Python', 'Extra directory for the module search path (repeatable).', {
    metavar: 'DIRECTORY',
  }),
  str(
    'python-home',
    'Python',
    "A virtual environment made with mod_wsgi's Python, to import packages from; a mod_wsgi pip-installed in it is the module loaded.",
    {
      metavar: 'DIRECTORY',
    },
  ),
  flag('reload-on-changes', 'Python', 'Restart the application when any Python module it loaded changes.'),
  flag('disable-reloading', 'Python', 'Do not restart the application when the entry-point file changes.'),
  str('locale', 'Python', 'Locale of the application processes.', {
    metavar: 'NAME',
    defaultText: 'the current locale, or C.UTF-8 in place of C/POSIX',
    check: (v) => (/^[A-Za-z0-9_.@-]+$/.test(v) ? undefined : 'a locale name such as C.UTF-8'),
  }),

  // Static files and URLs
  str('document-root', 'Static files and URLs', 'Directory of static files; files there win over the app.', {
    metavar: 'DIRECTORY',
    defaultText: '<server-root>/htdocs',
  }),
  str('directory-index', 'Static files and URLs', 'File served for a request to a directory.', {
    metavar: 'FILE-NAME',
    check: (v) => (/^[^/]+$/.test(v) ? undefined : 'a file name without a slash, such as index.html'),
  }),
  flag('directory-listing', 'Static files and URLs', 'List the files of directories that have no index.'),
  pairs('url-alias', 'Static files and URLs', 'Serve a file or directory at a URL path (repeatable).', {
    metavar: 'URL-PATH FILE-PATH',
  }),
  flag('compress-responses', 'Static files and URLs', 'Gzip text, HTML, CSS, JavaScript and JSON responses.'),

  // Logging
  flag('log-to-terminal', 'Logging', 'Send the error log to stderr and the access log to stdout.'),
  flag('access-log', 'Logging', 'Write an access log.'),
  str(
    'access-log-format',
    'Logging',
    'common, combined, or an Apache LogFormat string; in it %{EXPRESS_WSGI_GENERATION}e is the Apache generation that served the request (1, then one more for each restart: SIGHUP or SIGUSR1 to start-server, apachectl restart or graceful), also in the WSGI environ.',
    {
      metavar: 'FORMAT',
      default: 'common',
      check: accessLogFormatCheck,
    },
  ),
  str('error-log-format', 'Logging', 'An Apache ErrorLogFormat string.', {
    metavar: 'FORMAT',
    check: errorLogFormatCheck,
  }),
  str('log-level', 'Logging', 'Apache LogLevel, e.g. info or "warn rewrite:trace3".', {
    metavar: 'LEVEL',
    default: 'warn',
    check: logLevel,
  }),
  str('log-directory', 'Logging', 'Directory for the log files, instead of the server root.', {
    metavar: 'DIRECTORY',
    defaultText: 'the server root',
  }),
  flag('startup-log', 'Logging', 'Write what Apache says while starting up to a startup log.'),

  // Timeouts and limits
  int('header-timeout', 'Timeouts and limits', 'Seconds to receive the request headers (0: no limit).', {
    ...SECONDS,
    default: 15,
  }),
  int('header-max-timeout', 'Timeouts and limits', 'Upper bound for the header timeout as data arrives.', {
    ...SECONDS,
    default: 30,
  }),
  int('header-min-rate', 'Timeouts and limits', 'Bytes per second that extend the header timeout.', {
    metavar: 'BYTES',
    default: 500,
    min: 0,
    max: INT_MAX,
  }),
  int('body-timeout', 'Timeouts and limits', 'Seconds to receive the request body (0: no limit).', {
    ...SECONDS,
    default: 15,
  }),
  int('body-max-timeout', 'Timeouts and limits', 'Upper bound for the body timeout (0: none).', {
    ...SECONDS,
    default: 0,
  }),
  int('body-min-rate', 'Timeouts and limits', 'Bytes per second that extend the body timeout.', {
    metavar: 'BYTES',
    default: 500,
    min: 0,
    max: INT_MAX,
  }),
  int('request-timeout', 'Timeouts and limits', 'Restart a daemon process whose requests run this long.', {
    ...SECONDS,
    default: 60,
  }),
  int('socket-timeout', 'Timeouts and limits', 'Seconds to wait on a socket read or write.', {
    ...SECONDS,
    default: 60,
    min: 1,
  }),
  int('queue-timeout', 'Timeouts and limits', 'Fail a request that waited this long for a daemon process.', {
    ...SECONDS,
    default: 45,
  }),
  int('shutdown-timeout', 'Timeouts and limits', 'Seconds a stopping process waits for requests in flight.', {
    ...SECONDS,
    default: 5,
  }),
  int('keep-alive-timeout', 'Timeouts and limits', 'Seconds a client connection is kept open (0: off).', {
    ...SECONDS,
    default: 2,
  }),
  int('limit-request-body', 'Timeouts and limits', 'Largest request body in bytes (0: no limit).', {
    metavar: 'BYTES',
    default: 10485760,
    min: 0,
    max: INT_MAX,
  }),
  flag('chunked-request', 'Timeouts and limits', 'Accept request bodies with chunked transfer encoding.'),

  // Environment
  str('envvars-script', 'Environment', 'Shell script sourced by apachectl before Apache starts.', {
    metavar: 'FILE-PATH',
  }),
  list(
    'include-file',
    'Environment',
    'Apache configuration file included at the end, at server scope (repeatable); snippets written for mod_wsgi-express work: the same modules, ${MOD_WSGI_*} variables and <IfDefine> names.',
    {
      metavar: 'FILE-PATH',
    },
  ),
  pairs('setenv', 'Environment', 'Set a variable in the WSGI environ of every request (repeatable).', {
    metavar: 'NAME VALUE',
  }),
  list(
    'passenv',
    'Environment',
    "Copy a variable of Apache's environment into the WSGI environ (repeatable).",
    {
      metavar: 'NAME',
      check: (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'an environment variable name'),
    },
  ),
  str(
    'socket-prefix',
    'Environment',
    'Path prefix of the daemon sockets, for when the server root is too long.',
    {
      metavar: 'PATH-PREFIX',
      aliases: ['socket-path'],
      defaultText: '<server-root>/wsgi',
    },
  ),

  // Installation
  str('httpd-executable', 'Installation', 'The Apache httpd binary (also $HTTPD).', {
    metavar: 'FILE-PATH',
    defaultText: 'apache2 or httpd on PATH or in /usr/sbin',
  }),
  str('modules-directory', 'Installation', 'Directory holding the Apache modules.', {
    metavar: 'DIRECTORY',
    defaultText: 'apxs LIBEXECDIR, else the distribution location',
  }),
  str('mod-wsgi-module', 'Installation', 'The mod_wsgi module to load (also $MOD_WSGI_MODULE).', {
    metavar: 'FILE-PATH',
    defaultText:
      "one pip-installed in --python-home, else mod_wsgi-express module-location, else the modules directory's mod_wsgi.so",
  }),
  flag(
    'graceful-stop',
    'Server',
    'On SIGTERM, let requests in flight finish (within --shutdown-timeout) before stopping.',
  ),
  str(
    'config',
    'Server',
    'A JSON file of options, e.g. {"port": 8080, "access-log": true}; flags given here win.',
    {
      metavar: 'FILE-PATH',
    },
  ),
  float('ready-timeout', 'Server', 'Seconds start-server waits for Apache to answer on its port.', {
    metavar: 'SECONDS',
    default: 30,
    min: 0.1,
    max: LIMITS.NODE_TIMER_SECONDS,
  }),
  // The rest live with the feature that uses them, in src/features/.
  ...FEATURE_OPTIONS,
  // Dropped by mod_wsgi-express: accepted only to be refused with the reason (src/options/removed.ts).
  ...REMOVED_OPTIONS,
] as const;

export type Options = OptionsOf<typeof SCHEMA> & {
  /** The positional APP argument, before --entry-point is applied. */
  readonly app?: string;
  /** Where each option came from, so later complaints can name an EXPRESS_WSGI_* variable or file. */
  readonly sources?: {
    readonly of: Readonly<Record<string, 'argv' | 'env' | 'file' | undefined>>;
    readonly configPath?: string;
  };
};
