/**
 * The https feature against real tools: every option (alone and combined) through setup-server and
 * Apache's configtest; refusals that leave nothing written; then a real Apache with a self-signed
 * certificate made here: the app over HTTPS without --server-name, --https-only's 301s, HSTS,
 * the TLS environ, client certificates, name-based virtual hosts and HTTP/2.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders } from 'node:http';
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { setupAndConfigtest, setupServer } from '../../helpers/configtest.js';
import { configMatrix } from '../../helpers/matrix.js';
import { FIXTURES, freePort, get, getJson, type Server, startServer, stopAll } from '../../helpers/server.js';
import { selfSigned } from '../../helpers/tls.js';

jest.setTimeout(60_000);

let ws: string;
let certs: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
}

/** Certificates for the cases: self-signed ones, a CA and a client certificate it signed. */
function makeCertificates(): void {
  selfSigned(certs, 'site', 'localhost');
  selfSigned(certs, 'other', 'other');
  selfSigned(certs, 'ca', 'Test CA');
  // A client certificate signed by that CA.
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=client',
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'client.crt',
  );
  writeFileSync(
    join(certs, 'combined.pem'),
    readFileSync(join(certs, 'site.crt'), 'utf8') + readFileSync(join(certs, 'site.key'), 'utf8'),
  );
  const weird = join(certs, `we"ird 'dir' $x`);
  mkdirSync(weird, { mode: 0o755 });
  writeFileSync(join(weird, 'c.crt'), readFileSync(join(certs, 'site.crt')));
  writeFileSync(join(weird, 'c.key'), readFileSync(join(certs, 'site.key')));
  for (const name of ['site.key', 'other.key', 'ca.key', 'client.key']) {
    chmodSync(join(certs, name), 0o644);
  }
}

// Readable by everyone: started as root, Apache's children run as www-data.
const matrix = configMatrix('https', {
  dirs: ['certs'],
  files: { 'environ.wsgi': readFileSync(join(FIXTURES, 'environ.wsgi')) },
  prepare: (dir) => {
    ws = dir;
    certs = join(dir, 'certs');
    makeCertificates();
  },
});

// ---------------------------------------------------------------------------------------------
// Every option through setup-server and Apache's configtest.

const TLS = ['--https-port', '8443', '--ssl-certificate', 'certs/site'];

interface Case {
  readonly args: readonly string[];
  /** Parts of httpd.conf that prove the option took effect (<ws> stands for the workspace). */
  readonly conf: readonly string[];
  readonly warning?: RegExp;
}

