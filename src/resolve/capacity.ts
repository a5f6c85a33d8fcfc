/**
 * Apache MPM sizing. Embedded mode and prefork use mod_wsgi-express's formulas (reference §4.9).
 * Daemon mode with a threaded MPM does not: there Apache only relays requests to the daemons,
 * and measurements (docs/performance.md) showed what keeps a loaded server from failing requests:
 * - the event MPM with all its threads in one process (up to EVENT_THREADS_PER_PROCESS). Event
 *   closes the idle keep-alive connections of a process whose threads are all busy (wrk counted
 *   35-65 errors at 256 connections with 5 processes of 64 threads), so one big process that
 *   never runs out of threads before the whole server does. Event, not worker, because at a
 *   graceful restart event closes idle kept-alive connections, while a worker (or prefork) child
 *   of the old generation keeps them and relays their next request to a daemon of the new
 *   generation, which mod_wsgi refuses ("Request origin could not be validated": 500);
 * - a thread per client connection: at least FRONT_CAPACITY, all started up front, because a pool
 *   that grows on demand grows too slowly for a burst (thousands of errors at 256 connections);
 * - worker, when asked for, in processes of up to 64 threads (Apache's default ThreadLimit).
 */
import type { Context, Discovery, Mode, Mpm, MpmSettings } from '../config.js';
import { badValue, UsageError } from '../errors.js';
import { APACHE_LIMITS, camel } from '../options/define.js';
import type { Options } from '../options/schema.js';
import { debugMpmPreference } from './debug-mode.js';

export type { Mpm, MpmSettings } from '../config.js';

export interface CapacityInput {
  readonly mpm: Mpm;
  readonly embedded: boolean;
  readonly processes: number;
  readonly threads: number;
  readonly maxClients?: number;
  readonly maximumRequests: number;
  /**
   * Fractions (0 to 1) of the server capacity for the spare-worker directives in daemon mode
   * (--initial-workers, --minimum-spare-workers, --maximum-spare-workers); unset, the per-MPM
   * defaults of mod_wsgi-express. The minimum defaults to the initial fraction.
   */
  readonly initialWorkers?: number;
  readonly minimumSpareWorkers?: number;
  readonly maximumSpareWorkers?: number;
}

/**
 * Event first in daemon mode (see above), where Apache's threads only relay. Embedded mode runs
 * the application in Apache's threads, which event misbehaves with when there are fewer than 3
 * per process (mod_wsgi 4.8.0 notes), so worker there.
 */
export const MPM_PREFERENCE = {
  daemon: ['event', 'worker', 'prefork'],
  embedded: ['worker', 'prefork'],
} as const;

/** Client connections a daemon-mode server holds at once by default: 256 with headroom. */
export const FRONT_CAPACITY = 320;
/**
 * MinSpareThreads for the pools that are started whole: one thread more than the pool less one
 * process. Apache logs "server is within MinSpareThreads of MaxRequestWorkers" (AH00287 worker,
 * AH10159 event) at error level whenever fewer threads than that are idle in a full pool, and
 * starts a process whenever fewer are idle and there is room. Equal to the pool (as
 * mod_wsgi-express's fixed pools were), it logged under any load at all; a tenth of it (tried)
 * left a child that died (a crash, the OOM killer) unreplaced until nine in ten threads were busy.
 * This way a lost child is replaced at once (its threads are missing from the idle count), and the
 * line comes only once a whole process's worth of threads is busy.
 */
export const spareThreads = (pool: number, perProcess: number): number => Math.max(1, pool - perProcess + 1);
/** Threads per Apache process in daemon mode at most, worker MPM. */
export const FRONT_THREADS_PER_PROCESS = 64;
/** Threads per Apache process in daemon mode at most, event MPM (one process up to this). */
export const EVENT_THREADS_PER_PROCESS = 1000;

export function pickMpm(
  embedded: boolean,
  wanted: readonly string[],
  installed: (mpm: Mpm) => boolean,
): Mpm | undefined {
  const order: readonly Mpm[] = wanted.length
    ? (wanted as Mpm[])
    : MPM_PREFERENCE[embedded ? 'embedded' : 'daemon'];
  return order.find(installed);
}

