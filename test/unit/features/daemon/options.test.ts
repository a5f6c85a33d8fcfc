/** The WSGIDaemonProcess options the daemon feature writes, and when. */

import { describe, expect, it } from '@jest/globals';

import { resolve } from '../../../../src/resolve/index.js';
import { daemonLine } from '../../helpers/daemon-line.js';
import { fakeContext, options } from '../../helpers/fakes.js';
import {
  dir,
  accounts,
  discoveryOf,
  run,
  refusal,
  daemonOptions,
  httpdConf,
  summary,
  ALWAYS,
  OPTIONAL_ZERO,
} from './setup.js';

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