const CASES: Record<string, Case> = {
  '--https-port with --ssl-certificate': {
    args: TLS,
    conf: [
      'Listen "8443" https',
      '<VirtualHost *:8443>\n  ServerName "localhost:8443"\n  SSLEngine on\n  SSLCertificateFile "<ws>/certs/site.crt"\n  SSLCertificateKeyFile "<ws>/certs/site.key"\n',
    ],
  },
  '--ssl-port (the hidden alias)': {
    args: ['--ssl-port', '9443', '--ssl-certificate', 'certs/site'],
    conf: ['Listen "9443" https', '<VirtualHost *:9443>'],
  },
  '--ssl-certificate-file and --ssl-certificate-key-file': {
    args: [
      '--https-port',
      '8443',
      '--ssl-certificate-file',
      'certs/site.crt',
      '--ssl-certificate-key-file',
      'certs/site.key',
    ],
    conf: ['SSLCertificateFile "<ws>/certs/site.crt"', 'SSLCertificateKeyFile "<ws>/certs/site.key"'],
  },
  '--ssl-certificate-file holding the key too': {
    args: ['--https-port', '8443', '--ssl-certificate-file', 'certs/combined.pem'],
    conf: ['SSLCertificateFile "<ws>/certs/combined.pem"'],
  },
  '--ssl-certificate in a directory with quotes, spaces and $': {
    args: ['--https-port', '8443', '--ssl-certificate', `certs/we"ird 'dir' $x/c`],
    conf: [`SSLCertificateFile "<ws>/certs/we\\"ird 'dir' $x/c.crt"`],
  },
  '--ssl-certificate-chain-file': {
    args: [...TLS, '--ssl-certificate-chain-file', 'certs/ca.crt'],
    conf: ['SSLCertificateChainFile "<ws>/certs/ca.crt"'],
  },
  '--ssl-ca-certificate-file': {
    args: [...TLS, '--ssl-ca-certificate-file', 'certs/ca.crt'],
    conf: ['SSLCACertificateFile "<ws>/certs/ca.crt"\n  SSLVerifyClient require\n  SSLVerifyDepth 1\n'],
  },
  '--ssl-verify-client (twice)': {
    args: [
      ...TLS,
      '--ssl-ca-certificate-file',
      'certs/ca.crt',
      '--ssl-verify-client',
      '/a',
      '--ssl-verify-client',
      '/b',
    ],
    conf: [
      'SSLVerifyClient none',
      '<Location "/b">\n    SSLVerifyClient require\n    SSLVerifyDepth 1\n  </Location>\n  <Location "/a">',
    ],
  },
  '--ssl-environment': { args: [...TLS, '--ssl-environment'], conf: ['  SSLOptions +StdEnvVars\n'] },
  '--https-only': {
    args: [...TLS, '--https-only'],
    conf: [
      '<VirtualHost *:8000>\n  RewriteEngine On\n',
      'RewriteRule "^" "https://%1:8443%{REQUEST_URI}" [R=301,L]',
    ],
  },
  '--hsts-policy': {
    args: [...TLS, '--hsts-policy', 'max-age=31536000; includeSubDomains'],
    conf: [
      'LoadModule headers_module',
      'Header always set Strict-Transport-Security "max-age=31536000; includeSubDomains"',
    ],
  },
  '--server-name (no HTTPS)': {
    args: ['--server-name', 'app.example.test'],
    conf: [
      'ServerName "express-wsgi.invalid"\n  <Location "/">\n    Require all denied\n',
      'ServerName "app.example.test"',
    ],
  },
  '--server-name www. (redirects the bare domain)': {
    args: ['--server-name', 'www.example.test'],
    conf: ['ServerName "example.test"\n  Redirect permanent "/" "http://www.example.test:8000/"'],
  },
  '--server-alias (twice, with a wildcard)': {
    args: [
      '--server-name',
      'app.example.test',
      '--server-alias',
      '*.example.org',
      '--server-alias',
      'alt.example.test',
    ],
    conf: ['ServerAlias "*.example.org" "alt.example.test"'],
  },
  '--allow-localhost': {
    args: ['--server-name', 'app.example.test', '--allow-localhost'],
    conf: ['    Require local\n'],
  },
  '--allow-localhost without --server-name (a warning)': {
    args: ['--allow-localhost'],
    conf: [],
    warning: /--allow-localhost has no effect without --server-name/,
  },
  '--http2': { args: ['--http2'], conf: ['LoadModule http2_module', 'Protocols h2 h2c http/1.1'] },
  'HTTPS on --host ::1, ports 80 and 443': {
    args: [...TLS.slice(2), '--host', '::1', '--port', '80', '--https-port', '443'],
    conf: ['Listen "[::1]:443" https', 'ServerName "localhost:443"'],
  },
  'everything at once': {
    args: [
      ...TLS,
      '--ssl-certificate-chain-file',
      'certs/ca.crt',
      '--ssl-ca-certificate-file',
      'certs/ca.crt',
      '--ssl-verify-client',
      '/secure',
      '--ssl-environment',
      '--https-only',
      '--hsts-policy',
      'max-age=600',
      '--server-name',
      'www.example.test',
      '--server-alias',
      'alt.example.test',
      '--allow-localhost',
      '--http2',
    ],
    conf: [
      'Redirect permanent "/" "https://www.example.test:8443/"',
      '<VirtualHost *:8443>\n  ServerName "example.test"',
    ],
  },
  'with --proxy-virtual-host and --server-name': {
    args: [
      ...TLS,
      '--server-name',
      'app.example.test',
      '--proxy-virtual-host',
      'api.example.test',
      'http://127.0.0.1:9',
    ],
    conf: ['ServerName "app.example.test"', 'ServerName "api.example.test"'],
  },
  'with --proxy-virtual-host and --https-only (no --server-name)': {
    args: [...TLS, '--https-only', '--proxy-virtual-host', 'api.example.test', 'http://127.0.0.1:9'],
    conf: ['<VirtualHost *:8000>\n  RewriteEngine On\n', 'ServerName "api.example.test"'],
  },
};

