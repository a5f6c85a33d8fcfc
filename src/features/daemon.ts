/**
 * Feature 'daemon': tuning of the mod_wsgi daemon processes (recycling, timeouts, socket buffers,
 * backlogs) and of the Apache MPM pool (initial and spare workers as fractions of its capacity).
 *
 * Where the values go:
 * - connect-, startup-, deadlock- and graceful-timeout and the daemon backlog are always on the
 *   WSGIDaemonProcess line, at the places the core resolver has always put them (it reads them
 *   from these options); every other daemon option is added here only when it is not its default.
 * - The three worker fractions feed the MPM formulas in src/capacity.ts (the core passes them).
 * - The server backlog is `ListenBacklog` (the core template prints `serverBacklog`).
 *
 * Debian's mod_wsgi 4.9.4 accepts every WSGIDaemonProcess option used here except
 * interrupt-timeout and response-flush-delay, which came with mod_wsgi 6.0.
 */
import { badValue } from '../errors.js';
import { camel, float, int, LIMITS, type Spec } from '../options/define.js';
import type { FeatureInput, FeatureResult } from './types.js';

const { INT_MAX } = LIMITS; // mod_wsgi and Apache read these numbers with atoi()
const SECONDS = { metavar: 'SECONDS', min: 0, max: INT_MAX } as const;
const BYTES = { metavar: 'BYTES', default: 0, min: 0, max: INT_MAX } as const;
const FRACTION = {
  metavar: 'FRACTION',
  min: 0,
  max: 1,
  valid: 'a fraction of the server capacity, which needs to be within the range 0 to 1',
} as const;

export const OPTIONS = [
  // The MPM pool, as fractions of the server capacity (ignored in embedded mode: the pool is fixed).
  float(
    'initial-workers',
    'Processes and capacity',
    'Apache processes started up front, as a fraction (0 to 1) of the server capacity.',
    { ...FRACTION, defaultText: '1, all of them (worker and event MPMs); 0.05 (prefork MPM)' },
  ),
  float(
    'minimum-spare-workers',
    'Processes and capacity',
    'Idle Apache workers kept ready, as a fraction (0 to 1) of the server capacity.',
    { ...FRACTION, defaultText: 'the --initial-workers fraction' },
  ),
  float(
    'maximum-spare-workers',
    'Processes and capacity',
    'Idle Apache workers above which Apache stops some, as a fraction (0 to 1) of the server capacity.',
    { ...FRACTION, defaultText: '1 (worker and event MPMs); 0.1 (prefork MPM)' },
  ),
  int(
    'server-backlog',
    'Processes and capacity',
    "Connections the kernel queues on Apache's listening port.",
    {
      metavar: 'NUMBER',
      default: 500,
      min: 1,
      max: INT_MAX,
    },
  ),
  int(
    'daemon-backlog',
    'Processes and capacity',
    'Connections from Apache queued on the daemon socket while every daemon thread is busy.',
    {
      metavar: 'NUMBER',
      defaultText: 'the server capacity (every Apache thread), at least 100',
      min: 0,
      max: INT_MAX,
    },
  ),

  // Daemon process lifetime.
  int(
    'restart-interval',
    'Timeouts and limits',
    'Restart each daemon process after it has run this long (0: never).',
    { ...SECONDS, default: 0 },
  ),
  int(
    'inactivity-timeout',
    'Timeouts and limits',
    'Restart a daemon process after this long without requests or request/response data (0: never).',
    { ...SECONDS, default: 0 },
  ),
  int(
    'cpu-time-limit',
    'Timeouts and limits',
    'Restart a daemon process once it has used this much CPU time (0: no limit).',
    { ...SECONDS, default: 0 },
  ),
  int(
    'graceful-timeout',
    'Timeouts and limits',
    'On a restart for recycling, wait this long for requests in flight before shutting down.',
    { ...SECONDS, default: 15 },
  ),
  int(
    'eviction-timeout',
    'Timeouts and limits',
    'Like --graceful-timeout, for a restart asked for by sending SIGUSR1 to a daemon process (0: use --graceful-timeout).',
    { ...SECONDS, default: 0 },
  ),
  int(
    'startup-timeout',
    'Timeouts and limits',
    'Restart a daemon process whose application failed to load if no load succeeds within this long (0: never).',
    { ...SECONDS, default: 15 },
  ),
  int(
    'deadlock-timeout',
    'Timeouts and limits',
    'Restart a daemon process whose Python interpreter is blocked (GIL held) this long (0: never).',
    { ...SECONDS, default: 60 },
  ),
  int(
    'interrupt-timeout',
    'Timeouts and limits',
    'When --request-timeout expires, raise an exception in the request and give it this long to end (0: off; mod_wsgi 6).',
    { ...SECONDS, default: 0, minModWsgi: '6.0.0' },
  ),

  // Talking to the daemon processes.
  int(
    'connect-timeout',
    'Timeouts and limits',
    'Fail a request when Apache cannot connect to a daemon process within this long.',
    { ...SECONDS, default: 15 },
  ),
  int(
    'response-socket-timeout',
    'Timeouts and limits',
    'Fail a response that the client does not read for this long (0: --socket-timeout).',
    { ...SECONDS, default: 0 },
  ),
  int(
    'response-flush-delay',
    'Timeouts and limits',
    'Milliseconds a daemon process waits to batch small response writes before sending them (mod_wsgi 6).',
    { metavar: 'MILLISECONDS', default: 5, min: 0, max: INT_MAX, minModWsgi: '6.0.0' },
  ),
  int(
    'send-buffer-size',
    'Timeouts and limits',
    'Send buffer of the daemon sockets, 512 or more (0: the system default).',
    BYTES,
  ),
  int(
    'receive-buffer-size',
    'Timeouts and limits',
    'Receive buffer of the daemon sockets, 512 or more (0: the system default).',
    BYTES,
  ),
  int(
    'header-buffer-size',
    'Timeouts and limits',
    'Largest response header block a daemon process may send, 8192 or more (0: 32768).',
    BYTES,
  ),
  int(
    'response-buffer-size',
    'Timeouts and limits',
    'Response data Apache buffers from a daemon process, 65536 or more (0: mod_wsgi default).',
    BYTES,
  ),
] as const;