function embeddedSettings({ mpm, processes: p, threads: t, maximumRequests }: CapacityInput): MpmSettings {
  if (mpm === 'prefork') {
    const n = p * t;
    return {
      mpm,
      maxClients: n,
      directives: [
        ['StartServers', n],
        ['MinSpareServers', n],
        ['MaxSpareServers', n],
        ['ServerLimit', n],
        ['MaxRequestWorkers', n],
        ['MaxConnectionsPerChild', maximumRequests],
        ['MaxKeepAliveRequests', 100],
      ],
    };
  }
  // A fixed pool: every process is started up front and never reaped as spare. ServerLimit leaves
  // as many slots again, so that a graceful restart starts the new children at once instead of
  // after the old ones have closed their keep-alive connections (a 2 s stall, measured).
  return {
    mpm,
    maxClients: p * t,
    directives: [
      ['StartServers', p],
      ['ServerLimit', 2 * p],
      ['ThreadLimit', t],
      ['ThreadsPerChild', t],
      ['MinSpareThreads', spareThreads(p * t, t)],
      ['MaxSpareThreads', p * t],
      ['MaxRequestWorkers', p * t],
      ['MaxConnectionsPerChild', maximumRequests],
      ['ThreadStackSize', 262144],
      ['MaxKeepAliveRequests', mpm === 'event' ? 0 : 100],
    ],
  };
}

function daemonSettings(input: CapacityInput): MpmSettings {
  const { mpm, processes: p, threads: t, maxClients } = input;
  // Apache only relays to the daemons here, so it gets headroom above processes × threads.
  const reference = 10 + Math.max(10, Math.floor(1.5 * p * t));
  if (mpm === 'prefork') {
    const mc = maxClients !== undefined ? Math.max(maxClients, p * t) : reference;
    const initial = input.initialWorkers ?? 0.05;
    const minSpare = input.minimumSpareWorkers ?? initial;
    const maxSpare = input.maximumSpareWorkers ?? 0.1;
    return {
      mpm,
      maxClients: mc,
      directives: [
        ['StartServers', Math.max(1, Math.floor(initial * mc))],
        ['MinSpareServers', Math.max(1, Math.floor(minSpare * mc))],
        ['MaxSpareServers', Math.max(1, Math.floor(maxSpare * mc))],
        ['ServerLimit', mc],
        ['MaxRequestWorkers', mc],
        ['MaxConnectionsPerChild', 0],
        ['MaxKeepAliveRequests', 500],
      ],
    };
  }
  const mc = maxClients !== undefined ? Math.max(maxClients, p * t) : Math.max(FRONT_CAPACITY, reference);
  const perProcess = mpm === 'event' ? EVENT_THREADS_PER_PROCESS : FRONT_THREADS_PER_PROCESS;
  const sl = Math.ceil(mc / perProcess);
  // Event: threads spread evenly over the processes, so none is the first to run out.
  const tpc = mpm === 'event' ? Math.ceil(mc / sl) : Math.min(mc, perProcess);
  // A fixed pool unless the spare-worker fractions say otherwise.
  const initial = input.initialWorkers ?? 1;
  const minSpare = input.minimumSpareWorkers ?? input.initialWorkers;
  const maxSpare = Math.max(input.maximumSpareWorkers ?? 1, minSpare ?? 0);
  return {
    mpm,
    maxClients: sl * tpc,
    directives: [
      ['StartServers', Math.max(1, Math.floor(initial * sl))],
      // Room for a graceful restart's new children beside the old (see embeddedSettings).
      ['ServerLimit', 2 * sl],
      ['ThreadLimit', tpc],
      ['ThreadsPerChild', tpc],
      [
        'MinSpareThreads',
        minSpare === undefined ? spareThreads(sl * tpc, tpc) : Math.max(tpc, Math.floor(minSpare * sl) * tpc),
      ],
      ['MaxSpareThreads', Math.max(tpc, Math.floor(maxSpare * sl) * tpc)],
      ['MaxRequestWorkers', sl * tpc],
      ['MaxConnectionsPerChild', 0],
      ['ThreadStackSize', 262144],
      ['MaxKeepAliveRequests', mpm === 'event' ? 0 : 500],
    ],
  };
}

export function mpmSettings(input: CapacityInput): MpmSettings {
  return input.embedded ? embeddedSettings(input) : daemonSettings(input);
}

/**
 * Each option is within its own range (the schema), but processes x threads x headroom can still
 * need more Apache processes than the MPM can have; Apache would then lower ServerLimit with a
 * warning and serve fewer clients than asked. Refused up front instead, naming what to lower.
 */
