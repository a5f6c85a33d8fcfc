/** Listening, URLs and request timeouts (src/resolve/http.ts). */

import { describe, expect, it } from '@jest/globals';

import { failure, run } from '../helpers/resolve-setup.js';

describe('timeouts', () => {
  it.each([
    [{}, 'header=15-30,MinRate=500 body=15,MinRate=500'],
    [{ 'header-timeout': '0' }, 'header=0 body=15,MinRate=500'],
    [{ 'body-timeout': '0' }, 'header=15-30,MinRate=500 body=0'],
    [{ 'header-min-rate': '0', 'header-max-timeout': '0', 'body-min-rate': '0' }, 'header=15 body=15'],
    [{ 'header-max-timeout': '0' }, 'header=15,MinRate=500 body=15,MinRate=500'],
    [{ 'header-max-timeout': '15' }, 'header=15,MinRate=500 body=15,MinRate=500'],
    [{ 'body-max-timeout': '40' }, 'header=15-30,MinRate=500 body=15-40,MinRate=500'],
  ])('%j gives RequestReadTimeout %s', (raw, expected) => {
    expect(run(raw).timeouts.requestRead).toBe(expected);
  });

  it('refuses a timeout range without a minimum rate, which mod_reqtimeout refuses', () => {
    expect(failure({ 'header-min-rate': '0' })).toBe(
      '--header-min-rate: 0 is not valid; expected at least 1 byte per second while --header-max-timeout (30) exceeds --header-timeout (15), or give --header-max-timeout 0.',
    );
    expect(failure({ 'body-min-rate': '0', 'body-max-timeout': '40' })).toContain('--body-min-rate: 0');
  });

  it('refuses a maximum below its timeout', () => {
    expect(failure({ 'header-max-timeout': '10' })).toBe(
      '--header-max-timeout: 10 is not valid; expected 0 or at least --header-timeout (15).',
    );
  });

  it('passes the rest through', () => {
    const config = run({ 'keep-alive-timeout': '0', 'socket-timeout': '9', 'limit-request-body': '0' });
    expect(config.timeouts).toMatchObject({ keepAlive: 0, socket: 9, limitRequestBody: 0 });
  });
});

describe('listen address and URL', () => {
  it.each([
    [{}, '8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '127.0.0.1', port: '8080' }, '127.0.0.1:8080', 'http://127.0.0.1:8080/', '127.0.0.1:8080'],
    // Apache refuses an IPv6 literal in ServerName ('[' reads as a wildcard), so the name is localhost.
    [{ host: '::1' }, '[::1]:8000', 'http://[::1]:8000/', 'localhost:8000'],
    [{ host: '[::1]' }, '[::1]:8000', 'http://[::1]:8000/', 'localhost:8000'],
    [{ host: '0.0.0.0' }, '0.0.0.0:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '::' }, '[::]:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ host: '[::]' }, '[::]:8000', 'http://localhost:8000/', 'localhost:8000'],
    [{ port: '80' }, '80', 'http://localhost/', 'localhost:80'],
  ])('%j listens on %s, shown as %s', (raw, listen, url, serverName) => {
    const config = run(raw);
    expect([config.listen, config.url, config.serverName]).toEqual([listen, url, serverName]);
  });
});
