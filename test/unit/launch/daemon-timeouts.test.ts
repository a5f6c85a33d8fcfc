/** The daemon timeouts the launcher waits by (src/launch/daemon-timeouts.ts). */
import { describe, expect, it } from '@jest/globals';

import { drainSeconds, importHangMs, reloadTimeoutMs } from '../../../src/launch/daemon-timeouts.js';

// The typed settings by their option names, as the tests below read best.
const FIELDS: Record<string, string> = {
  'graceful-timeout': 'gracefulTimeout',
  'eviction-timeout': 'evictionTimeout',
  'shutdown-timeout': 'shutdownTimeout',
  'startup-timeout': 'startupTimeout',
};
const daemon = (options: [string, number][]) =>
  ({
    daemon: {
      evictionTimeout: null,
      gracefulTimeout: 0,
      shutdownTimeout: 0,
      startupTimeout: 0,
      ...Object.fromEntries(options.map(([name, value]) => [FIELDS[name], value])),
    },
  }) as never;

describe('daemon timeouts', () => {
  it('drain by --eviction-timeout, else --graceful-timeout', () => {
    expect(drainSeconds(daemon([['graceful-timeout', 15]]))).toBe(15);
    expect(
      drainSeconds(
        daemon([
          ['graceful-timeout', 15],
          ['eviction-timeout', 3],
        ]),
      ),
    ).toBe(3);
    expect(drainSeconds(daemon([]))).toBe(0);
  });

  it('allow a reload drain + shutdown + startup (15 s by default) + 15 s', () => {
    const config = daemon([
      ['graceful-timeout', 15],
      ['shutdown-timeout', 5],
      ['startup-timeout', 20],
    ]);
    expect(reloadTimeoutMs(config)).toBe((15 + 5 + 20 + 15) * 1000);
    expect(reloadTimeoutMs(daemon([]))).toBe(30_000);
    expect(reloadTimeoutMs({ daemon: undefined } as never)).toBe(30_000);
  });

  it('report an import after --startup-timeout, else 10 s', () => {
    expect(importHangMs(daemon([['startup-timeout', 20]]))).toBe(20_000);
    expect(importHangMs(daemon([]))).toBe(10_000);
  });
});
