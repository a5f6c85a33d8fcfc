/**
 * The daemon feature: daemon process recycling, timeouts, socket buffers and backlogs on the
 * WSGIDaemonProcess line, ListenBacklog, and the spare-worker fractions in the MPM directives.
 * Every option is run through parse → resolve (and render where the result is printed).
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import { type Mpm, mpmSettings } from '../../../src/resolve/capacity.js';
import type { Discovery } from '../../../src/discovery/discovery.js';
import { UsageError } from '../../../src/errors.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import { mkdirSync, writeFileSync, removeDir, tempDir } from '../helpers/fake-fs.js';
import { daemonLine } from '../helpers/daemon-line.js';
import { fakeAccounts, fakeContext, fakeDiscovery, options } from '../helpers/fakes.js';

type Raw = Record<string, unknown>;

let dir: string;
let accounts: Accounts;

beforeAll(() => {
  dir = tempDir('ew-daemon-');
  accounts = fakeAccounts(dir);
  mkdirSync(join(dir, 'static'));
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
});

afterAll(() => removeDir(dir));

/** Debian's module (4.9.4), or the same one claiming another version. */
function discoveryOf(version?: readonly [number, number, number]): Discovery {
  const d = fakeDiscovery();
  return version ? { ...d, modWsgi: { ...d.modWsgi, version } } : d;
}

function run(raw: Raw = {}, version?: readonly [number, number, number]): ServerConfig {
  return resolve(options({ app: 'app.wsgi', ...raw }), discoveryOf(version), fakeContext(accounts, dir));
}

