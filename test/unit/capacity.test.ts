import { describe, expect, it } from '@jest/globals';

import {
  type CapacityInput,
  FRONT_CAPACITY,
  type Mpm,
  mpmSettings,
  pickMpm,
} from '../../src/resolve/capacity.js';

const settings = (input: Partial<CapacityInput> & { mpm: Mpm }) => {
  const s = mpmSettings({ embedded: false, processes: 1, threads: 5, maximumRequests: 0, ...input });
  return { ...s, d: Object.fromEntries(s.directives) as Record<string, number> };
};

// Daemon mode with a threaded MPM: Apache relays to the daemons, so it holds at least
// FRONT_CAPACITY connections, in processes of up to 64 threads, all started up front.
describe('daemon mode, worker and event', () => {
  it('worker, the default 1 process x 5 threads: 5 x 64 threads, all started', () => {
    const s = settings({ mpm: 'worker' });
    expect(s.maxClients).toBe(FRONT_CAPACITY);
    expect(s.d).toMatchObject({
      ThreadsPerChild: 64,
      ThreadLimit: 64,
      ServerLimit: 10, // twice the processes: room for a graceful restart
      MaxRequestWorkers: 320,
      StartServers: 5,
      MinSpareThreads: 257, // the pool less one process, plus one: a dead child is replaced at once
      MaxSpareThreads: 320,
    });
  });

  // Event keeps every thread in one process (up to 1000), so no process runs out of threads
  // (and closes its idle keep-alive connections) before the whole server does.
  it('event, the default 1 process x 5 threads: one process of 320 threads, all started', () => {
    const s = settings({ mpm: 'event' });
    expect(s.maxClients).toBe(FRONT_CAPACITY);
    expect(s.d).toMatchObject({
      ThreadsPerChild: 320,
      ThreadLimit: 320,
      ServerLimit: 2, // room for a graceful restart's new process beside the old
      MaxRequestWorkers: 320,
      StartServers: 1,
      MinSpareThreads: 1,
      MaxSpareThreads: 320,
    });
  });

  // Worked by hand for event: SL = ceil(mc/1000); TPC = ceil(mc/SL).
  it.each([
    // --max-clients, TPC, SL
    [1000, 1000, 1],
    [1001, 501, 2],
    [2500, 834, 3],
    [200000, 1000, 200],
  ])('event, max-clients=%p: TPC %p in %p processes', (mc, tpc, sl) => {
    const s = settings({ mpm: 'event', processes: 1, threads: 1, maxClients: mc });
    expect(s.d).toMatchObject({ ThreadsPerChild: tpc, ServerLimit: 2 * sl, MaxRequestWorkers: sl * tpc });
    expect(s.maxClients).toBe(sl * tpc);
    expect(s.maxClients).toBeGreaterThanOrEqual(mc);
  });

  // Worked by hand: mc = max(--max-clients, PxT), else max(320, 10 + max(10, int(1.5xPxT)));
  // TPC = min(mc, 64); SL = ceil(mc/TPC); a fixed pool: StartServers = SL, spare threads = SL x TPC;
  // ServerLimit 2 x SL.
  it.each([
    // P, T, --max-clients, TPC, SL, MaxRequestWorkers
    [1, 1, undefined, 64, 5, 320],
    [2, 10, undefined, 64, 5, 320],
    [8, 25, undefined, 64, 5, 320],
    [16, 25, undefined, 64, 10, 640],
    [1, 5, 50, 50, 1, 50],
    [4, 25, 10, 64, 2, 128],
    [1, 5, 20, 20, 1, 20],
    [1, 5, 65, 64, 2, 128],
    [1, 1, 1, 1, 1, 1],
  ])('P=%p T=%p max-clients=%p: TPC %p, ServerLimit %p, MaxRequestWorkers %p', (...row) => {
    const [p, t, mc, tpc, sl, mrw] = row as [number, number, number | undefined, number, number, number];
    const s = settings({ mpm: 'worker', processes: p, threads: t, maxClients: mc });
    expect(s.d).toMatchObject({
      ThreadsPerChild: tpc,
      ThreadLimit: tpc,
      ServerLimit: 2 * sl,
      MaxRequestWorkers: mrw,
      StartServers: sl,
      MinSpareThreads: Math.max(1, mrw - tpc + 1),
      MaxSpareThreads: mrw,
    });
    expect(s.maxClients).toBe(mrw);
  });

  it.each([
    ['event', 0],
    ['worker', 500],
  ] as const)(
    '%s always sets MaxConnectionsPerChild 0, ThreadStackSize and MaxKeepAliveRequests %p',
    (mpm, mkar) => {
      const s = settings({ mpm, maximumRequests: 1000 });
      expect(s.d.MaxConnectionsPerChild).toBe(0);
      expect(s.d.ThreadStackSize).toBe(262144);
      expect(s.d.MaxKeepAliveRequests).toBe(mkar);
    },
  );

  // Properties Apache itself relies on, over a grid of sizes.
  const grid: [number, number, number | undefined][] = [];
  for (const p of [1, 2, 3, 4, 7, 16]) {
    for (const t of [1, 2, 5, 13, 25, 64]) {
      for (const mc of [undefined, 1, 37, 400]) {
        grid.push([p, t, mc]);
      }
    }
  }
  it.each(grid)('P=%p T=%p max-clients=%p is consistent for Apache', (p, t, mc) => {
    const { d, maxClients } = settings({ mpm: 'worker', processes: p, threads: t, maxClients: mc });
    const ThreadsPerChild = d.ThreadsPerChild as number;
    const ServerLimit = d.ServerLimit as number;
    expect(d.ThreadLimit).toBe(ThreadsPerChild);
    // Half the scoreboard serves; the other half is for a graceful restart's new children.
    expect(d.MaxRequestWorkers).toBe((ServerLimit / 2) * ThreadsPerChild);
    expect(maxClients).toBe(d.MaxRequestWorkers);
    // Apache must accept at least what the daemons can serve at once, and what --max-clients asks for.
    expect(maxClients).toBeGreaterThanOrEqual(Math.max(p * t, mc ?? 0));
    expect(d.StartServers).toBeGreaterThanOrEqual(1);
    expect(d.StartServers).toBeLessThanOrEqual(ServerLimit);
    expect(d.MinSpareThreads).toBeLessThanOrEqual(d.MaxSpareThreads as number);
    expect(d.MaxSpareThreads).toBeLessThanOrEqual(d.MaxRequestWorkers as number);
    for (const value of Object.values(d)) {
      expect(Number.isInteger(value)).toBe(true);
    }
  });
});

