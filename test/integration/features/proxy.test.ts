/**
 * The proxy feature against real tools: every option (alone and combined) through setup-server and
 * Apache's configtest, then a real Apache in front of a loopback upstream (mount points, virtual
 * hosts, WebSocket upgrades), trusted proxy headers, and access and authentication scripts.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { setupAndConfigtest, setupServer } from '../../helpers/configtest.js';
import { configMatrix } from '../../helpers/matrix.js';
import { FIXTURES, get, getJson, startServer, stopAll, waitFor } from '../../helpers/server.js';

jest.setTimeout(60_000);

// ---------------------------------------------------------------------------------------------
// A loopback upstream that reports what reached it.

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

interface Upstream {
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  // Upgraded sockets leave the server's books: closed by hand.
  const tunnels = new Set<Socket>();
  const server: HttpServer = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (req.url?.startsWith('/moved')) {
      // ProxyPassReverse must turn this into a URL under the mount point.
      res.writeHead(302, { Location: `http://127.0.0.1:${port()}/there` });
      res.end();
      return;
    }
    const body = JSON.stringify({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  // WebSocket-style upgrade: answer 101 and echo whatever arrives.
  server.on('upgrade', (req, socket: Socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(d));
    // Apache half-closes the tunnel when its client goes: finish our side too, as a real server would.
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  const port = () => {
    const a = server.address();
    return typeof a === 'object' && a ? a.port : 0;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: port(),
        seen,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of tunnels) {
              socket.destroy();
            }
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream?.close();
});
afterEach(stopAll);

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** Sends a raw upgrade request through Apache and returns the status line and the echo of "ping". */
async function upgradeThrough(port: number, path: string): Promise<{ status: string; echo: string }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('latin1').on('data', (d: string) => (data += d));
  socket.on('error', () => undefined);
  try {
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitFor(() => data.includes('\r\n\r\n'), 10_000, 'the upgrade response');
    const head = data.slice(0, data.indexOf('\r\n\r\n') + 4);
    const status = head.split('\r\n')[0] ?? '';
    if (!status.includes(' 101 ')) {
      return { status, echo: '' };
    }
    socket.write('ping');
    await waitFor(() => data.length >= head.length + 4, 10_000, 'the echo through the tunnel');
    return { status, echo: data.slice(head.length) };
  } finally {
    socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// End to end.

describe('proxying out', () => {
  it('--proxy-mount-point and --proxy-virtual-host send requests on; the app keeps every other path', async () => {
    const up = `http://127.0.0.1:${upstream.port}`;
    const server = await startServer([
      'environ.wsgi',
      '--proxy-mount-point',
      '/upstream',
      up,
      '--proxy-virtual-host',
      'api.test',
      `${up}/vhost`,
      '--proxy-timeout',
      '30',
    ]);
    expect(server.stdout()).toContain(`Proxy Mount Point  : /upstream/ -> ${up}/`);

    // A path under the mount point reaches the upstream without the prefix, with forwarding headers.
    upstream.seen.length = 0;
    const res = await get(`${server.url}/upstream/x/y?q=1`, { 'X-Forwarded-Prefix': '/spoofed' });
    expect(res.status).toBe(200);
    const reached = JSON.parse(res.text) as { url: string; headers: IncomingHttpHeaders };
    expect(reached.url).toBe('/x/y?q=1');
    expect(reached.headers['x-forwarded-prefix']).toBe('/upstream');
    expect(reached.headers['x-forwarded-port']).toBe(String(server.port));
    expect(reached.headers['x-forwarded-proto']).toBe('http');
    expect(reached.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(upstream.seen).toHaveLength(1);

    // The bare prefix redirects to the prefix with a slash; nothing reaches the upstream or the app.
    upstream.seen.length = 0;
    const bare = await get(`${server.url}/upstream`);
    expect(bare.status).toBe(302);
    expect(String(bare.headers.location)).toMatch(/^(http:\/\/127\.0\.0\.1:\d+)?\/upstream\/$/);
    const withQuery = await get(`${server.url}/upstream?a=1`);
    expect(withQuery.status).toBe(302);
    expect(String(withQuery.headers.location)).toMatch(/\/upstream\/\?a=1$/);
    expect(upstream.seen).toHaveLength(0);

    // Redirects from the upstream come back under the mount point (ProxyPassReverse).
    const moved = await get(`${server.url}/upstream/moved`);
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe(`http://127.0.0.1:${server.port}/upstream/there`);

    // The application still serves everything else, including paths that only start alike.
    for (const path of ['/other', '/upstreamish/z', '/']) {
      const { status, json } = await getJson(`${server.url}${path}`);
      expect(status).toBe(200);
      expect(json.PATH_INFO).toBe(path);
    }

    // A WebSocket upgrade is tunnelled through the mount point.
    upstream.seen.length = 0;
    const ws = await upgradeThrough(server.port, '/upstream/socket');
    expect(ws.status).toMatch(/^HTTP\/1\.1 101 /);
    expect(ws.echo).toBe('ping');
    expect(upstream.seen[0]?.url).toBe('/socket');

    // A request for the proxied host name goes to the upstream; the app's own name does not.
    upstream.seen.length = 0;
    const vhost = await get(`${server.url}/a`, { Host: 'api.test' });
    expect(vhost.status).toBe(200);
    expect((JSON.parse(vhost.text) as { url: string }).url).toBe('/vhost/a');
    const own = await getJson(`${server.url}/a`);
    expect(own.json.PATH_INFO).toBe('/a');
    expect(upstream.seen).toHaveLength(1);
  });
});

describe('trusted proxies', () => {
  it('--trust-proxy 127.0.0.1 --trust-proxy-header X-Forwarded-For sets REMOTE_ADDR from the header', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--trust-proxy',
      '127.0.0.1',
      '--trust-proxy-header',
      'X-Forwarded-For',
    ]);
    const direct = await getJson(`${server.url}/`);
    expect(direct.json.REMOTE_ADDR).toBe('127.0.0.1');
    const res = await get(`${server.url}/`, { 'X-Forwarded-For': '203.0.113.7' });
    expect((JSON.parse(res.text) as Record<string, string>).REMOTE_ADDR).toBe('203.0.113.7');
  });

  it('the header is not believed from a client outside --trust-proxy', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--trust-proxy',
      '192.0.2.1',
      '--trust-proxy-header',
      'X-Forwarded-For',
    ]);
    const res = await get(`${server.url}/`, { 'X-Forwarded-For': '203.0.113.7' });
    const environ = JSON.parse(res.text) as Record<string, string>;
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
    expect(environ.HTTP_X_FORWARDED_FOR).toBeUndefined();
  });
});

