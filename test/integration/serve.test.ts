/**
 * start-server against a real Apache: script and module apps in daemon and embedded mode, the
 * welcome page, --setenv, --passenv, and a clean stop on SIGTERM.
 */
import { afterEach, describe, expect, test } from '@jest/globals';

import { get, getJson, processesOf, startServer, stopAll, stopServer, waitFor } from '../helpers/server.js';

afterEach(stopAll);

describe('start-server', () => {
  test('serves a WSGI script in daemon mode (the default)', async () => {
    const server = await startServer(['hello.wsgi']);
    const res = await get(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('Hello from hello.wsgi\n');
    // Daemon mode: the request ran in the daemon process group, named after host:port.
    expect(res.headers['x-process-group']).toBe(`127.0.0.1:${server.port}`);
    expect(server.stdout()).toMatch(/Operating Mode\s*: daemon/);
  });

  test('serves a WSGI script with --embedded-mode', async () => {
    const server = await startServer(['hello.wsgi', '--embedded-mode']);
    const res = await get(`${server.url}/some/path`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('Hello from hello.wsgi\n');
    // Embedded mode: no daemon process group.
    expect(res.headers['x-process-group']).toBe('');
    expect(server.stdout()).toMatch(/Operating Mode\s*: embedded/);
  });

  test.each([
    ['daemon mode', []],
    ['embedded mode', ['--embedded-mode']],
  ])(
    'serves a module app whose callable is not "application" (%s)',
    async (_mode, extra: readonly string[]) => {
      const server = await startServer([
        '--application-type',
        'module',
        '--callable-object',
        'make_reply',
        'pkgapp.app',
        ...extra,
      ]);
      const res = await get(`${server.url}/x`);
      expect(res.status).toBe(200);
      expect(res.text).toBe('Hello from pkgapp.app:make_reply at /x\n');
    },
  );

  test('with no APP serves the built-in welcome page', async () => {
    const server = await startServer([]);
    const res = await get(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1>express-wsgi is running</h1>');
    expect(res.text).toContain(server.root);
  });

  test('--setenv NAME VALUE is in the application environ', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--setenv',
      'EW_GREETING',
      'hello there',
      '--setenv',
      'EW_OTHER',
      'x=1',
    ]);
    const { status, json } = await getJson(`${server.url}/`);
    expect(status).toBe(200);
    expect(json.EW_GREETING).toBe('hello there');
    expect(json.EW_OTHER).toBe('x=1');
  });

  test("--passenv NAME copies a variable of Apache's environment into the environ, and only that one", async () => {
    const server = await startServer(['environ.wsgi', '--passenv', 'EW_PASSED'], {
      env: { ...process.env, EW_PASSED: 'from the launcher', EW_NOT_PASSED: 'secret' },
    });
    const { json } = await getJson(`${server.url}/`);
    expect(json.EW_PASSED).toBe('from the launcher');
    expect(json.EW_NOT_PASSED).toBeUndefined();
  });

  test('SIGTERM stops the launcher with status 0 and leaves nothing of the server root running', async () => {
    const server = await startServer(['hello.wsgi']);
    expect((await get(`${server.url}/`)).status).toBe(200);
    // Apache's parent, its children and the mod_wsgi daemon all name the server root.
    expect(processesOf(server.root).length).toBeGreaterThanOrEqual(3);

    server.child.kill('SIGTERM');
    const exit = await waitFor(() => server.exit, 20_000, 'the launcher to exit');
    expect(exit).toEqual({ code: 0, signal: null });
    // Apache reaps its children and the mod_wsgi daemon before it exits, so none outlives the launcher.
    expect(processesOf(server.root)).toEqual([]);
    await expect(get(`${server.url}/`, {}, 2_000)).rejects.toThrow(/ECONNREFUSED/);
    await stopServer(server);
  });
});