function checkMpmLimits(settings: MpmSettings, opts: Options): void {
  const value = (name: string) => settings.directives.find(([d]) => d === name)?.[1] ?? 0;
  const serverLimit = APACHE_LIMITS.serverLimit[settings.mpm];
  const threadLimit = APACHE_LIMITS.threadLimit[settings.mpm];
  const given = ['processes', 'threads', 'max-clients']
    .filter((name) => (opts as unknown as Record<string, unknown>)[camel(name)] !== undefined)
    .map((name) => `--${name} ${(opts as unknown as Record<string, number>)[camel(name)]}`);
  const asked = given.length ? given.join(' with ') : 'the defaults';
  if (value('ServerLimit') > serverLimit || value('ThreadLimit') > threadLimit) {
    throw new UsageError(
      `${asked} needs ServerLimit ${value('ServerLimit')} and ThreadLimit ${value('ThreadLimit')}, ` +
        `more than Apache's ${settings.mpm} MPM allows (ServerLimit ${serverLimit}, ThreadLimit ` +
        `${threadLimit}); give fewer processes, threads or clients.`,
    );
  }
}

export interface Capacity {
  readonly mpm: MpmSettings;
  readonly processes: number;
  readonly threads: number;
}

/** The MPM, the processes and threads of the app, and the MPM's directives sized for them. */
export function capacityOf(
  opts: Options,
  mode: Mode,
  debug: boolean,
  ctx: Pick<Context, 'cpus'>,
  discovery: Discovery,
  warnings: string[],
): Capacity {
  const mpm = pickMpm(
    opts.embeddedMode || debug,
    debug ? debugMpmPreference(opts.serverMpm) : opts.serverMpm,
    (m) => discovery.modules.has(`mod_mpm_${m}.so`),
  );
  if (!mpm) {
    throw badValue(
      'server-mpm',
      opts.serverMpm.join(','),
      `an MPM installed in ${discovery.modulesDirectory} (none of ${opts.serverMpm.join(', ') || 'event, worker, prefork'} is)`,
    );
  }
  // Embedded mode runs Python in Apache's children: one per CPU gives each its own GIL. With the
  // worker MPM each thread holds one client connection for as long as it is kept alive, so the
  // clients beyond the thread count wait in the listen queue until a kept-alive connection idles
  // out: 5 threads gave a p99 of 146 ms at 16 connections, 2 x 25 one of 1.4 s and wrk timeouts at
  // 256 (docs/performance.md). So as many threads as daemon mode's front holds connections
  // (FRONT_CAPACITY), at least 25 per process; threads waiting for the GIL cost little.
  // With prefork every "thread" is a process with its own interpreter: keep mod_wsgi-express's 1 x 5.
  const embeddedDefaults = mode === 'embedded' && !debug && mpm !== 'prefork';
  const processes = debug
    ? 1
    : (opts.processes ?? (embeddedDefaults ? Math.min(Math.max(ctx.cpus, 1), 8) : 1));
  const threads = debug
    ? 1
    : (opts.threads ?? (embeddedDefaults ? Math.max(25, Math.ceil(FRONT_CAPACITY / processes)) : 5));
  // In embedded mode --threads is Apache's ThreadsPerChild; mod_wsgi 4.8.0's notes say the event MPM
  // does not handle fewer than 3 properly. Raising it would change the app's concurrency: refuse.
  if (mpm === 'event' && mode === 'embedded' && threads < 3) {
    throw badValue(
      'threads',
      threads,
      '3 or more with the event MPM in embedded mode (it does not handle fewer threads per process properly), or --server-mpm worker or prefork',
    );
  }
  const settings = mpmSettings({
    mpm,
    embedded: mode === 'embedded' || debug,
    processes,
    threads,
    maxClients: opts.maxClients,
    maximumRequests: opts.maximumRequests,
    // Fractions from the daemon feature (src/features/daemon/resolve.ts checks their range).
    initialWorkers: opts.initialWorkers,
    minimumSpareWorkers: opts.minimumSpareWorkers,
    maximumSpareWorkers: opts.maximumSpareWorkers,
  });
  checkMpmLimits(settings, opts);
  // Said rather than done silently: Apache is sized by the application's own capacity here.
  if (opts.maxClients !== undefined && (mode === 'embedded' || debug)) {
    warnings.push(
      `--max-clients: no effect in embedded mode, where Apache's capacity is --processes × --threads (${processes * threads}).`,
    );
  } else if (opts.maxClients !== undefined && opts.maxClients < processes * threads) {
    warnings.push(
      `--max-clients ${opts.maxClients}: raised to ${processes * threads}, the requests the daemon processes take at once (--processes × --threads).`,
    );
  }
  return { mpm: settings, processes, threads };
}
