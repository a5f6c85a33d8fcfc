/**
 * Apache MPM sizing, with the formulas mod_wsgi-express uses (reference §4.9) so that a command
 * line moved over from it gets the same capacity.
 */

export type Mpm = 'event' | 'worker' | 'prefork';

export interface MpmSettings {
  readonly mpm: Mpm;
  /** Directive → value, in the order they are written. */
  readonly directives: readonly (readonly [string, number])[];
  /** Connections Apache itself accepts at once. */
  readonly maxClients: number;
}

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

/** Event misbehaves with fewer than 3 threads per process (mod_wsgi 4.8.0 notes): embedded mode avoids it. */
export const MPM_PREFERENCE = {
  daemon: ['event', 'worker', 'prefork'],
  embedded: ['worker', 'prefork'],
} as const;

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
  // A fixed pool: every process is started up front and never reaped as spare.
  return {
    mpm,
    maxClients: p * t,
    directives: [
      ['StartServers', p],
      ['ServerLimit', p],
      ['ThreadLimit', t],
      ['ThreadsPerChild', t],
      ['MinSpareThreads', p * t],
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
  // Apache only proxies to the daemons here, so it gets headroom above processes × threads.
  const mc =
    maxClients !== undefined ? Math.max(maxClients, p * t) : 10 + Math.max(10, Math.floor(1.5 * p * t));
  const initial = input.initialWorkers ?? (mpm === 'prefork' ? 0.05 : 0.2);
  const minSpare = input.minimumSpareWorkers ?? initial;
  const maxSpare = input.maximumSpareWorkers ?? (mpm === 'prefork' ? 0.1 : 0.6);
  if (mpm === 'prefork') {
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
  const tpc = mc <= 20 ? 10 : Math.floor(mc / (Math.floor(mc / 20) + 1));
  const sl = Math.ceil(mc / tpc);
  return {
    mpm,
    maxClients: sl * tpc,
    directives: [
      ['StartServers', Math.max(1, Math.floor(initial * sl))],
      ['ServerLimit', sl],
      ['ThreadLimit', tpc],
      ['ThreadsPerChild', tpc],
      ['MinSpareThreads', Math.max(tpc, Math.floor(minSpare * sl) * tpc)],
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