describe('daemon mode, prefork', () => {
  it('4 processes x 25 threads: the reference figures 160/8/8/16', () => {
    const s = settings({ mpm: 'prefork', processes: 4, threads: 25 });
    expect(s.maxClients).toBe(160);
    expect(s.d).toMatchObject({
      ServerLimit: 160,
      MaxRequestWorkers: 160,
      StartServers: 8,
      MinSpareServers: 8,
      MaxSpareServers: 16,
    });
  });

  it.each([
    // P, T, --max-clients, clients, StartServers, MinSpareServers, MaxSpareServers
    [1, 5, undefined, 20, 1, 1, 2],
    [1, 1, undefined, 20, 1, 1, 2],
    [1, 5, 300, 300, 15, 15, 30],
    [2, 50, 10, 100, 5, 5, 10],
    [1, 5, 9, 9, 1, 1, 1],
  ])(
    'P=%p T=%p max-clients=%p gives %p clients, %p/%p/%p',
    (p, t, mc, clients, start, minSpare, maxSpare) => {
      const s = settings({ mpm: 'prefork', processes: p, threads: t, maxClients: mc });
      expect(s.maxClients).toBe(clients);
      expect(s.d).toMatchObject({
        ServerLimit: clients,
        MaxRequestWorkers: clients,
        StartServers: start,
        MinSpareServers: minSpare,
        MaxSpareServers: maxSpare,
      });
    },
  );

  it('has no thread directives and keeps connections alive for 500 requests', () => {
    const s = settings({ mpm: 'prefork', maximumRequests: 50 });
    expect(Object.keys(s.d)).not.toEqual(expect.arrayContaining(['ThreadsPerChild']));
    expect(s.d.ThreadsPerChild).toBeUndefined();
    expect(s.d.ThreadStackSize).toBeUndefined();
    expect(s.d.MaxConnectionsPerChild).toBe(0);
    expect(s.d.MaxKeepAliveRequests).toBe(500);
  });
});

