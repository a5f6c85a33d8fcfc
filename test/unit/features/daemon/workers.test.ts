/** The worker fractions and the MPM formulas they feed. */

import { describe, expect, it } from '@jest/globals';

import { type Mpm, mpmSettings } from '../../../../src/resolve/capacity.js';
import { resolve } from '../../../../src/resolve/index.js';
import { fakeContext, options } from '../../helpers/fakes.js';
import { dir, accounts, discoveryOf, run, refusal, directives, httpdConf } from './setup.js';

describe('worker fractions', () => {
  const FRACTIONS = ['initial-workers', 'minimum-spare-workers', 'maximum-spare-workers'];

  it.each(FRACTIONS.flatMap((name) => ['1.5', '-0.1', '2'].map((v) => [name, v] as const)))(
    '--%s %p is refused: it needs to be within the range 0 to 1',
    (name, value) => {
      expect(refusal({ [name]: value })).toBe(
        `--${name}: ${JSON.stringify(value)} is not valid; expected a fraction of the server capacity, which needs to be within the range 0 to 1.`,
      );
    },
  );

  it.each(FRACTIONS)('--%s abc is refused as not a number', (name) => {
    expect(refusal({ [name]: 'abc' })).toBe(
      `--${name}: "abc" is not valid; expected a fraction of the server capacity, which needs to be within the range 0 to 1.`,
    );
  });

  it.each(FRACTIONS.flatMap((name) => ['0', '1', '0.5', '.25'].map((v) => [name, v] as const)))(
    '--%s %p is accepted',
    (name, value) => {
      expect(() => run({ [name]: value })).not.toThrow();
    },
  );

  // 8 processes x 25 threads: max clients max(320, 10 + 300) = 320; with the worker MPM 64 threads
  // per child, server limit 5 (event, the default, keeps them in one process: fractions of one
  // process round to that process).
  const big = { processes: '8', threads: '25', 'server-mpm': 'worker' };

  it('worker: by default every process starts up front, stays, and is replaced when it dies', () => {
    expect(directives(run(big))).toMatchObject({
      ThreadsPerChild: 64,
      ServerLimit: 10,
      StartServers: 5,
      MinSpareThreads: 257,
      MaxSpareThreads: 320,
    });
  });

  it('event: one process of every thread, started up front, whatever the fractions', () => {
    const event = { ...big, 'server-mpm': 'event' };
    for (const [extra, minSpare] of [
      [{}, 1],
      [{ 'initial-workers': '0.1', 'minimum-spare-workers': '0.1' }, 320],
    ] as const) {
      expect(directives(run({ ...event, ...extra }))).toMatchObject({
        ThreadsPerChild: 320,
        ServerLimit: 2,
        StartServers: 1,
        MinSpareThreads: minSpare,
        MaxSpareThreads: 320,
      });
    }
  });

  it('--initial-workers moves StartServers and (by default) MinSpareThreads', () => {
    const config = run({ ...big, 'initial-workers': '0.5' });
    expect(directives(config)).toMatchObject({ StartServers: 2, MinSpareThreads: 128, MaxSpareThreads: 320 });
    expect(httpdConf(config)).toMatch(/^StartServers 2$/m);
    expect(httpdConf(config)).toMatch(/^MinSpareThreads 128$/m);
  });

  it('--minimum-spare-workers and --maximum-spare-workers set the spare threads', () => {
    const config = run({ ...big, 'minimum-spare-workers': '0.1', 'maximum-spare-workers': '0.5' });
    expect(directives(config)).toMatchObject({ StartServers: 5, MinSpareThreads: 64, MaxSpareThreads: 128 });
    expect(httpdConf(config)).toMatch(/^MaxSpareThreads 128$/m);
  });

  it('a minimum spare fraction above the maximum is refused (Apache would quietly change it)', () => {
    expect(refusal({ ...big, 'minimum-spare-workers': '0.5', 'maximum-spare-workers': '0.1' })).toBe(
      '--maximum-spare-workers: 0.1 is not valid; expected a fraction at least --minimum-spare-workers (0.5).',
    );
  });

  it('0 gives the floor of one process / one child of threads', () => {
    const config = run({
      ...big,
      'initial-workers': '0',
      'minimum-spare-workers': '0',
      'maximum-spare-workers': '0',
    });
    expect(directives(config)).toMatchObject({ StartServers: 1, MinSpareThreads: 64, MaxSpareThreads: 64 });
  });

  it('prefork: the defaults are .05 / .05 / .1; each fraction moves its directive', () => {
    const prefork = { ...big, 'server-mpm': 'prefork' };
    expect(directives(run(prefork))).toMatchObject({
      ServerLimit: 310,
      StartServers: 15,
      MinSpareServers: 15,
      MaxSpareServers: 31,
    });
    expect(directives(run({ ...prefork, 'initial-workers': '0.1' }))).toMatchObject({
      StartServers: 31,
      MinSpareServers: 31,
      MaxSpareServers: 31,
    });
    expect(
      directives(run({ ...prefork, 'minimum-spare-workers': '0.2', 'maximum-spare-workers': '0.5' })),
    ).toMatchObject({ StartServers: 15, MinSpareServers: 62, MaxSpareServers: 155 });
  });

  it('embedded mode: the pool is fixed; the fractions change nothing and a warning says so', () => {
    const base = { 'embedded-mode': true, processes: '2', threads: '4' };
    const plain = run(base);
    const tuned = run({ ...base, 'initial-workers': '0.9', 'maximum-spare-workers': '0.1' });
    expect(tuned.mpm).toEqual(plain.mpm);
    expect(tuned.warnings).toEqual([
      '--initial-workers, --maximum-spare-workers: no effect in embedded mode, where Apache starts a fixed pool of processes x threads.',
    ]);
  });

  it('static mode (no daemon, Apache only) still uses them', () => {
    const config = resolve(
      options({ app: 'static', 'application-type': 'static', 'initial-workers': '1' }),
      discoveryOf(),
      fakeContext(accounts, dir),
    );
    expect(2 * (directives(config).StartServers as number)).toBe(directives(config).ServerLimit);
    expect(config.warnings).toEqual([]);
  });
});

