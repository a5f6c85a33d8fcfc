/** Issue 11, item 15: the readiness probe knocks on an address it can connect to. */
import { describe, expect, it } from '@jest/globals';

import { probeHost } from '../../../src/launch/probe.js';

describe('probeHost', () => {
  it.each([
    [undefined, '127.0.0.1'],
    ['0.0.0.0', '127.0.0.1'],
    ['::', '::1'],
    ['[::]', '::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[fe80::1%lo]', 'fe80::1%lo'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
    ['example.test', 'example.test'],
  ])('probes --host %s at %s', (host, probed) => {
    expect(probeHost(host)).toBe(probed);
  });
});
