/** The options of feature 'logs' (resolve.ts says what they mean): data and small pure checks. */
import { flag, float, int, LIMITS, list, str } from '../../options/define.js';

const fileName = (v: string) =>
  /^[^/]+$/.test(v) && v !== '.' && v !== '..'
    ? undefined
    : 'a file name without a "/" (give the directory with --log-directory)';

/** Daemon process group names: they appear in ps as (wsgi:NAME) and in `pkill -f wsgi:NAME`. */
// A %{...} process group is expanded per request to a daemon group that must exist; express-wsgi
// defines exactly one, named by this option, so every request would get 500 (as under mod_wsgi-express).
const groupName = (v: string) =>
  /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]*$/.test(v)
    ? undefined
    : v === '%{GLOBAL}'
      ? 'a fixed name of letters, digits and _ . : @ + - (to run the application in the Apache processes themselves, use --embedded-mode)'
      : v.startsWith('%{')
        ? 'a fixed name of letters, digits and _ . : @ + - (a %{...} form would name a different daemon group per request, and only this one exists, so every request would fail)'
        : 'a name of letters, digits and _ . : @ + - (not starting with a punctuation mark)';

/** What mod_wsgi expands in application-group=; anything else is taken literally. */
const EXPANDED_GROUP = /^%\{(GLOBAL|RESOURCE|SERVER|HOST|ENV:[A-Za-z_][A-Za-z0-9_]*)\}$/;
const applicationGroup = (v: string) =>
  EXPANDED_GROUP.test(v) || /^[A-Za-z0-9_][A-Za-z0-9_.:@|/+-]*$/.test(v)
    ? undefined
    : 'a name such as myapp (letters, digits and _ . : @ | / + -), or one of %{GLOBAL}, %{RESOURCE}, %{SERVER}, %{HOST}, %{ENV:VARIABLE}';

const WARNING_ACTIONS = ['default', 'always', 'ignore', 'module', 'once', 'error'];
/** Python's -W syntax, action:message:category:module:lineno, with the action possibly abbreviated. */
const warningSpec = (v: string) => {
  const [action = '', , , , lineno, ...extra] = v.split(':');
  const ok =
    action !== '' &&
    WARNING_ACTIONS.some((a) => a.startsWith(action)) &&
    (lineno === undefined || /^\d*$/.test(lineno)) &&
    extra.length === 0;
  return ok
    ? undefined
    : `a Python -W filter, action[:message[:category[:module[:lineno]]]], with action one of ${WARNING_ACTIONS.join(', ')}`;
};

const locale = (v: string) => (/^[A-Za-z0-9_.@-]+$/.test(v) ? undefined : 'a locale name such as C.UTF-8');

// rotatelogs reads its size argument into a C int of bytes: 2047 MB is the most it takes.
const MAX_LOG_SIZE = 2047;

export const OPTIONS = [
  // Log files.
  str('error-log-name', 'Logging', 'File name of the error log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'error_log',
    check: fileName,
  }),
  str('access-log-name', 'Logging', 'File name of the access log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'access_log',
    check: fileName,
  }),
  str('startup-log-name', 'Logging', 'File name of the startup log in the log directory.', {
    metavar: 'FILE-NAME',
    default: 'startup_log',
    check: fileName,
  }),
  flag(
    'rotate-logs',
    'Logging',
    'Rotate the error and access logs with rotatelogs into NAME.<UTC time> files; NAME stays linked to the newest.',
  ),
  int('max-log-size', 'Logging', 'Size in megabytes at which --rotate-logs starts a new file.', {
    metavar: 'MB',
    default: 5,
    min: 1,
    max: MAX_LOG_SIZE,
  }),
  str('rotatelogs-executable', 'Installation', "The rotatelogs program of Apache's utilities.", {
    metavar: 'FILE-PATH',
    defaultText: 'rotatelogs on PATH, beside httpd, in /usr/sbin or /usr/bin',
  }),
  flag(
    'verbose-debugging',
    'Logging',
    "Legacy: mod_wsgi's WSGIVerboseDebugging (ignored, with a warning, where the module lacks it).",
    { hidden: true },
  ),

  // Processes.
  str('pid-file', 'Server', "File in which Apache records its parent process's PID.", {
    metavar: 'FILE-PATH',
    defaultText: '<server-root>/httpd.pid',
  }),
  str('process-name', 'Server', 'Name the Apache processes show in ps (their argv[0]).', {
    metavar: 'NAME',
    defaultText: 'the httpd path (padded so that daemon names show in full)',
    check: (v) =>
      v !== '' && ![...v].some((c) => c < ' ' || c === '\x7f')
        ? undefined
        : 'a non-empty name without control characters',
  }),
  str(
    'process-group',
    'Processes and capacity',
    'Name of the mod_wsgi daemon process group; ps shows (wsgi:NAME).',
    {
      metavar: 'NAME',
      defaultText: 'HOST:PORT, shown as (wsgi:HOST:PORT:UID)',
      check: groupName,
    },
  ),
  str(
    'shell-executable',
    'Installation',
    'The POSIX shell that runs the generated apachectl (its #! line).',
    {
      metavar: 'FILE-PATH',
      defaultText: '/bin/sh',
    },
  ),

  // The Python interpreter.
  str(
    'application-group',
    'Python',
    'Python sub-interpreter the application runs in; %{GLOBAL} is the main interpreter, %{HOST} one per host name, %{SERVER} one per virtual host, %{RESOURCE} one per host and URL, %{ENV:NAME} named by a variable.',
    { metavar: 'NAME', default: '%{GLOBAL}', check: applicationGroup },
  ),
  flag(
    'orphan-interpreter',
    'Python',
    'Skip destroying the Python interpreter when a process stops (for apps whose threads hang the shutdown).',
  ),
  str('python-eggs', 'Python', 'Directory for the Python egg cache (PYTHON_EGG_CACHE); created if missing.', {
    metavar: 'DIRECTORY',
    defaultText: "Python's own (~/.cache/Python-Eggs of the account the app runs as)",
  }),
  list('python-warnings', 'Python', 'A Python warnings filter, as for python -W (repeatable).', {
    metavar: 'FILTER',
    check: warningSpec,
  }),
  float('switch-interval', 'Python', "Seconds between the Python interpreter's thread switches.", {
    metavar: 'SECONDS',
    defaultText: "Python's own (0.005)",
    // mod_wsgi refuses 0 or less; at most LIMITS.DECIMALS places, so the smallest is one microsecond.
    min: 0.000001,
    max: LIMITS.INT_MAX,
    minModWsgi: '6.0.0',
  }),
  flag('free-threading', 'Python', 'Run without the GIL (needs a free-threaded Python build).', {
    minModWsgi: '6.0.0',
  }),
  str('lang', 'Python', 'Deprecated spelling of --locale (which wins when both are given).', {
    hidden: true,
    metavar: 'NAME',
    check: locale,
  }),
] as const;
