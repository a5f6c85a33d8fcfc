/**
 * Feature 'daemon': tuning of the mod_wsgi daemon processes (recycling, timeouts, socket buffers,
 * backlogs) and of the Apache MPM pool (initial and spare workers as fractions of its capacity).
 *
 * Where the values go:
 * - connect-, startup-, deadlock- and graceful-timeout and the daemon backlog are always on the
 *   WSGIDaemonProcess line; every other daemon option only when it is not its default (null).
 *   resolve() merges `process` into ServerConfig.daemon; templates/httpd.conf.hbs prints the line.
 * - The three worker fractions feed the MPM formulas in src/resolve/capacity.ts (the core passes them).
 * - The server backlog is `ListenBacklog` (the core template prints `serverBacklog`).
 *
 * Debian's mod_wsgi 4.9.4 accepts every WSGIDaemonProcess option used here except
 * interrupt-timeout and response-flush-delay, which came with mod_wsgi 6.0.
 */
import type { FeatureInput } from '../../config.js';
import { badValue } from '../../errors.js';
import { camel, type Spec } from '../../options/define.js';
import { OPTIONS } from './options.js';
import type { DaemonResult, DaemonTuning } from './types.js';

type Opts = FeatureInput['opts'];
type Optional = Exclude<
  keyof DaemonTuning,
  'connectTimeout' | 'startupTimeout' | 'deadlockTimeout' | 'gracefulTimeout' | 'listenBacklog'
>;

/** The options added to WSGIDaemonProcess when not at their default, in the order they are written. */
const OPTIONAL: readonly (readonly [string, Optional])[] = [
  ['restart-interval', 'restartInterval'],
  ['inactivity-timeout', 'inactivityTimeout'],
  ['cpu-time-limit', 'cpuTimeLimit'],
  ['eviction-timeout', 'evictionTimeout'],
  ['interrupt-timeout', 'interruptTimeout'],
  ['response-socket-timeout', 'responseSocketTimeout'],
  ['response-flush-delay', 'responseFlushDelay'],
  ['send-buffer-size', 'sendBufferSize'],
  ['receive-buffer-size', 'receiveBufferSize'],
  ['header-buffer-size', 'headerBufferSize'],
  ['response-buffer-size', 'responseBufferSize'],
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

  const process: DaemonTuning | undefined =
    core.mode === 'daemon'
      ? {
          connectTimeout: opts.connectTimeout,
          startupTimeout: opts.startupTimeout,
          deadlockTimeout: opts.deadlockTimeout,
          gracefulTimeout: opts.gracefulTimeout,
          // Room for every Apache thread: a full backlog makes mod_wsgi retry connecting with
          // growing sleeps, which turned into multi-second waits at 256 connections.
          listenBacklog: opts.daemonBacklog ?? Math.max(100, core.mpm.maxClients),
          ...(Object.fromEntries(
            OPTIONAL.map(([name, field]) => {
              const value = valueOf(opts, name) as number;
              return [field, value === defaultOf(name) ? null : value];
            }),
          ) as Record<Optional, number | null>),
        }
      : undefined;

  return { serverBacklog: opts.serverBacklog, process, warnings };
}