describe('access and authentication scripts', () => {
  it('--host-access-script that denies everything gives 403 for the app and for static files', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--host-access-script',
      'features/proxy/deny.py',
      '--document-root',
      'docroot',
    ]);
    expect((await get(`${server.url}/`)).status).toBe(403);
    expect((await get(`${server.url}/page.html`)).status).toBe(403);
  });

  it('--auth-user-script: 401 without or with wrong credentials, 200 with the right ones', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--auth-user-script',
      'features/proxy/auth.py',
      '--document-root',
      'docroot',
    ]);
    const none = await get(`${server.url}/`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(`Basic realm="127.0.0.1:${server.port}"`);
    expect((await get(`${server.url}/`, basic('alice', 'wrong'))).status).toBe(401);
    expect((await get(`${server.url}/`, basic('nobody', 'wonderland'))).status).toBe(401);
    const ok = await get(`${server.url}/`, basic('alice', 'wonderland'));
    expect(ok.status).toBe(200);
    const environ = JSON.parse(ok.text) as Record<string, string>;
    expect(environ.REMOTE_USER).toBe('alice');
    expect(environ.AUTH_TYPE).toBe('Basic');
    // Static files are behind the same login.
    expect((await get(`${server.url}/page.html`)).status).toBe(401);
    expect((await get(`${server.url}/page.html`, basic('bob', 'builder'))).status).toBe(200);
  });

  it('--auth-group-script and --auth-group: only members of the group get in', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--auth-user-script',
      'features/proxy/auth.py',
      '--auth-group-script',
      'features/proxy/groups.py',
      '--auth-group',
      'staff',
    ]);
    expect((await get(`${server.url}/`)).status).toBe(401);
    expect((await get(`${server.url}/`, basic('alice', 'wonderland'))).status).toBe(200);
    // bob logs in correctly but is not in staff.
    expect((await get(`${server.url}/`, basic('bob', 'builder'))).status).toBe(401);
  });

  it('--auth-type Digest: a digest response computed from the realm is accepted, a wrong one is not', async () => {
    const server = await startServer([
      'environ.wsgi',
      '--auth-user-script',
      'features/proxy/auth.py',
      '--auth-type',
      'Digest',
    ]);
    const challenge = await get(`${server.url}/d`);
    expect(challenge.status).toBe(401);
    const header = String(challenge.headers['www-authenticate']);
    expect(header).toMatch(/^Digest /);
    const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1] ?? '';
    const realm = field('realm');
    const nonce = field('nonce');
    expect(realm).toBe(`127.0.0.1:${server.port}`);
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const answer = (password: string, nc: string) => {
      const ha1 = md5(`alice:${realm}:${password}`);
      const ha2 = md5('GET:/d');
      const cnonce = 'c0ffee';
      const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
      return {
        Authorization:
          `Digest username="alice", realm="${realm}", nonce="${nonce}", uri="/d", algorithm=MD5, ` +
          `response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}"`,
      };
    };
    expect((await get(`${server.url}/d`, answer('wrong', '00000001'))).status).toBe(401);
    const ok = await get(`${server.url}/d`, answer('wonderland', '00000002'));
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.text) as Record<string, string>).AUTH_TYPE).toBe('Digest');
  });
});

