/**
 * `express-wsgi django`: a real Django project (fixtures/django/, Debian's python3-django) served by
 * the README recipe, with its admin, a CSRF-protected form, and static files served by Apache from
 * STATIC_ROOT; the settings module from the environment; --reload-on-changes; --setup-only with the
 * collectstatic warnings and the WhiteNoise rule; and the errors a Django user meets.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { discover } from '../../src/discovery/discovery.js';
import { recipeCommands, recipeLines } from '../helpers/readme.js';
import {
  CLI,
  freePort,
  makeWorkdir,
  run,
  type Server,
  startServer,
  stopAll,
  waitFor,
} from '../helpers/server.js';

const PYTHON = discover().python as string;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: 20_000 },
      (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => (text += d));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `node dist/cli.js django ARGS` run to completion, for the commands that do not start Apache. */
const django = (args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  run(process.execPath, [CLI, 'django', ...args], { cwd, env });

/** The README's collectstatic line, run with the Python mod_wsgi embeds. */
async function collectstatic(projectDir: string): Promise<void> {
  const line = recipeLines('Django').find((l) => /manage\.py collectstatic/.test(l));
  expect(line).toBeDefined();
  const [, ...args] = (line as string).split(/\s+/);
  const result = await run(PYTHON, args, { cwd: projectDir, timeoutMs: 60_000 });
  expect(result).toMatchObject({ code: 0 });
}

describe('the README Django recipe', () => {
  let project: string;
  let server: Server;

  beforeAll(async () => {
    project = join(makeWorkdir(), 'django');
    await collectstatic(project);
    const [recipe, ...others] = recipeCommands('Django');
    expect(others).toEqual([]);
    expect(recipe?.[0]).toBe('django');
    server = await startServer((recipe as string[]).slice(1), { command: 'django', cwd: project });
  }, 90_000);

  afterAll(stopAll);

  it('says which project and settings it serves, and needs no collectstatic reminder', () => {
    expect(server.stdout()).toContain(
      `Django project     : ${project} (settings mysite.settings from ${join(project, 'manage.py')}`,
    );
    expect(server.stdout()).toContain('Application        : mysite.wsgi (module)');
    expect(server.stdout()).toContain(
      `Static files       : /static/ served by Apache from ${project}/staticfiles`,
    );
    expect(server.stderr()).not.toContain('collectstatic');
  });

  it('serves the admin login page', async () => {
    const reply = await send(`${server.url}/admin/login/?next=/admin/`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Django administration');
    expect(reply.body).toContain('name="csrfmiddlewaretoken"');
  });

  it('serves the views with the settings of manage.py', async () => {
    const reply = await send(`${server.url}/hello/`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^views version one \| from mysite\.settings \| \d+\n$/);
  });

  it.each([
    ['an admin file', 'admin/css/base.css'],
    ["the project's own file", 'mysite/site.css'],
  ])('Apache serves %s from STATIC_ROOT at STATIC_URL', async (_what, file) => {
    const collected = readFileSync(join(project, 'staticfiles', file), 'latin1');
    const reply = await send(`${server.url}/static/${file}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/css/);
    expect(reply.body).toBe(collected);
    // Apache's file handler, not Django (DEBUG is off, and Django answers no range requests): an
    // ETag, and a byte range honoured.
    expect(reply.headers.etag).toBeDefined();
    const range = await send(`${server.url}/static/${file}`, { headers: { Range: 'bytes=0-9' } });
    expect(range.status).toBe(206);
    expect(range.body).toBe(collected.slice(0, 10));
  });

  it('accepts a POST that carries the CSRF token and refuses one that does not', async () => {
    const page = await send(`${server.url}/form/`);
    expect(page.status).toBe(200);
    const cookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0] as string)
      .find((c) => c.startsWith('csrftoken='));
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
    expect(cookie).toBeDefined();
    expect(token).toBeDefined();
    const post = (body: string, headers: Record<string, string>) =>
      send(`${server.url}/form/`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      });

    const ok = await post(`csrfmiddlewaretoken=${encodeURIComponent(token as string)}&name=Ada`, {
      Cookie: cookie as string,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('Thanks, Ada\n');

    const withoutToken = await post('name=Mallory', { Cookie: cookie as string });
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body).toContain('CSRF verification failed');

    const withoutCookie = await post(
      `csrfmiddlewaretoken=${encodeURIComponent(token as string)}&name=Eve`,
      {},
    );
    expect(withoutCookie.status).toBe(403);
  });
});

function withoutBytecodeSetting(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.PYTHONDONTWRITEBYTECODE;
  return env;
}

describe('a project directory argument, DJANGO_SETTINGS_MODULE and --reload-on-changes', () => {
  afterEach(stopAll);

  it('serves the settings the environment names, warns about collectstatic, and reloads an edited view', async () => {
    const cwd = makeWorkdir();
    const project = join(cwd, 'django');
    writeFileSync(
      join(project, 'mysite', 'settings_alt.py'),
      "from .settings import *  # noqa\n\nGREETING = 'from mysite.settings_alt'\n",
      { mode: 0o644 },
    );
    // The edit below keeps the file's size and its mtime's whole second, which is all a cached .pyc
    // is checked against: a cache written when the view was first imported would hide the edit. The
    // package is writable by the server's account, as a developer's own checkout is, so a cache can
    // be written there.
    const views = join(project, 'mysite', 'views.py');
    const second0 = Math.floor(Date.now() / 1000) - 100;
    utimesSync(views, second0 + 0.25, second0 + 0.25);
    chmodSync(join(project, 'mysite'), 0o777);
    const server = await startServer(['django', '--reload-on-changes'], {
      command: 'django',
      cwd,
      // Python writes caches unless told not to (this variable is set on some machines, not others).
      env: { ...withoutBytecodeSetting(), DJANGO_SETTINGS_MODULE: 'mysite.settings_alt' },
    });
    expect(server.stdout()).toContain(`(settings mysite.settings_alt from the environment`);
    expect(server.stderr()).toContain(
      `warning: STATIC_ROOT ${project}/staticfiles does not exist, so /static/ is not served; run: cd ${project} && ${PYTHON} manage.py collectstatic --noinput`,
    );

    const first = await send(`${server.url}/hello/`);
    expect(first.body).toMatch(/^views version one \| from mysite\.settings_alt \| \d+\n$/);
    // A second request has the daemon record the view's mtime (it was imported during the first).
    expect((await send(`${server.url}/hello/`)).body).toContain('views version one');

    const original = readFileSync(views, 'utf8');
    const edited = original.replace('views version one', 'views version two');
    expect(edited.length).toBe(original.length);
    writeFileSync(views, edited);
    utimesSync(views, second0 + 0.5, second0 + 0.5);
    // The first request after the edit finds the view changed (reload_required) and is served by a
    // new daemon process.
    const second = await waitFor(
      async () => {
        const reply = await send(`${server.url}/hello/`);
        return reply.body.startsWith('views version two') ? reply : undefined;
      },
      10_000,
      'the edited view to be live',
    );
    expect(second.body).toContain('from mysite.settings_alt');
  });
});

describe('django --setup-only', () => {
  afterEach(stopAll);

  async function setupOnly(cwd: string, env: NodeJS.ProcessEnv = process.env) {
    const root = join(cwd, 'root');
    const result = await django(
      ['django', '--setup-only', '--server-root', root, '--port', String(await freePort())],
      cwd,
      env,
    );
    return {
      ...result,
      root,
      conf: existsSync(join(root, 'httpd.conf')) ? readFileSync(join(root, 'httpd.conf'), 'utf8') : '',
    };
  }

  it('writes a server root that apachectl accepts; an empty STATIC_ROOT is mapped, with a warning', async () => {
    const cwd = makeWorkdir();
    const staticRoot = join(cwd, 'django', 'staticfiles');
    mkdirSync(staticRoot, { mode: 0o755 });
    const result = await setupOnly(cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Start it with: ${result.root}/apachectl start`);
    expect(result.stderr).toContain(
      `warning: STATIC_ROOT ${staticRoot} is empty, so /static/ finds nothing yet; run: cd `,
    );
    expect(result.stderr).toContain('manage.py collectstatic --noinput');
    expect(result.conf).toContain(`Alias "/static" "${staticRoot}"`);
    expect(result.conf).toMatch(/WSGIDaemonProcess .* home="[^"]*\/django"/);
    const configtest = await run(join(result.root, 'apachectl'), ['configtest']);
    expect(configtest).toMatchObject({ code: 0 });
    expect(configtest.stderr).toContain('Syntax OK');
  });

  it('leaves static files to WhiteNoise when its middleware is in MIDDLEWARE', async () => {
    const cwd = makeWorkdir();
    mkdirSync(join(cwd, 'django', 'staticfiles'), { mode: 0o755 });
    writeFileSync(
      join(cwd, 'django', 'mysite', 'settings_whitenoise.py'),
      [
        'from .settings import *  # noqa',
        '',
        "MIDDLEWARE = MIDDLEWARE[:1] + ['whitenoise.middleware.WhiteNoiseMiddleware'] + MIDDLEWARE[1:]",
        '',
      ].join('\n'),
    );
    const withWhiteNoise = await setupOnly(cwd, {
      ...process.env,
      DJANGO_SETTINGS_MODULE: 'mysite.settings_whitenoise',
    });
    expect(withWhiteNoise.code).toBe(0);
    expect(withWhiteNoise.stdout).toContain('WhiteNoise is in MIDDLEWARE');
    // The settings came from the environment, which a later apachectl start must have too.
    expect(withWhiteNoise.stdout).toContain(
      'DJANGO_SETTINGS_MODULE=mysite.settings_whitenoise comes from your environment; apachectl start needs it',
    );
    expect(withWhiteNoise.conf).toContain('WSGIDaemonProcess');
    expect(withWhiteNoise.conf).not.toMatch(/^Alias /m);
    expect(withWhiteNoise.stderr).not.toContain('collectstatic');
  });
});

describe('errors a Django user meets', () => {
  it('no manage.py: a usage error that names the directory, and points at a project one level down', async () => {
    const cwd = makeWorkdir();
    const elsewhere = await django(['flask', '--setup-only'], cwd);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`express-wsgi: error: no manage.py in ${join(cwd, 'flask')}`);
    const above = await django(['--setup-only'], cwd);
    expect(above.code).toBe(2);
    expect(above.stderr).toContain(`did you mean express-wsgi django ${join(cwd, 'django')}?`);
    expect(existsSync(join(cwd, 'root'))).toBe(false);
  });

  it("settings that fail to import: Python's error and where, and nothing written", async () => {
    const cwd = makeWorkdir();
    const settings = join(cwd, 'django', 'mysite', 'settings.py');
    writeFileSync(settings, `import express_wsgi_no_such_module\n${readFileSync(settings, 'utf8')}`);
    const root = join(cwd, 'root');
    const result = await django(['django', '--setup-only', '--server-root', root], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `express-wsgi: error: the Django settings mysite.settings failed to import with ${PYTHON}: ` +
        `ModuleNotFoundError: No module named 'express_wsgi_no_such_module' (at ${settings}, line 1)`,
    );
    expect(existsSync(root)).toBe(false);
  });

  it('a WSGI_APPLICATION that is missing is named', async () => {
    const cwd = makeWorkdir();
    const settings = join(cwd, 'django', 'mysite', 'settings.py');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace(/^WSGI_APPLICATION = .*$/m, ''));
    const result = await django(['django', '--setup-only', '--server-root', join(cwd, 'root')], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mysite.settings: WSGI_APPLICATION is not set');
  });
});
