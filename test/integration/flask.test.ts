/**
 * A real Flask application (Debian's python3-flask) under Apache, started with the README's Flask
 * recipe as a module and as a script, answers as Flask's own development server does: routes, a
 * JSON POST, a redirect, a 404, a 500 (logged with its traceback) and a streamed response. Also:
 * which changes reload it, and the README's project-layout recipe (--working-directory, --python-path).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { discover } from '../../src/discovery/discovery.js';
import { recipeCommands } from '../helpers/readme.js';
import {
  freePort,
  GiveUp,
  makeWorkdir,
  type Server,
  startServer,
  stopAll,
  waitFor,
  within,
} from '../helpers/server.js';

const PYTHON = discover().python as string;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * GET /stream/NAME: the app sends its first chunk, then waits for POST /release/NAME before the
 * second. What arrived before the release was sent proves the response was streamed.
 */
function streamed(
  base: string,
  name: string,
): Promise<{ beforeRelease: string; body: string; reply: Reply }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/stream/${name}`, { agent: false, timeout: 20_000 }, (res) => {
      let text = '';
      let beforeRelease: string | undefined;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (beforeRelease === undefined) {
          beforeRelease = text;
          send(base, 'POST', `/release/${name}`).catch(reject);
        }
      });
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          beforeRelease: beforeRelease ?? '',
          body: text,
          reply: { status: res.statusCode ?? 0, headers: res.headers, body: text },
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('GET /stream timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Flask's own development server (`python -m flask run`) on the same app, for comparison. */
interface DevServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  exitedAlready: boolean;
}

async function startDevServer(cwd: string): Promise<DevServer> {
  const port = await freePort();
  const child = spawn(
    PYTHON,
    ['-m', 'flask', '--app', 'myapp', 'run', '--host', '127.0.0.1', '--port', String(port)],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const server: DevServer = {
    url: `http://127.0.0.1:${port}`,
    child,
    exited: new Promise((resolve) => child.once('exit', resolve)),
    exitedAlready: false,
  };
  void server.exited.then(() => (server.exitedAlready = true));
  await waitFor(
    async () => {
      if (server.exitedAlready) {
        throw new GiveUp(`flask run exited: ${output}`);
      }
      return (await send(server.url, 'GET', '/')).status === 200;
    },
    20_000,
    "Flask's own server",
  );
  return server;
}

async function stopDevServer(server: DevServer | undefined): Promise<void> {
  if (!server || server.exitedAlready) {
    return;
  }
  server.child.kill('SIGTERM');
  if (!(await within(server.exited, 5_000))) {
    server.child.kill('SIGKILL');
    await within(server.exited, 5_000);
  }
}

/** The same requests to each server; a body is sent as JSON unless a content type is given. */
const REQUESTS: readonly { name: string; method: string; path: string; body?: string; type?: string }[] = [
  { name: 'the index', method: 'GET', path: '/' },
  { name: 'a route with a variable and a query', method: 'GET', path: '/hello/Ada%20Lovelace?shout=1' },
  {
    name: 'a POST with a JSON body',
    method: 'POST',
    path: '/echo',
    body: JSON.stringify({ name: 'Ada', numbers: [1, 2, 3], text: 'naïve café ☕' }),
  },
  { name: 'a POST whose JSON is broken', method: 'POST', path: '/echo', body: '{"name": ' },
  { name: 'a POST that is not JSON', method: 'POST', path: '/echo', body: 'name=Ada', type: 'text/plain' },
  { name: 'a redirect', method: 'GET', path: '/old' },
  { name: 'a missing page', method: 'GET', path: '/no/such/page' },
  { name: 'an exception in a view', method: 'GET', path: '/boom' },
];

const ask = (base: string, r: (typeof REQUESTS)[number]) =>
  send(
    base,
    r.method,
    r.path,
    r.body,
    r.body === undefined ? {} : { 'Content-Type': r.type ?? 'application/json' },
  );

/** What must be the same under Apache and under Flask's server. */
const essence = (reply: Reply) => ({
  status: reply.status,
  type: reply.headers['content-type'],
  location: reply.headers.location,
  body: reply.body,
});