describe('embedded mode: a fixed pool of P x T', () => {
  it.each(['worker', 'event'] as const)('%s, 3 processes x 4 threads', (mpm) => {
    const s = settings({ mpm, embedded: true, processes: 3, threads: 4, maximumRequests: 1000 });
    expect(s.maxClients).toBe(12);
    expect(s.d).toMatchObject({
      StartServers: 3,
      ServerLimit: 6,
      ThreadLimit: 4,
      ThreadsPerChild: 4,
      MinSpareThreads: 9, // 12 less a process of 4, plus 1
      MaxSpareThreads: 12,
      MaxRequestWorkers: 12,
      // The Apache children are the application processes here, so --maximum-requests recycles them.
      MaxConnectionsPerChild: 1000,
      ThreadStackSize: 262144,
      MaxKeepAliveRequests: mpm === 'event' ? 0 : 100,
    });
  });

  it('prefork sets everything to P x T', () => {
    const s = settings({ mpm: 'prefork', embedded: true, processes: 2, threads: 3, maximumRequests: 7 });
    expect(s.maxClients).toBe(6);
    expect(s.d).toEqual({
      StartServers: 6,
      MinSpareServers: 6,
      MaxSpareServers: 6,
      ServerLimit: 6,
      MaxRequestWorkers: 6,
      MaxConnectionsPerChild: 7,
      MaxKeepAliveRequests: 100,
    });
  });

  it.each(['worker', 'prefork'] as const)('%s ignores --max-clients', (mpm) => {
    const s = settings({ mpm, embedded: true, processes: 2, threads: 5, maxClients: 500 });
    expect(s.maxClients).toBe(10);
    expect(s.d.MaxRequestWorkers).toBe(10);
  });
});

describe('pickMpm', () => {
  it.each([
    // embedded, --server-mpm, installed, expected
    [false, [], ['event', 'worker', 'prefork'], 'event'],
    [false, [], ['event', 'prefork'], 'event'],
    [false, [], ['prefork'], 'prefork'],
    [true, [], ['event', 'worker', 'prefork'], 'worker'],
    [true, [], ['event', 'prefork'], 'prefork'],
    [true, ['event'], ['event', 'worker', 'prefork'], 'event'],
    [false, ['prefork', 'event'], ['event', 'worker', 'prefork'], 'prefork'],
    [false, ['prefork', 'event'], ['event'], 'event'],
    [false, ['worker'], ['event', 'prefork'], undefined],
    [true, [], ['event'], undefined],
    [false, [], [], undefined],
  ] as [boolean, string[], Mpm[], Mpm | undefined][])(
    'embedded=%p --server-mpm %j with %j installed picks %p',
    (embedded, wanted, installed, expected) => {
      expect(pickMpm(embedded, wanted, (m) => installed.includes(m))).toBe(expected);
    },
  );

  it('asks only about the MPMs it may pick, in order', () => {
    const asked: Mpm[] = [];
    pickMpm(true, [], (m) => {
      asked.push(m);
      return false;
    });
    expect(asked).toEqual(['worker', 'prefork']);
  });
});
