/**
 * The handlers feature against real tools: every option (alone and in combinations) through the
 * built CLI's setup-server and Apache's own configtest, then real Apache servers showing each
 * behaviour — Python handlers and CGI for document-root files, error documents, rewrite rules,
 * MIME types, the status page and HEAD mapping.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { EMPTY_APP, pyCompile, setupAndConfigtest } from '../../helpers/configtest.js';
import { configMatrix } from '../../helpers/matrix.js';
import {
  FIXTURES,
  get,
  makeWorkdir,
  type Server,
  startServer,
  stopAll,
  waitFor,
} from '../../helpers/server.js';

jest.setTimeout(60_000);

const HERE = join(FIXTURES, 'features', 'handlers');

// ---------------------------------------------------------------------------------------------
// setup-server + apachectl configtest for each option.

interface Case {
  readonly args: readonly string[];
  /** Parts of httpd.conf that show the option took effect (<ws> and <root> are expanded). */
  readonly conf: readonly string[];
}

const APP = ['app.wsgi'];
const STATIC = ['--application-type', 'static', 'static'];

const CASES: Record<string, Case> = {
  '--add-handler': {
    args: [...APP, '--add-handler', '.py', 'handler.py', '--add-handler', 'txt', 'handler.py'],
    conf: ['WSGIHandlerScript wsgi-resource "<root>/resource.wsgi"', 'SetHandler wsgi-resource'],
  },
  '--add-handler in embedded mode': {
    args: [...APP, '--embedded-mode', '--add-handler', '.py', 'handler.py'],
    conf: ['wsgi-resource "<root>/resource.wsgi" process-group="%{GLOBAL}"'],
  },
  '--with-cgi': {
    args: [...APP, '--with-cgi'],
    conf: ['Options +ExecCGI', 'SetHandler cgi-script', 'ScriptSock'],
  },
  '--error-document': {
    args: [...APP, '--error-document', '404', '/missing.html', '--error-document', '503', 'Back soon'],
    conf: ['ErrorDocument 404 "/missing.html"', 'ErrorDocument 503 "Back soon"'],
  },
  '--error-override': { args: [...APP, '--error-override'], conf: ['WSGIErrorOverride On'] },
  '--rewrite-rules': { args: [...APP, '--rewrite-rules', 'rules.conf'], conf: ['Include "<ws>/rules.conf"'] },
  '--allow-override': {
    args: [...APP, '--allow-override', 'FileInfo', '--allow-override', 'Options=Indexes,MultiViews'],
    conf: ['AllowOverride FileInfo Options=Indexes,MultiViews'],
  },
  '--allow-override All with a directory alias': {
    args: [...APP, '--allow-override', 'All', '--url-alias', '/s', 'static'],
    conf: ['<Directory "<ws>/static">\n  AllowOverride All'],
  },
  '--mime-types': { args: [...APP, '--mime-types', 'my.types'], conf: ['TypesConfig "<ws>/my.types"'] },
  '--enable-sendfile': {
    args: [...APP, '--enable-sendfile'],
    conf: ['EnableSendfile On', 'WSGIEnableSendfile On'],
  },
  '--map-head-to-get Off': { args: [...APP, '--map-head-to-get', 'Off'], conf: ['WSGIMapHEADToGET Off'] },
  '--map-head-to-get on': { args: [...APP, '--map-head-to-get', 'on'], conf: ['WSGIMapHEADToGET On'] },
  '--ignore-activity': {
    args: [...APP, '--ignore-activity', '/health', '--ignore-activity', '/ready'],
    conf: ['<Location "/ready">\n  WSGIIgnoreActivity On'],
  },
  '--server-status': {
    args: [...APP, '--server-status'],
    conf: [
      'SetHandler server-status',
      'ExtendedStatus On',
      'RewriteCond %{REQUEST_URI} "!^/server-status(/|$)"',
    ],
  },
  '--server-metrics': {
    args: [...APP, '--server-metrics'],
    conf: ['WSGIServerMetrics On', 'server-metrics="On"', 'ExtendedStatus On'],
  },
  '--server-metrics in embedded mode': {
    args: [...APP, '--server-metrics', '--embedded-mode'],
    conf: ['WSGIServerMetrics On'],
  },
  'static files with a handler, CGI, rules, errors and status': {
    args: [
      ...STATIC,
      '--add-handler',
      '.py',
      'handler.py',
      '--with-cgi',
      '--rewrite-rules',
      'rules.conf',
      '--error-document',
      '404',
      '/missing.html',
      '--server-status',
      '--allow-override',
      'AuthConfig',
    ],
    conf: [
      'process-group="%{GLOBAL}"',
      '  RewriteEngine On\n  Include "<ws>/rules.conf"',
      'SetHandler server-status',
    ],
  },
  'everything at once, on prefork with a mount point': {
    args: [
      ...APP,
      '--server-mpm',
      'prefork',
      '--mount-point',
      '/app',
      '--add-handler',
      '.py',
      'handler.py',
      '--with-cgi',
      '--error-document',
      '404',
      '/missing.html',
      '--error-override',
      '--rewrite-rules',
      'rules.conf',
      '--allow-override',
      'FileInfo',
      '--mime-types',
      'my.types',
      '--enable-sendfile',
      '--map-head-to-get',
      'Off',
      '--ignore-activity',
      '/health',
      '--server-status',
      '--server-metrics',
    ],
    conf: ['# prefork MPM', 'WSGIServerMetrics On', 'AllowOverride FileInfo'],
  },
};