// ---------------------------------------------------------------------------------------------
// Every option through setup-server and Apache's configtest.

const SCRIPTS = ['--auth-user-script', 'features/proxy/auth.py'];
const CASES: Record<string, { args: readonly string[]; conf: readonly string[] }> = {
  '--proxy-mount-point': {
    args: ['--proxy-mount-point', '/api/', 'http://127.0.0.1:9000'],
    conf: ['ProxyPass "/api/" "http://127.0.0.1:9000/" upgrade=websocket', '<LocationMatch "^/api$">'],
  },
  '--proxy-url-alias (the hidden alias)': {
    args: ['--proxy-url-alias', '/old', 'http://127.0.0.1:9000/base'],
    conf: ['ProxyPass "/old/" "http://127.0.0.1:9000/base/"'],
  },
  '--proxy-mount-point to a UNIX socket, an https URL and a nested path': {
    args: [
      '--proxy-mount-point',
      '/sock',
      'unix:/run/app.sock|http://localhost/',
      '--proxy-mount-point',
      '/tls',
      'https://127.0.0.1:9443',
      '--proxy-mount-point',
      '/tls/v2',
      'http://[::1]:9001',
    ],
    conf: [
      'ProxyPass "/sock/" "unix:/run/app.sock|http://localhost/"',
      'ProxyPassReverse "/sock/" "http://localhost/"',
      'SSLProxyEngine On',
      'ProxyPass "/tls/v2/" "http://[::1]:9001/" upgrade=websocket\nProxyPassReverse "/tls/v2/" "http://[::1]:9001/"',
    ],
  },
  '--proxy-virtual-host': {
    args: ['--proxy-virtual-host', 'api.example.com', 'http://127.0.0.1:9000'],
    conf: ['ServerName "api.example.com"', 'ProxyPass "/" "http://127.0.0.1:9000/" upgrade=websocket'],
  },
  '--proxy-timeout': {
    args: ['--proxy-mount-point', '/api', 'http://127.0.0.1:9000', '--proxy-timeout', '300'],
    conf: ['ProxyTimeout "300"'],
  },
  '--trust-proxy': {
    args: ['--trust-proxy', '127.0.0.1', '--trust-proxy', '10.0.0.0/8', '--trust-proxy', '::1'],
    conf: ['WSGITrustedProxies "127.0.0.1" "10.0.0.0/8" "::1"'],
  },
  '--trust-proxy-header': {
    args: ['--trust-proxy-header', 'X-Forwarded-For', '--trust-proxy-header', 'X-Forwarded-Proto'],
    conf: ['WSGITrustedProxyHeaders "X-Forwarded-For" "X-Forwarded-Proto"'],
  },
  '--host-access-script': {
    args: ['--host-access-script', 'features/proxy/deny.py'],
    conf: ['WSGIAccessScript "<ws>/features/proxy/deny.py"'],
  },
  '--auth-user-script': {
    args: SCRIPTS,
    conf: ['AuthType "Basic"', 'AuthBasicProvider wsgi', 'Require valid-user'],
  },
  '--auth-type Digest': {
    args: [...SCRIPTS, '--auth-type', 'Digest'],
    conf: ['AuthType "Digest"', 'AuthDigestProvider wsgi'],
  },
  '--auth-group-script and --auth-group': {
    args: [...SCRIPTS, '--auth-group-script', 'features/proxy/groups.py', '--auth-group', 'staff'],
    conf: ['WSGIAuthGroupScript "<ws>/features/proxy/groups.py"', 'Require wsgi-group "staff"'],
  },
  '--proxy-virtual-host next to the virtual hosts of --server-name': {
    args: [
      '--server-name',
      'www.example.com',
      '--proxy-virtual-host',
      'api.example.com',
      'http://127.0.0.1:9000',
    ],
    conf: ['ServerName "www.example.com"', 'ServerName "api.example.com"'],
  },
  'everything together, in embedded mode': {
    args: [
      '--embedded-mode',
      '--proxy-mount-point',
      '/api',
      'http://127.0.0.1:9000',
      '--proxy-virtual-host',
      'a.example.com',
      'http://127.0.0.1:9001',
      '--proxy-virtual-host',
      'b.example.com',
      'https://127.0.0.1:9002',
      '--proxy-timeout',
      '5',
      '--trust-proxy',
      '127.0.0.1',
      '--trust-proxy-header',
      'X-Forwarded-For',
      '--host-access-script',
      'features/proxy/deny.py',
      ...SCRIPTS,
      '--auth-group-script',
      'features/proxy/groups.py',
    ],
    conf: ['ServerName "b.example.com"\n  SSLProxyEngine On', 'Require wsgi-group "wsgi"'],
  },
};