describe('setup-server and configtest', () => {
  let refusedCount = 0;

  // Each case is two short processes; a few at a time keeps the whole table quick.
  const outcome = matrix.cases(CASES, (c, root) => setupAndConfigtest(['environ.wsgi', ...c.args], root, ws));

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const { setup, conf: written, configtest } = await outcome(name);
    const warnings = setup.stderr.match(/^express-wsgi: warning: .*$/gm) ?? [];
    expect(setup.stderr.replace(/^express-wsgi: warning: .*\n/gm, '')).toBe('');
    expect(setup.status).toBe(0);
    if (c.warning) {
      expect(warnings).toContainEqual(expect.stringMatching(c.warning));
    } else {
      expect(warnings).toEqual([]);
    }
    const conf = written.split(ws).join('<ws>');
    for (const part of c.conf) {
      expect(conf).toContain(part);
    }
    expect(configtest.stdout + configtest.stderr).toContain('Syntax OK');
    expect(configtest.status).toBe(0);
  });

  it.each([
    [
      ['--ssl-certificate-file', 'certs/site.crt'],
      /^express-wsgi: error: --https-port must be given when SSL certificate options are \(--ssl-certificate-file was\)/m,
    ],
    [['--https-only'], /--https-only needs --https-port/],
    [['--https-port', '8443'], /--https-port needs a server certificate and its key/],
    [
      ['--https-port', '8443', '--ssl-certificate', 'certs/missing'],
      /--ssl-certificate: "certs\/missing.crt" is not valid; expected an existing certificate file \(no such file\)/,
    ],
    [
      [
        '--https-port',
        '8443',
        '--ssl-certificate-file',
        'certs/site.crt',
        '--ssl-certificate-key-file',
        'certs/other.key',
      ],
      /--ssl-certificate-key-file: "certs\/other.key" is not valid; expected the private key of the certificate in/,
    ],
    [['--server-name', 'example.test:8000'], /--server-name: "example.test:8000" is not valid/],
  ])('%p is refused with exit status 2 before anything is written', async (args, message) => {
    const root = join(ws, 'roots', `refused-${(refusedCount += 1)}`);
    const setup = await setupServer(['environ.wsgi', ...args, '--server-root', root], ws);
    expect(setup.stderr).toMatch(message);
    expect(setup.status).toBe(2);
    expect(existsSync(root)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end.

afterEach(stopAll);

interface TlsResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The CN of the certificate the server presented. */
  readonly peerCn: string;
  readonly protocol: string;
}

interface TlsOptions {
  readonly host?: string;
  readonly servername?: string;
  readonly clientCert?: string;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** A GET over TLS to 127.0.0.1, trusting any certificate (ours is self-signed). */
function httpsGet(port: number, path: string, options: TlsOptions = {}): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        agent: false,
        rejectUnauthorized: false,
        timeout: 20_000,
        ...(options.host ? { headers: { Host: options.host } } : {}),
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.clientCert
          ? {
              cert: readFileSync(join(certs, `${options.clientCert}.crt`)),
              key: readFileSync(join(certs, `${options.clientCert}.key`)),
            }
          : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peerCn = String(socket.getPeerCertificate().subject?.CN ?? '');
        const protocol = socket.getProtocol() ?? '';
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            peerCn,
            protocol,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET https://127.0.0.1:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A GET over HTTP/2: h2 with ALPN for https:, h2c with prior knowledge for http:. */
function http2Get(
  origin: string,
  path: string,
  host?: string,
): Promise<{ status: number; text: string; alpn?: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(origin, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({
      [h2.HTTP2_HEADER_PATH]: path,
      ...(host ? { [h2.HTTP2_HEADER_AUTHORITY]: host } : {}),
    });
    let status = 0;
    let text = '';
    req.setEncoding('utf8');
    req.on('response', (headers) => (status = Number(headers[h2.HTTP2_HEADER_STATUS])));
    req.on('data', (d: string) => (text += d));
    req.on('error', (e) => {
      session.close();
      reject(e);
    });
    req.on('end', () => {
      const alpn = (session.socket as TLSSocket).alpnProtocol || undefined;
      session.close();
      resolve({ status, text, alpn });
    });
    req.end();
  });
}

/** A bare HTTP/1.0 request without a Host header: the raw response head. */
function rawHttp10(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    socket.setEncoding('latin1');
    socket.setTimeout(20_000, () => socket.destroy(new Error('raw HTTP/1.0 request timed out')));
    socket.on('data', (d: string) => (data += d));
    socket.on('end', () => resolve(data.slice(0, data.indexOf('\r\n\r\n'))));
    socket.on('error', reject);
  });
}

