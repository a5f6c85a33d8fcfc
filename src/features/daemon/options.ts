/** The options of feature 'daemon' (resolve.ts says what they mean): data only. */
import { float, int, LIMITS } from '../../options/define.js';

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
