/**
 * What answers which URL against a real Apache: --url-alias (directory and file), --document-root
 * files winning over the app, and --mount-point.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import { get, getJson, startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

describe('static files', () => {
  test('--url-alias serves a directory and a single file; the app gets the rest', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--url-alias',
      '/static',
      'static',
      '--url-alias',
      '/robots.txt',
      'robots.txt',
    ]);
    const file = (name: string) => readFileSync(join(server.cwd, name), 'utf8');

    const text = await get(`${server.url}/static/hello.txt`);
    expect(text.status).toBe(200);
    expect(text.text).toBe(file('static/hello.txt'));
    expect(text.headers['content-type']).toMatch(/^text\/plain/);

    const css = await get(`${server.url}/static/style.css`);
    expect(css.status).toBe(200);
    expect(css.text).toBe(file('static/style.css'));
    expect(css.headers['content-type']).toMatch(/^text\/css/);

    // A missing file under the alias is Apache's 404, not a request for the app.
    const missing = await get(`${server.url}/static/missing.txt`);
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('PATH_INFO');

    const robots = await get(`${server.url}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(robots.text).toBe(file('robots.txt'));
    expect(robots.headers['content-type']).toMatch(/^text\/plain/);

    // Other paths still reach the app.
    const app = await getJson(`${server.url}/elsewhere`);
    expect(app.status).toBe(200);
    expect(app.json.PATH_INFO).toBe('/elsewhere');
  });

  test('--document-root: a real file there is served by Apache, other paths reach the app', async () => {
    const server = await startServer(['environ.wsgi', '--document-root', 'docroot']);

    const page = await get(`${server.url}/page.html`);
    expect(page.status).toBe(200);
    expect(page.text).toBe(readFileSync(join(server.cwd, 'docroot/page.html'), 'utf8'));
    expect(page.headers['content-type']).toMatch(/^text\/html/);

    for (const path of ['/', '/missing.html', '/a/b']) {
      const app = await getJson(`${server.url}${path}`);
      expect(app.status).toBe(200);
      expect(app.json.PATH_INFO).toBe(path);
    }
  });
});

describe('--mount-point', () => {
  test('the app sees SCRIPT_NAME /app and the rest as PATH_INFO; paths outside the mount are 404', async () => {
    const server = await startServer(['environ.wsgi', '--mount-point', '/app']);

    const inside = await getJson(`${server.url}/app/x/y`);
    expect(inside.status).toBe(200);
    expect(inside.json.SCRIPT_NAME).toBe('/app');
    expect(inside.json.PATH_INFO).toBe('/x/y');

    const root = await getJson(`${server.url}/app`);
    expect(root.status).toBe(200);
    expect(root.json.SCRIPT_NAME).toBe('/app');
    expect(root.json.PATH_INFO).toBe('');

    for (const path of ['/', '/x/y', '/apple', '/other/app/x']) {
      const outside = await get(`${server.url}${path}`);
      expect([path, outside.status]).toEqual([path, 404]);
    }
  });

  test('a mount point with a dot matches only itself, not any character', async () => {
    const server = await startServer(['environ.wsgi', '--mount-point', '/v1.2']);
    const inside = await getJson(`${server.url}/v1.2/x`);
    expect([inside.status, inside.json.SCRIPT_NAME, inside.json.PATH_INFO]).toEqual([200, '/v1.2', '/x']);
    expect((await get(`${server.url}/v1x2/x`)).status).toBe(404);
  });
});

describe('long URL path segments', () => {
  test('a segment of 256+ bytes reaches the app (it names no file), with its query string', async () => {
    const server = await startServer(['environ.wsgi']);
    for (const path of [`/${'a'.repeat(300)}`, `/x/${'é'.repeat(150)}/y`, `/${'b'.repeat(256)}`]) {
      const app = await getJson(`${server.url}${encodeURI(path)}?q=1`);
      expect([path, app.status]).toEqual([path, 200]);
      expect(app.json.SCRIPT_NAME).toBe('');
      expect(Buffer.from(app.json.PATH_INFO as string, 'latin1').toString('utf8')).toBe(path);
      expect(app.json.QUERY_STRING).toBe('q=1');
    }
  });

  test('under --mount-point the app gets it; outside the mount it is 404, static files still served', async () => {
    const server = await startServer(['environ.wsgi', '--mount-point', '/app', '--document-root', 'docroot']);
    const inside = await getJson(`${server.url}/app/${'a'.repeat(300)}`);
    expect([inside.status, inside.json.SCRIPT_NAME, inside.json.PATH_INFO]).toEqual([
      200,
      '/app',
      `/${'a'.repeat(300)}`,
    ]);
    expect((await get(`${server.url}/${'a'.repeat(300)}`)).status).toBe(404);
    expect((await get(`${server.url}/page.html`)).status).toBe(200);
  });
});