const environOf = (text: string) => JSON.parse(text) as Record<string, string>;

/** environ.wsgi with HTTPS on a free port too, with the self-signed certificate for localhost. */
async function startHttps(extra: readonly string[] = []): Promise<{ server: Server; httpsPort: number }> {
  const httpsPort = await freePort();
  const server = await startServer([
    'environ.wsgi',
    '--https-port',
    String(httpsPort),
    '--ssl-certificate',
    join(certs, 'site'),
    ...extra,
  ]);
  return { server, httpsPort };
}

describe('HTTPS without --server-name', () => {
  it('the app answers on the HTTPS port with the certificate given, and still on plain HTTP', async () => {
    const { server, httpsPort } = await startHttps();
    expect(server.stdout()).toContain(`Server URL (HTTPS) : https://127.0.0.1:${httpsPort}/`);

    const res = await httpsGet(httpsPort, '/some/path?x=1');
    expect(res.status).toBe(200);
    expect(res.peerCn).toBe('localhost');
    const environ = environOf(res.text);
    expect(environ['wsgi.url_scheme']).toBe('https');
    expect(environ.PATH_INFO).toBe('/some/path');
    expect(environ.SERVER_PORT).toBe(String(httpsPort));
    // Without --ssl-environment the TLS details stay out of the environ.
    expect(environ.SSL_PROTOCOL).toBeUndefined();
    // No HSTS unless asked for.
    expect(res.headers['strict-transport-security']).toBeUndefined();

    const plain = await getJson(`${server.url}/other`);
    expect(plain.status).toBe(200);
    expect(plain.json['wsgi.url_scheme']).toBe('http');
  });

  it('--https-only: plain HTTP gets a 301 to HTTPS; --hsts-policy and --ssl-environment on HTTPS responses', async () => {
    const httpsPort = await freePort();
    const server = await startServer([
      'environ.wsgi',
      '--https-port',
      String(httpsPort),
      '--ssl-certificate-file',
      join(certs, 'combined.pem'),
      '--https-only',
      '--hsts-policy',
      'max-age=600; includeSubDomains',
      '--ssl-environment',
    ]);

    const redirect = await get(`${server.url}/a/b?q=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://127.0.0.1:${httpsPort}/a/b?q=1`);
    expect(redirect.headers['strict-transport-security']).toBeUndefined();
    // The host name the client asked for is kept, IPv6 literals included.
    const named = await get(`${server.url}/x`, { Host: `app.example.test:${server.port}` });
    expect(named.headers.location).toBe(`https://app.example.test:${httpsPort}/x`);
    const v6 = await get(`${server.url}/x`, { Host: `[::1]:${server.port}` });
    expect(v6.headers.location).toBe(`https://[::1]:${httpsPort}/x`);
    // No Host header at all (HTTP/1.0): the address it listens on.
    const head = await rawHttp10(server.port, '/old');
    expect(head).toMatch(/^HTTP\/1\.1 301 /);
    expect(head).toContain(`\r\nLocation: https://127.0.0.1:${httpsPort}/old`);

    const res = await httpsGet(httpsPort, '/a/b?q=1');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=600; includeSubDomains');
    const environ = environOf(res.text);
    expect(environ.SSL_PROTOCOL).toBe(res.protocol);
    expect(environ.SSL_SERVER_S_DN_CN).toBe('localhost');
  });

  it('--ssl-verify-client: a path needs a client certificate signed by --ssl-ca-certificate-file', async () => {
    const { httpsPort } = await startHttps([
      '--ssl-ca-certificate-file',
      join(certs, 'ca.crt'),
      '--ssl-verify-client',
      '/secure',
      '--ssl-environment',
    ]);
    // Asking for the certificate later in the connection is a TLS 1.2 renegotiation (Node has no
    // TLS 1.3 post-handshake authentication).
    const tls12 = { maxVersion: 'TLSv1.2' } as const;
    expect((await httpsGet(httpsPort, '/open', tls12)).status).toBe(200);
    const withCert = await httpsGet(httpsPort, '/secure/x', { ...tls12, clientCert: 'client' });
    expect(withCert.status).toBe(200);
    expect(environOf(withCert.text).SSL_CLIENT_S_DN_CN).toBe('client');
    // Without one, or with one the CA did not sign, the request fails.
    for (const clientCert of [undefined, 'other']) {
      const outcome = await httpsGet(httpsPort, '/secure/x', { ...tls12, clientCert }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      expect(outcome).not.toBe(200);
    }
  });
});

describe('--server-name', () => {
  it('other host names are refused (403) on both ports; the name and its aliases are served; www. redirects', async () => {
    const { server, httpsPort } = await startHttps([
      '--server-name',
      'www.example.test',
      '--server-alias',
      'alt.example.test',
    ]);
    expect(server.stdout()).toContain(`Server URL         : http://www.example.test:${server.port}/`);
    expect(server.stdout()).toContain(`Server URL (HTTPS) : https://www.example.test:${httpsPort}/`);

    const at = (host: string) => get(`${server.url}/p`, { Host: `${host}:${server.port}` });
    expect((await at('www.example.test')).status).toBe(200);
    expect((await at('alt.example.test')).status).toBe(200);
    expect((await at('wrong.example.test')).status).toBe(403);
    expect((await get(`${server.url}/p`)).status).toBe(403); // Host: 127.0.0.1:PORT
    const bare = await at('example.test');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`http://www.example.test:${server.port}/p`);

    // Over HTTPS the name comes from SNI and the Host header.
    const tls = (host: string) =>
      httpsGet(httpsPort, '/p', { host: `${host}:${httpsPort}`, servername: host }).then((r) => r.status);
    expect(await tls('www.example.test')).toBe(200);
    expect(await tls('alt.example.test')).toBe(200);
    expect(await tls('wrong.example.test')).toBe(403);
    expect((await httpsGet(httpsPort, '/p')).status).toBe(403);
  });

  it('--allow-localhost serves any host name to this machine; --https-only redirects the named site', async () => {
    const { server, httpsPort } = await startHttps([
      '--server-name',
      'app.example.test',
      '--allow-localhost',
      '--https-only',
    ]);
    const other = await get(`${server.url}/p`, { Host: 'anything.example.test' });
    expect(other.status).toBe(200);
    const named = await get(`${server.url}/p?q=1`, { Host: `app.example.test:${server.port}` });
    expect(named.status).toBe(301);
    expect(named.headers.location).toBe(`https://app.example.test:${httpsPort}/p?q=1`);
    expect(
      (await httpsGet(httpsPort, '/p', { host: 'app.example.test', servername: 'app.example.test' })).status,
    ).toBe(200);
    expect((await httpsGet(httpsPort, '/p', { host: 'anything.example.test' })).status).toBe(200);
  });
});

describe('--http2', () => {
  it('HTTP/2 over TLS (ALPN h2) and in clear text (h2c), with the name checks still applied', async () => {
    const { server, httpsPort } = await startHttps(['--http2']);
    const tls = await http2Get(`https://127.0.0.1:${httpsPort}`, '/h2');
    expect(tls.status).toBe(200);
    expect(tls.alpn).toBe('h2');
    expect(environOf(tls.text).SERVER_PROTOCOL).toBe('HTTP/2.0');
    const clear = await http2Get(server.url, '/h2c');
    expect(clear.status).toBe(200);
    expect(environOf(clear.text).SERVER_PROTOCOL).toBe('HTTP/2.0');
    expect(environOf(clear.text).PATH_INFO).toBe('/h2c');
  });

  it('without --http2 there is no HTTP/2', async () => {
    const { httpsPort } = await startHttps();
    const outcome = await http2Get(`https://127.0.0.1:${httpsPort}`, '/').then(
      (r) => `status ${r.status}`,
      (e: Error) => e.message,
    );
    expect(outcome).not.toBe('status 200');
    // HTTP/1.1 over TLS still works, negotiated without h2.
    expect((await httpsGet(httpsPort, '/')).status).toBe(200);
  });
});