/** The message of the UsageError that parsing or resolving `raw` throws. */
function refusal(raw: Raw, version?: readonly [number, number, number]): string {
  try {
    run(raw, version);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${JSON.stringify(raw)}`);
}

const daemonOptions = daemonLine;
const directives = (config: ServerConfig) => Object.fromEntries(config.mpm.directives);
const httpdConf = (config: ServerConfig) =>
  render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
const summary = (config: ServerConfig) => new Map(summaryLines(config, false));

// Always on the WSGIDaemonProcess line, with the defaults mod_wsgi-express writes.
const ALWAYS = [
  ['connect-timeout', 15],
  ['startup-timeout', 15],
  ['deadlock-timeout', 60],
  ['graceful-timeout', 15],
] as const;

// Written only when not at their default (all 0).
const OPTIONAL_ZERO = [
  'restart-interval',
  'inactivity-timeout',
  'cpu-time-limit',
  'eviction-timeout',
  'response-socket-timeout',
  'send-buffer-size',
  'receive-buffer-size',
  'header-buffer-size',
  'response-buffer-size',
] as const;

describe('defaults', () => {
  it('the WSGIDaemonProcess line carries the fixed defaults and nothing optional', () => {
    const config = run();
    const opts = daemonOptions(config);
    for (const [name, value] of ALWAYS) {
      expect(opts.get(name)).toBe(value);
    }
    // Room for every Apache thread (the server capacity, 320 by default), not mod_wsgi-express's 100.
    expect(opts.get('listen-backlog')).toBe(320);
    for (const name of [...OPTIONAL_ZERO, 'interrupt-timeout', 'response-flush-delay']) {
      expect(opts.has(name)).toBe(false);
    }
    expect(config.features.daemon.warnings).toEqual([]);
  });

  it('ListenBacklog 500, and the summary says so for both backlogs', () => {
    const config = run();
    expect(config.features.daemon.serverBacklog).toBe(500);
    expect(httpdConf(config)).toMatch(/^ListenBacklog 500$/m);
    expect(summary(config).get('Server Backlog')).toBe('500 (connections)');
    expect(summary(config).get('Queue Backlog')).toBe('320 (connections)');
  });

  it('the order on the line is unchanged: the four timeouts, shutdown-timeout, then listen-backlog', () => {
    const names = [...daemonOptions(run()).keys()];
    const at = (n: string) => names.indexOf(n);
    expect(at('request-timeout')).toBeLessThan(at('connect-timeout'));
    expect([
      at('connect-timeout'),
      at('startup-timeout'),
      at('deadlock-timeout'),
      at('graceful-timeout'),
    ]).toEqual([1, 2, 3, 4].map((k) => at('request-timeout') + k));
    expect(at('shutdown-timeout')).toBe(at('graceful-timeout') + 1);
    expect(at('listen-backlog')).toBe(at('shutdown-timeout') + 1);
  });
});

describe('daemon timeouts always written', () => {
  const NAMES = ALWAYS.map(([name]) => name);

  it.each(ALWAYS)('--%s 7 replaces the default %p', (name, _default) => {
    const config = run({ [name]: '7' });
    expect(daemonOptions(config).get(name)).toBe(7);
    expect(httpdConf(config)).toContain(` ${name}="7"`);
  });

  it.each(NAMES)('--%s 0 is accepted and written (mod_wsgi: 0 turns it off)', (name) => {
    expect(daemonOptions(run({ [name]: '0' })).get(name)).toBe(0);
  });

  it.each(NAMES)('--%s -1 is refused', (name) => {
    expect(refusal({ [name]: '-1' })).toBe(
      `--${name}: "-1" is not valid; expected a whole number from 0 to 2147483647.`,
    );
  });

  it.each(NAMES)('--%s 1.5 is refused (whole seconds)', (name) => {
    expect(refusal({ [name]: '1.5' })).toMatch(
      new RegExp(`^--${name}: "1.5" is not valid; expected a whole number`),
    );
  });
});

describe('daemon options written only when not the default', () => {
  const VALUES: Record<(typeof OPTIONAL_ZERO)[number], number> = {
    'restart-interval': 3600,
    'inactivity-timeout': 300,
    'cpu-time-limit': 120,
    'eviction-timeout': 30,
    'response-socket-timeout': 20,
    'send-buffer-size': 512,
    'receive-buffer-size': 1048576,
    'header-buffer-size': 8192,
    'response-buffer-size': 65536,
  };

  it.each(OPTIONAL_ZERO)('--%s: a value is written to the WSGIDaemonProcess line', (name) => {
    const value = VALUES[name];
    const config = run({ [name]: String(value) });
    expect(daemonOptions(config).get(name)).toBe(value);
    expect(httpdConf(config)).toMatch(new RegExp(`^WSGIDaemonProcess .* ${name}="${value}"`, 'm'));
  });

  it.each(OPTIONAL_ZERO)('--%s 0 (the default) is not written', (name) => {
    const config = run({ [name]: '0' });
    expect(daemonOptions(config).has(name)).toBe(false);
    expect(httpdConf(config)).not.toContain(`${name}=`);
  });

  it.each(OPTIONAL_ZERO)('--%s -5 is refused', (name) => {
    expect(refusal({ [name]: '-5' })).toBe(
      `--${name}: "-5" is not valid; expected a whole number from 0 to 2147483647.`,
    );
  });

  it.each(['restart-interval', 'send-buffer-size'])('--%s abc is refused', (name) => {
    expect(refusal({ [name]: 'abc' })).toMatch(new RegExp(`^--${name}: "abc" is not valid`));
  });

  it('--header-buffer-size is written without --processes (unlike mod_wsgi-express, reference §8.5)', () => {
    const config = run({ 'header-buffer-size': '65536' });
    expect(daemonLine(config).has('processes')).toBe(false);
    expect(daemonOptions(config).get('header-buffer-size')).toBe(65536);
  });

  it.each([
    ['send-buffer-size', 511, 512],
    ['receive-buffer-size', 1, 512],
    ['header-buffer-size', 8191, 8192],
    ['response-buffer-size', 65535, 65536],
  ] as const)('--%s %p is refused: 0 or at least %p, as mod_wsgi demands', (name, bad, min) => {
    expect(refusal({ [name]: String(bad) })).toBe(
      `--${name}: ${bad} is not valid; expected 0 (the default) or at least ${min} bytes.`,
    );
    expect(daemonOptions(run({ [name]: String(min) })).get(name)).toBe(min);
  });

  it('several at once keep a fixed order after the core options', () => {
    const config = run({
      'response-buffer-size': '131072',
      'restart-interval': '60',
      'inactivity-timeout': '30',
      'send-buffer-size': '4096',
    });
    const names = [...daemonOptions(config).keys()];
    const tail = names.slice(names.indexOf('listen-backlog') + 1);
    expect(tail).toEqual([
      'restart-interval',
      'inactivity-timeout',
      'send-buffer-size',
      'response-buffer-size',
    ]);
  });
});

describe('mod_wsgi 6.0 options on Debian 4.9.4', () => {
  it.each(['interrupt-timeout', 'response-flush-delay'])('--%s 10 is refused on 4.9.4', (name) => {
    expect(refusal({ [name]: '10' })).toBe(
      `--${name} needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).`,
    );
  });

  it.each(['interrupt-timeout', 'response-flush-delay'])('--%s 10 is written with mod_wsgi 6.0.5', (name) => {
    const config = run({ [name]: '10' }, [6, 0, 5]);
    expect(daemonOptions(config).get(name)).toBe(10);
    expect(httpdConf(config)).toContain(` ${name}="10"`);
  });

  it('their defaults (0 and 5) are accepted on 4.9.4 and never written', () => {
    const config = run({ 'interrupt-timeout': '0', 'response-flush-delay': '5' });
    expect(daemonOptions(config).has('interrupt-timeout')).toBe(false);
    expect(daemonOptions(config).has('response-flush-delay')).toBe(false);
  });

  it('with mod_wsgi 6.0.5, the defaults are not written either', () => {
    const config = run({}, [6, 0, 5]);
    expect(daemonOptions(config).has('interrupt-timeout')).toBe(false);
    expect(daemonOptions(config).has('response-flush-delay')).toBe(false);
  });

  it('--response-flush-delay 0 needs 6.0 too (it differs from the default 5)', () => {
    expect(refusal({ 'response-flush-delay': '0' })).toMatch(/needs mod_wsgi >= 6\.0\.0/);
    expect(daemonOptions(run({ 'response-flush-delay': '0' }, [6, 0, 0])).get('response-flush-delay')).toBe(
      0,
    );
  });
});

describe('backlogs', () => {
  it('--daemon-backlog sets listen-backlog and the Queue Backlog summary line', () => {
    const config = run({ 'daemon-backlog': '250' });
    expect(daemonOptions(config).get('listen-backlog')).toBe(250);
    expect(httpdConf(config)).toContain(' listen-backlog="250"');
    expect(summary(config).get('Queue Backlog')).toBe('250 (connections)');
  });

  it('--daemon-backlog 0 is accepted (mod_wsgi allows it); -1 is refused', () => {
    expect(daemonOptions(run({ 'daemon-backlog': '0' })).get('listen-backlog')).toBe(0);
    expect(refusal({ 'daemon-backlog': '-1' })).toMatch(/^--daemon-backlog: "-1" is not valid/);
  });

  it('--server-backlog sets ListenBacklog and the Server Backlog summary line', () => {
    const config = run({ 'server-backlog': '2048' });
    expect(config.features.daemon.serverBacklog).toBe(2048);
    expect(httpdConf(config)).toMatch(/^ListenBacklog 2048$/m);
    expect(summary(config).get('Server Backlog')).toBe('2048 (connections)');
  });

  it('--server-backlog applies in embedded mode too', () => {
    const config = run({ 'server-backlog': '64', 'embedded-mode': true });
    expect(httpdConf(config)).toMatch(/^ListenBacklog 64$/m);
    expect(config.warnings).toEqual([]);
  });

  it.each(['0', '-3', 'x', '2147483648'])(
    '--server-backlog %p is refused (Apache needs at least 1)',
    (value) => {
      expect(refusal({ 'server-backlog': value })).toBe(
        `--server-backlog: "${value}" is not valid; expected a whole number from 1 to 2147483647.`,
      );
    },
  );
});

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

  it('worker: by default every process starts up front and stays (1 / 1 / 1)', () => {
    expect(directives(run(big))).toMatchObject({
      ThreadsPerChild: 64,
      ServerLimit: 10,
      StartServers: 5,
      MinSpareThreads: 320,
      MaxSpareThreads: 320,
    });
  });

  it('event: one process of every thread, started up front, whatever the fractions', () => {
    const event = { ...big, 'server-mpm': 'event' };
    for (const extra of [{}, { 'initial-workers': '0.1', 'minimum-spare-workers': '0.1' }]) {
      expect(directives(run({ ...event, ...extra }))).toMatchObject({
        ThreadsPerChild: 320,
        ServerLimit: 2,
        StartServers: 1,
        MinSpareThreads: 320,
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
  it.each([
    ['worker', 5, 320],
    ['event', 1, 320],
  ] as const)('%s: a fixed pool without fractions', (mpm, start, spare) => {
    expect(of(mpm, {})).toMatchObject({
      StartServers: start,
      MinSpareThreads: spare,
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

describe('outside daemon mode', () => {
  it('embedded mode: daemon-only options are not written anywhere and a warning names them', () => {
    const config = run({
      'embedded-mode': true,
      'restart-interval': '10',
      'connect-timeout': '5',
      'daemon-backlog': '10',
      'startup-timeout': '15', // the default: not worth a warning
    });
    expect(config.daemon).toBeUndefined();
    expect(config.features.daemon.process).toBeUndefined();
    expect(httpdConf(config)).not.toContain('restart-interval');
    expect(config.warnings).toEqual([
      '--daemon-backlog, --connect-timeout, --restart-interval: no effect without daemon processes (embedded mode).',
    ]);
  });

  it('static mode warns the same way', () => {
    const config = resolve(
      options({ app: 'static', 'application-type': 'static', 'inactivity-timeout': '5' }),
      discoveryOf(),
      fakeContext(accounts, dir),
    );
    expect(config.warnings).toEqual([
      '--inactivity-timeout: no effect without daemon processes (static mode).',
    ]);
  });
});
