/** What a restart reads of the new configuration's listeners (src/launch/listen-check.ts). */
import { describe, expect, it } from '@jest/globals';

import { holds, listenAddresses, parseListen } from '../../../src/launch/listen-check.js';

describe('listenAddresses', () => {
  it('reads httpd.conf’s Listen lines and those of the files it includes by path', () => {
    const files: Record<string, string> = {
      '/r/httpd.conf': [
        '# Listen 1',
        'Listen "127.0.0.1:8000"',
        'Listen "127.0.0.1:8443" https',
        'Include "/etc/extra.conf"',
        'IncludeOptional conf.d/*.conf',
        'Include "relative.conf"',
      ].join('\n'),
      '/etc/extra.conf': '  listen [::1]:9000\nInclude "/r/httpd.conf"\n',
      '/r/relative.conf': 'Listen 9001\n',
    };
    expect(listenAddresses('/r/httpd.conf', '/r', (path) => files[path])).toEqual([
      { host: '127.0.0.1', port: 8000, option: 'port' },
      { host: '127.0.0.1', port: 8443, option: 'https-port' },
      { host: '[::1]', port: 9000, option: 'port' },
      { host: undefined, port: 9001, option: 'port' },
    ]);
  });

  it('finds nothing in a file it cannot read', () => {
    expect(listenAddresses('/r/httpd.conf', '/r', () => undefined)).toEqual([]);
  });
});

describe('parseListen', () => {
  it.each([
    ['8000', { host: undefined, port: 8000 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::]:8080', { host: '[::]', port: 8080 }],
    ['localhost', undefined],
    ['1.2.3.4:70000', undefined],
  ])('%s', (value, expected) => {
    expect(parseListen(value)).toEqual(expected);
  });
});

describe('holds', () => {
  const at = (host: string | undefined, port: number) => ({ host, port, option: 'port' as const });
  it('is the same port on the same host, or with either on every address', () => {
    expect(holds([at('127.0.0.1', 8000)], at('127.0.0.1', 8000))).toBe(true);
    expect(holds([at(undefined, 8000)], at('127.0.0.1', 8000))).toBe(true);
    expect(holds([at('127.0.0.1', 8000)], at('[::]', 8000))).toBe(true);
    expect(holds([at('127.0.0.1', 8000)], at('127.0.0.2', 8000))).toBe(false);
    expect(holds([at('127.0.0.1', 8000)], at('127.0.0.1', 8001))).toBe(false);
  });
});