export interface DaemonResult extends FeatureResult {
  /** `ListenBacklog`: the kernel queue of Apache's listening socket. */
  readonly serverBacklog: number;
}

type Opts = FeatureInput['opts'];
type DaemonOption = readonly [string, number];

/** The options added to WSGIDaemonProcess when not at their default, in the order they are written. */
const OPTIONAL: readonly (readonly [string, (o: Opts) => number])[] = [
  ['restart-interval', (o) => o.restartInterval],
  ['inactivity-timeout', (o) => o.inactivityTimeout],
  ['cpu-time-limit', (o) => o.cpuTimeLimit],
  ['eviction-timeout', (o) => o.evictionTimeout],
  ['interrupt-timeout', (o) => o.interruptTimeout],
  ['response-socket-timeout', (o) => o.responseSocketTimeout],
  ['response-flush-delay', (o) => o.responseFlushDelay],
  ['send-buffer-size', (o) => o.sendBufferSize],
  ['receive-buffer-size', (o) => o.receiveBufferSize],
  ['header-buffer-size', (o) => o.headerBufferSize],
  ['response-buffer-size', (o) => o.responseBufferSize],
];

/** The smallest non-zero value mod_wsgi accepts for each buffer (it refuses smaller ones at start-up). */
const BUFFER_MINIMUM: Readonly<Record<string, number>> = {
  'send-buffer-size': 512,
  'receive-buffer-size': 512,
  'header-buffer-size': 8192,
  'response-buffer-size': 65536,
};

/** The options that only mean something to a daemon process. */
const DAEMON_ONLY = [
  'daemon-backlog',
  'graceful-timeout',
  'startup-timeout',
  'deadlock-timeout',
  'connect-timeout',
  ...OPTIONAL.map(([name]) => name),
];

const FRACTIONS = ['initial-workers', 'minimum-spare-workers', 'maximum-spare-workers'] as const;

const defaultOf = (name: string) => (OPTIONS as readonly Spec[]).find((s) => s.name === name)?.default;
const valueOf = (opts: Opts, name: string) =>
  (opts as unknown as Record<string, number | undefined>)[camel(name)];

export function resolve({ opts, core }: FeatureInput): DaemonResult {
  for (const name of FRACTIONS) {
    const value = valueOf(opts, name);
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw badValue(
        name,
        value,
        'a fraction of the server capacity, which needs to be within the range 0 to 1',
      );
    }
  }
  // Apache would quietly raise MaxSpare to MinSpare + 1: a pair that contradicts itself is a mistake.
  const minSpare = opts.minimumSpareWorkers;
  const maxSpare = opts.maximumSpareWorkers;
  if (minSpare !== undefined && maxSpare !== undefined && minSpare > maxSpare) {
    throw badValue(
      'maximum-spare-workers',
      maxSpare,
      `a fraction at least --minimum-spare-workers (${minSpare})`,
    );
  }
  for (const [name, minimum] of Object.entries(BUFFER_MINIMUM)) {
    const value = valueOf(opts, name) as number;
    if (value !== 0 && value < minimum) {
      throw badValue(name, value, `0 (the default) or at least ${minimum} bytes`);
    }
  }

  const warnings: string[] = [];
  const given = (name: string) => {
    const value = valueOf(opts, name);
    return value !== undefined && value !== defaultOf(name);
  };
  if (core.mode === 'embedded') {
    const fractions = FRACTIONS.filter(given);
    if (fractions.length) {
      warnings.push(
        `${fractions.map((n) => `--${n}`).join(', ')}: no effect in embedded mode, where Apache starts ` +
          'a fixed pool of processes x threads.',
      );
    }
  }
  if (core.mode !== 'daemon') {
    const ignored = DAEMON_ONLY.filter(given);
    if (ignored.length) {
      warnings.push(
        `${ignored.map((n) => `--${n}`).join(', ')}: no effect without daemon processes (${core.mode} mode).`,
      );
    }
  }

  const daemonOptions: DaemonOption[] =
    core.mode === 'daemon'
      ? OPTIONAL.map(([name, get]): DaemonOption => [name, get(opts)]).filter(
          ([name, value]) => value !== defaultOf(name),
        )
      : [];

  return { serverBacklog: opts.serverBacklog, daemonOptions, warnings };
}