describe('the README Flask recipe', () => {
  const recipes = recipeCommands('Flask');
  let dev: DevServer | undefined;
  let reference: Map<string, Reply>;
  const servers: { args: string[]; server: Server }[] = [];

  beforeAll(async () => {
    expect(recipes).toEqual([
      expect.arrayContaining(['start-server', '--application-type', 'module', 'myapp']),
      expect.arrayContaining(['start-server', 'myapp.py']),
    ]);
    dev = await startDevServer(join(makeWorkdir(), 'flask'));
    reference = new Map();
    for (const r of REQUESTS) {
      reference.set(r.name, await ask(dev.url, r));
    }
    for (const args of recipes) {
      // Each in its own copy: the server root is <cwd>/root.
      servers.push({ args, server: await startServer(args.slice(1), { cwd: join(makeWorkdir(), 'flask') }) });
    }
  }, 90_000);

  afterAll(async () => {
    await stopDevServer(dev);
    await stopAll();
  });

  it("Flask's own server gives the answers Flask is known for", () => {
    const statuses = Object.fromEntries(REQUESTS.map((r) => [r.name, reference.get(r.name)?.status]));
    expect(statuses).toEqual({
      'the index': 200,
      'a route with a variable and a query': 200,
      'a POST with a JSON body': 201,
      'a POST whose JSON is broken': 400,
      'a POST that is not JSON': expect.any(Number),
      'a redirect': 302,
      'a missing page': 404,
      'an exception in a view': 500,
    });
    // 400 up to Flask 2.2 (Debian 12), 415 Unsupported Media Type from Flask 2.3.
    expect([400, 415]).toContain(statuses['a POST that is not JSON']);
    const echoed = reference.get('a POST with a JSON body') as Reply;
    expect(JSON.parse(echoed.body)).toEqual({
      received: JSON.parse(REQUESTS[2]?.body as string),
      type: 'application/json',
    });
  });

  it.each(REQUESTS.map((r) => [r.name, r] as const))(
    '%s: the same status, content type, location and body under Apache as under Flask',
    async (_name, r) => {
      for (const { args, server } of servers) {
        const reply = await ask(server.url, r);
        expect({ args: args.join(' '), ...essence(reply) }).toEqual({
          args: args.join(' '),
          ...essence(reference.get(r.name) as Reply),
        });
      }
    },
  );

  it("logs a view's exception with its traceback in the error log", async () => {
    for (const { server } of servers) {
      await waitFor(
        () =>
          readFileSync(join(server.root, 'error_log'), 'utf8').includes('RuntimeError: boom from myapp.boom'),
        10_000,
        'the traceback in the error log',
      );
      const log = readFileSync(join(server.root, 'error_log'), 'utf8');
      expect(log).toMatch(/File "[^"]*\/flask\/myapp\.py", line \d+, in boom/);
    }
  });

  it('streams a response chunk by chunk, as Flask does', async () => {
    const own = await streamed((dev as DevServer).url, 'dev');
    expect(own.beforeRelease).toBe('first chunk\n');
    expect(own.body).toBe('first chunk\nsecond chunk\n');
    for (const [i, { server }] of servers.entries()) {
      const result = await streamed(server.url, `apache${i}`);
      expect(result.beforeRelease).toBe('first chunk\n');
      expect(result.body).toBe('first chunk\nsecond chunk\n');
      expect(result.reply.headers['transfer-encoding']).toBe('chunked');
      expect(result.reply.headers['content-length']).toBeUndefined();
    }
  });
});

describe('reloading a Flask module app (daemon mode)', () => {
  afterEach(stopAll);

  interface WhoAmI {
    pid: number;
    message: string;
    threads: string[];
  }
  const whoami = async (server: Server) =>
    JSON.parse((await send(server.url, 'GET', '/whoami')).body) as WhoAmI;
  const moduleArgs = ['--application-type', 'module', '--callable-object', 'app', 'myapp'];

  it('without --reload-on-changes, an imported module changing does not reload; the entry point changing does', async () => {
    const cwd = join(makeWorkdir(), 'flask');
    const server = await startServer(moduleArgs, { cwd });
    const before = await whoami(server);
    expect(before.message).toBe('Hello');
    expect(before.threads).not.toContain('express-wsgi-monitor');

    writeFileSync(join(cwd, 'greeting.py'), "MESSAGE = 'Bonjour'\n\ndef greet(name):\n    return MESSAGE\n");
    expect(await whoami(server)).toMatchObject({ pid: before.pid, message: 'Hello' });

    // A newer mtime on the entry point: the next request finds reload_required() true.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(cwd, 'myapp.py'), later, later);
    const after = await whoami(server);
    expect(after.pid).not.toBe(before.pid);
    expect(after.message).toBe('Bonjour');
  });

  it('with --reload-on-changes, an edited imported module is live within 2 s', async () => {
    const cwd = join(makeWorkdir(), 'flask');
    const server = await startServer([...moduleArgs, '--reload-on-changes'], { cwd });
    const before = await whoami(server);
    expect(before.threads).toContain('express-wsgi-monitor');

    writeFileSync(join(cwd, 'greeting.py'), "MESSAGE = 'Hola'\n\ndef greet(name):\n    return MESSAGE\n");
    // mod_wsgi asks reload_required() before each request, which looks at every loaded module: the
    // first request after the edit restarts the daemon. 2 s is the promise of the issue.
    const after = await waitFor(
      async () => {
        const now = await whoami(server);
        return now.message === 'Hola' ? now : undefined;
      },
      2_000,
      'the edited module to be live',
    );
    expect(after.pid).not.toBe(before.pid);
  });
});

describe('the README project-layout recipe', () => {
  afterEach(stopAll);

  it('imports the package from --python-path and opens files relative to --working-directory', async () => {
    const [args, ...others] = recipeCommands('A project layout: --working-directory and --python-path');
    expect(others).toEqual([]);
    expect(args).toEqual(expect.arrayContaining(['--working-directory', '--python-path']));
    const cwd = makeWorkdir();
    mkdirSync(join(cwd, 'shop', 'data'), { recursive: true, mode: 0o755 });
    mkdirSync(join(cwd, 'shop', 'src', 'shop_app'), { recursive: true, mode: 0o755 });
    writeFileSync(join(cwd, 'shop', 'data', 'prices.json'), JSON.stringify({ apple: 3, pear: 4 }), {
      mode: 0o644,
    });
    writeFileSync(
      join(cwd, 'shop', 'src', 'shop_app', '__init__.py'),
      [
        'import json, os',
        'from flask import Flask, jsonify',
        'app = Flask(__name__)',
        "@app.route('/prices')",
        'def prices():',
        "    with open('data/prices.json') as f:",
        '        return jsonify(prices=json.load(f), cwd=os.getcwd(), package=__file__)',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );

    const server = await startServer((args as string[]).slice(1), { cwd });
    const reply = await send(server.url, 'GET', '/prices');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      prices: { apple: 3, pear: 4 },
      cwd: join(cwd, 'shop'),
      package: join(cwd, 'shop', 'src', 'shop_app', '__init__.py'),
    });
  });
});
