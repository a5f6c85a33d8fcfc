/**
 * What comes out besides the app's body, against a real Apache: gzip with --compress-responses,
 * and the access and error logs on the launcher's stdout and stderr with --log-to-terminal.
 */
import { gunzipSync } from 'node:zlib';

import { afterEach, describe, expect, test } from '@jest/globals';

import { get, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

describe('--compress-responses', () => {
  test('gzips JSON for a client that accepts gzip, and only for one', async () => {
    const server = await startServer(['json.wsgi', '--compress-responses']);

    const plain = await get(`${server.url}/`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const expected = JSON.parse(plain.text) as { items: unknown[] };
    expect(expected.items).toHaveLength(200);

    const gzipped = await get(`${server.url}/`, { 'Accept-Encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(plain.body.length);
    expect(JSON.parse(gunzipSync(gzipped.body).toString('utf8'))).toEqual(expected);
  });

  test('without the flag, JSON is sent as is even to a client that accepts gzip', async () => {
    const server = await startServer(['json.wsgi']);
    const res = await get(`${server.url}/`, { 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(res.text) as { items: unknown[] }).items).toHaveLength(200);
  });
});

describe('--log-to-terminal --access-log', () => {
  // 'pipes': the launcher's stdout and stderr are pipes, as in a shell pipeline or a container.
  // 'sockets': they are UNIX sockets, as under systemd (journal) or a Node parent's default stdio.
  test.each([
    ['daemon mode', 'pipes', []],
    ['embedded mode', 'pipes', ['--embedded-mode']],
    ['daemon mode', 'sockets', []],
  ] as const)(
    'the access log goes to stdout and the error log to stderr (%s, stdio %s)',
    async (_mode, stdio, extra: readonly string[]) => {
      const server = await startServer(['logging.wsgi', '--log-to-terminal', '--access-log', ...extra], {
        stdio,
      });
      const marker = `marker-${server.port}-${Date.now()}`;
      const res = await get(`${server.url}/log-me?${marker}`).catch((error: Error) => {
        throw new Error(`${error.message}; the launcher's stderr:\n${server.stderr()}`);
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe('logged\n');

      const accessLine = new RegExp(`"GET /log-me\\?${marker} HTTP/1\\.1" 200 7\\b`);
      await waitFor(() => accessLine.test(server.stdout()), 10_000, 'the access log line on stdout');
      await waitFor(
        () => server.stderr().includes(`wsgi.errors says ${marker}`),
        10_000,
        'the wsgi.errors line on stderr',
      );
      await waitFor(
        () => server.stderr().includes(`sys.stderr says ${marker}`),
        10_000,
        'the sys.stderr line on stderr',
      );
      // Each stream carries only its own log.
      expect(server.stderr()).not.toMatch(accessLine);
      expect(server.stdout()).not.toContain(`says ${marker}`);
    },
  );
});