describe('setup-server and configtest', () => {
  const matrix = configMatrix('proxy', {
    prepare: (ws) => cpSync(join(FIXTURES, 'features'), join(ws, 'features'), { recursive: true }),
  });
  // A few at a time: each case is two short processes.
  const outcome = matrix.cases(
    CASES,
    async (c, root) => {
      const { setup, conf, configtest } = await setupAndConfigtest(c.args, root, matrix.ws);
      return { setup, conf: conf.split(matrix.ws).join('<ws>'), configtest };
    },
    Math.max(2, Math.min(4, availableParallelism())),
  );

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const { setup, conf, configtest } = await outcome(name);
    expect(setup.stderr.replace(/^express-wsgi: warning: .*\n/gm, '')).toBe('');
    expect(setup.status).toBe(0);
    for (const line of c.conf) {
      expect(conf).toContain(line);
    }
    expect(configtest.stdout + configtest.stderr).toContain('Syntax OK');
    expect(configtest.status).toBe(0);
  });

  it('a refused value writes nothing and exits 2', async () => {
    const root = join(matrix.ws, 'roots', 'refused');
    const setup = await setupServer(
      ['--proxy-mount-point', '/api', 'ftp://127.0.0.1/', '--server-root', root],
      matrix.ws,
    );
    expect(setup.status).toBe(2);
    expect(setup.stderr).toContain('--proxy-mount-point: "ftp://127.0.0.1/" is not valid');
    expect(existsSync(root)).toBe(false);
  });
});
