/** The options of feature 'services' (resolve.ts says what they mean): data and small pure checks. */
import { flag, float, int, LIMITS, list, pairs, str } from '../../options/define.js';

const GROUP = 'Services and debugging';
const TELEMETRY = { minModWsgi: '6.0.0' } as const;
const DIRECTORY = { metavar: 'DIRECTORY' } as const;

export const OPTIONS = [
  pairs(
    'service-script',
    GROUP,
    'Run a Python script in a daemon process of its own that serves no requests (repeatable).',
    { metavar: 'NAME SCRIPT-PATH' },
  ),
  pairs(
    'service-user',
    GROUP,
    'Account the named service script runs as, when started as root (repeatable).',
    { metavar: 'NAME USERNAME', defaultText: 'the --user account' },
  ),
  pairs(
    'service-group',
    GROUP,
    'Group the named service script runs as, when started as root (repeatable).',
    { metavar: 'NAME GROUP', defaultText: 'the --group group' },
  ),
  pairs(
    'service-log-file',
    GROUP,
    'Error log of the named service script, in the log directory unless absolute (repeatable).',
    { metavar: 'NAME FILE-NAME', defaultText: 'the main error log' },
  ),
  str('telemetry-service', GROUP, 'Send mod_wsgi telemetry to an ingester listening on a UNIX socket.', {
    metavar: 'unix:SOCKET-PATH',
    ...TELEMETRY,
  }),
  flag(
    'enable-telemetry',
    GROUP,
    'Run the mod_wsgi-telemetry ingester and its web UI as a service script and report to it.',
    TELEMETRY,
  ),
  int('telemetry-ui-port', GROUP, 'Port of the telemetry web UI (on 127.0.0.1) with --enable-telemetry.', {
    metavar: 'PORT',
    default: 8888,
    min: 1,
    max: 65535,
    ...TELEMETRY,
  }),
  float('telemetry-interval', GROUP, 'Seconds between telemetry reports.', {
    metavar: 'SECONDS',
    default: 1,
    defaultText: '1.0',
    min: 0.5,
    max: LIMITS.INT_MAX,
    ...TELEMETRY,
  }),
  float('slow-requests', GROUP, 'Report requests still running after this many seconds to the telemetry.', {
    metavar: 'SECONDS',
    min: 0,
    max: LIMITS.INT_MAX,
    ...TELEMETRY,
  }),
  list(
    'telemetry-options',
    GROUP,
    'Telemetry capture flags, as WSGITelemetryOptions takes them (e.g. +CaptureUserAgent; repeatable).',
    { metavar: 'FLAGS', check: telemetryFlags, ...TELEMETRY },
  ),
  flag('enable-docs', 'Static files and URLs', "Serve express-wsgi's documentation at /__wsgi__/docs."),
  flag(
    'debug-mode',
    GROUP,
    'Run Apache as a single process with one thread and the application inside it, for debugging.',
  ),
  flag(
    'enable-debugger',
    GROUP,
    'Enter pdb on the terminal when the application raises an exception (implies --debug-mode).',
  ),
  flag(
    'debugger-startup',
    GROUP,
    'Enter pdb as soon as the application is loaded (needs --enable-debugger).',
  ),
  flag(
    'enable-coverage',
    GROUP,
    'Measure code coverage; an HTML report is written on stop (implies --debug-mode).',
  ),
  str('coverage-directory', GROUP, 'Where the coverage report goes.', {
    ...DIRECTORY,
    defaultText: '<server-root>/htmlcov',
  }),
  flag(
    'enable-profiler',
    GROUP,
    'Profile requests with cProfile; a .pstats file is written on stop (implies --debug-mode).',
  ),
  str('profiler-directory', GROUP, 'Where the .pstats files go.', {
    ...DIRECTORY,
    defaultText: '<server-root>/pstats',
  }),
  flag(
    'enable-recorder',
    GROUP,
    'Save each request and response (headers, body, exceptions) to files (implies --debug-mode).',
  ),
  str('recorder-directory', GROUP, 'Where the recorded requests go.', {
    ...DIRECTORY,
    defaultText: '<server-root>/archive',
  }),
  flag('enable-gdb', GROUP, 'Run Apache under gdb (implies --debug-mode).'),
  str('gdb-executable', GROUP, 'The gdb to run with --enable-gdb.', {
    metavar: 'FILE-PATH',
    default: 'gdb',
  }),
  flag('with-php5', 'Application', 'Serve .php files with mod_php5 (not supported).', {
    hidden: true,
    refused:
      'PHP 5 and mod_php5 are gone from every supported distribution; run PHP in its own server (php-fpm) and proxy to it.',
  }),
] as const;

const TELEMETRY_FLAGS = ['CaptureUserAgent'];

/** The check of one --telemetry-options value: flags as WSGITelemetryOptions accepts them. */
function telemetryFlags(value: string): string | undefined {
  const tokens = value.trim().split(/\s+/).filter(Boolean);
  const valid = `flags such as +CaptureUserAgent, -CaptureUserAgent, None or All (known flags: ${TELEMETRY_FLAGS.join(', ')})`;
  if (!tokens.length) {
    return valid;
  }
  let incremental = false;
  let absolute = false;
  for (const token of tokens) {
    const m = /^([+-]?)([A-Za-z]+)$/.exec(token);
    if (!m) {
      return valid;
    }
    const [, sign, name] = m as unknown as [string, string, string];
    const known = [...TELEMETRY_FLAGS, 'None', 'All'].some((f) => f.toLowerCase() === name.toLowerCase());
    if (!known) {
      return valid;
    }
    if (sign && /^(none|all)$/i.test(name)) {
      return `${valid}; None and All take no + or -`;
    }
    incremental ||= sign !== '';
    absolute ||= sign === '';
  }
  return incremental && absolute ? `${valid}, not +/- flags mixed with plain ones in one value` : undefined;
}