describe('setup-server + apachectl configtest', () => {
  const matrix = configMatrix('handlers', {
    dirs: ['static'],
    files: {
      'app.wsgi': EMPTY_APP,
      'handler.py': readFileSync(join(HERE, 'handler.py')),
      'rules.conf': readFileSync(join(HERE, 'rewrite.conf')),
      'my.types': readFileSync(join(HERE, 'test.types')),
    },
  });
  const outcome = matrix.cases(CASES, async (c, root) => {
    const { setup, conf, configtest } = await setupAndConfigtest(c.args, root, matrix.ws);
    const resource = join(root, 'resource.wsgi');
    const py = existsSync(resource) ? await pyCompile(resource, matrix.ws) : undefined;
    return { root, setup, conf, test: configtest, py };
  });

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const { root, setup, conf, test, py } = await outcome(name);
    const ws = matrix.ws;
    expect(setup.stderr).toBe('');
    expect(setup.status).toBe(0);
    for (const wanted of c.conf) {
      expect(conf).toContain(wanted.split('<root>').join(root).split('<ws>').join(ws));
    }
    expect(`${test.stdout}${test.stderr}`.trim()).toBe('Syntax OK');
    expect(test.status).toBe(0);
    // resource.wsgi exists exactly when a handler was asked for, and compiles.
    expect(py !== undefined).toBe(c.args.includes('--add-handler'));
    if (py) {
      expect(py.stderr).toBe('');
      expect(py.status).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// End to end.

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** Any method to 127.0.0.1 (the shared get() only does GET), without redirects or connection reuse. */
function send(method: string, url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A fresh work directory with the fixtures (readable by www-data) and hello.cgi executable again. */
function workdir(): string {
  const cwd = makeWorkdir();
  chmodSync(join(cwd, 'features', 'handlers', 'docroot', 'hello.cgi'), 0o755);
  return cwd;
}

const F = 'features/handlers';
const DOCROOT = ['--document-root', `${F}/docroot`];

describe('a server with the handler options', () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer(
      [
        `${F}/method.wsgi`,
        ...DOCROOT,
        '--add-handler',
        '.py',
        `${F}/handler.py`,
        '--with-cgi',
        '--rewrite-rules',
        `${F}/rewrite.conf`,
        '--mime-types',
        `${F}/test.types`,
        '--server-status',
        '--error-document',
        '404',
        '/missing.html',
        '--error-override',
        '--map-head-to-get',
        'Off',
      ],
      { cwd: workdir() },
    );
  });
  afterAll(stopAll);

  it('prints where the status page is', () => {
    expect(server.stdout()).toContain(`Server Status      : http://127.0.0.1:${server.port}/server-status`);
    expect(server.stdout()).toContain(`Rewrite Rules      : ${join(server.cwd, F, 'rewrite.conf')}`);
  });

  it('--add-handler: document-root .py files go through the handler script', async () => {
    const res = await get(`${server.url}/page.py`);
    expect(res.status).toBe(200);
    expect(res.headers['x-handler']).toBe('v1');
    expect(res.headers['x-handler-script-name']).toBe('/page.py');
    expect(res.text).toBe(readFileSync(join(server.cwd, F, 'docroot', 'page.py'), 'utf8'));
    // Only the last extension counts: page.py.txt is a plain static file.
    const txt = await get(`${server.url}/page.py.txt`);
    expect(txt.status).toBe(200);
    expect(txt.headers['x-handler']).toBeUndefined();
    expect(txt.text).toBe('not python, only named like it\n');
  });

  it('--with-cgi: an executable .cgi file in the document root runs', async () => {
    const res = await get(`${server.url}/hello.cgi`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello from CGI, method GET\n');
  });

  it('--rewrite-rules: the rules in the file apply before the application', async () => {
    const res = await send('GET', `${server.url}/old`);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`${server.url}/new`);
    const target = await get(`${server.url}/new`);
    expect(target.text).toBe('app saw GET /new\n');
  });

  it('--mime-types: the custom types file sets the Content-Type', async () => {
    const res = await get(`${server.url}/data.ewx`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/x-express-wsgi-test');
  });

  it('--error-document with --error-override: an application 404 gets the error page', async () => {
    const res = await get(`${server.url}/x/app-404`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('<p>custom missing page</p>\n');
    expect(res.headers['x-app-path']).toBeUndefined();
  });

  it('--server-status: the status page answers 127.0.0.1, and the application never sees the path', async () => {
    const auto = await get(`${server.url}/server-status?auto`);
    expect(auto.status).toBe(200);
    expect(auto.text).toMatch(/^ServerMPM: /m);
    expect(auto.text).toMatch(/^Total Accesses: \d+$/m); // ExtendedStatus On
    const below = await get(`${server.url}/server-status/more`);
    expect(below.status).toBe(200);
    expect(below.text).toContain('Apache Server Status');
    expect(below.headers['x-app-path']).toBeUndefined();
    // Only that path: a longer name is still the application's.
    const other = await get(`${server.url}/server-statusx`);
    expect(other.text).toBe('app saw GET /server-statusx\n');
  });

  it('--map-head-to-get Off: a HEAD request reaches the application as HEAD', async () => {
    const res = await send('HEAD', `${server.url}/anything`);
    expect(res.status).toBe(200);
    expect(res.headers['x-app-method']).toBe('HEAD');
  });

  it('--add-handler: a changed handler script is reloaded', async () => {
    const script = join(server.cwd, F, 'handler.py');
    writeFileSync(script, readFileSync(script, 'utf8').replace("MARK = 'v1'", "MARK = 'v2'"));
    await waitFor(
      async () => (await get(`${server.url}/page.py`)).headers['x-handler'] === 'v2',
      20_000,
      'the changed handler script to answer',
    );
  });
});

describe('the same requests without the options', () => {
  afterEach(stopAll);

  it('go to the application or the static file handler', async () => {
    const server = await startServer([`${F}/method.wsgi`, ...DOCROOT], { cwd: workdir() });
    const py = await get(`${server.url}/page.py`);
    expect(py.headers['x-handler']).toBeUndefined();
    expect(py.text).toBe("print('page.py source')\n");
    const cgi = await get(`${server.url}/hello.cgi`);
    expect(cgi.text).toContain('#!/bin/sh');
    expect((await send('GET', `${server.url}/old`)).status).toBe(200);
    expect((await get(`${server.url}/data.ewx`)).headers['content-type']).not.toBe(
      'text/x-express-wsgi-test',
    );
    const status = await get(`${server.url}/server-status`);
    expect(status.text).toBe('app saw GET /server-status\n');
    const notFound = await get(`${server.url}/x/app-404`);
    expect(notFound.status).toBe(404);
    expect(notFound.text).toBe('app saw GET /x/app-404\n');
  });
});

describe('more servers', () => {
  afterEach(stopAll);

  it('--server-status behind --trust-proxy: a remote client reported by the proxy gets 403', async () => {
    const server = await startServer(
      [
        `${F}/method.wsgi`,
        '--server-status',
        '--trust-proxy',
        '127.0.0.1',
        '--trust-proxy-header',
        'X-Forwarded-For',
      ],
      { cwd: workdir() },
    );
    const status = `${server.url}/server-status?auto`;
    expect((await get(status, { 'X-Forwarded-For': '8.8.8.8' })).status).toBe(403);
    expect((await get(status, { 'X-Forwarded-For': '127.0.0.1, 8.8.8.8' })).status).toBe(403);
    expect((await get(status, { 'X-Forwarded-For': '8.8.8.8, 127.0.0.1' })).status).toBe(403);
    expect((await get(status, { 'X-Forwarded-For': '127.0.0.1' })).status).toBe(200);
    expect((await get(status, { 'X-Forwarded-For': '127.0.0.1, ::1' })).status).toBe(200);
    expect((await get(status)).status).toBe(200);
  });

  it('--map-head-to-get On: a HEAD request reaches the application as GET', async () => {
    const server = await startServer([`${F}/method.wsgi`, '--map-head-to-get', 'On'], { cwd: workdir() });
    const res = await send('HEAD', `${server.url}/anything`);
    expect(res.status).toBe(200);
    expect(res.headers['x-app-method']).toBe('GET');
  });

  it('--error-document: an Apache 404 serves the page; without --error-override the app keeps its own', async () => {
    const server = await startServer(
      [`${F}/method.wsgi`, ...DOCROOT, '--mount-point', '/app', '--error-document', '404', '/missing.html'],
      { cwd: workdir() },
    );
    const res = await get(`${server.url}/not-here`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('<p>custom missing page</p>\n');
    const app = await get(`${server.url}/app/app-404`);
    expect(app.status).toBe(404);
    expect(app.text).toBe('app saw GET /app-404\n');
  });

  it('static files: handlers, CGI, rewrite rules and error documents work without an application', async () => {
    const server = await startServer(
      [
        '--application-type',
        'static',
        `${F}/docroot`,
        '--add-handler',
        'PY',
        `${F}/handler.py`,
        '--with-cgi',
        '--rewrite-rules',
        `${F}/rewrite.conf`,
        '--error-document',
        '404',
        '/missing.html',
      ],
      { cwd: workdir() },
    );
    const py = await get(`${server.url}/page.py`);
    expect(py.headers['x-handler']).toBe('v1');
    expect((await get(`${server.url}/hello.cgi`)).text).toBe('hello from CGI, method GET\n');
    expect((await send('GET', `${server.url}/old`)).headers.location).toBe(`${server.url}/new`);
    const missing = await get(`${server.url}/new`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('<p>custom missing page</p>\n');
  });
});