describe('capacity formulas with fractions (src/capacity.ts)', () => {
  const of = (mpm: Mpm, fractions: { i?: number; min?: number; max?: number }, p = 4, t = 25) =>
    Object.fromEntries(
      mpmSettings({
        mpm,
        embedded: false,
        processes: p,
        threads: t,
        maximumRequests: 0,
        initialWorkers: fractions.i,
        minimumSpareWorkers: fractions.min,
        maximumSpareWorkers: fractions.max,
      }).directives,
    );

  // P=4, T=25: mc max(320, 160) = 320; worker TPC 64, SL 5; event TPC 320, SL 1.
  // MinSpareThreads: the pool less one process plus one (320 - 64 + 1; 320 - 320 + 1).
  it.each([
    ['worker', 5, 257, 320],
    ['event', 1, 1, 320],
  ] as const)('%s: a fixed pool without fractions', (mpm, start, minSpare, spare) => {
    expect(of(mpm, {})).toMatchObject({
      StartServers: start,
      MinSpareThreads: minSpare,
      MaxSpareThreads: spare,
    });
  });

  it.each([
    ['worker', 64],
    ['event', 320],
  ] as const)(
    '%s: StartServers = max(1, int(i x SL)); spare threads max(TPC, int(f x SL) x TPC)',
    (mpm, tpc) => {
      const sl = 320 / tpc;
      expect(of(mpm, { i: 0.35, min: 0.45, max: 0.95 })).toMatchObject({
        StartServers: Math.max(1, Math.floor(0.35 * sl)),
        MinSpareThreads: Math.max(tpc, Math.floor(0.45 * sl) * tpc),
        MaxSpareThreads: Math.max(tpc, Math.floor(0.95 * sl) * tpc),
      });
    },
  );

  it('prefork: StartServers, MinSpareServers and MaxSpareServers are max(1, int(f x mc))', () => {
    expect(of('prefork', {})).toMatchObject({ StartServers: 8, MinSpareServers: 8, MaxSpareServers: 16 });
    expect(of('prefork', { i: 0.25, min: 0.125, max: 0.75 })).toMatchObject({
      StartServers: 40,
      MinSpareServers: 20,
      MaxSpareServers: 120,
    });
    expect(of('prefork', { i: 0.001 })).toMatchObject({ StartServers: 1, MinSpareServers: 1 });
  });

  it('the minimum spare fraction defaults to the initial one', () => {
    expect(of('worker', { i: 0.5 })).toMatchObject({ StartServers: 2, MinSpareThreads: 128 });
    expect(of('prefork', { i: 0.5 })).toMatchObject({ StartServers: 80, MinSpareServers: 80 });
  });
});
