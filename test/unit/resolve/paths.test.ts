/** Where the server root and its files go (src/resolve/paths.ts). */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { daemonLine } from '../helpers/daemon-line.js';
import { dir, failure, run } from '../helpers/resolve-setup.js';

describe('server root', () => {
  it.each([
    ['a trailing slash', (d: string) => `${d}/`],
    ['several trailing slashes', (d: string) => `${d}///`],
    ['no trailing slash', (d: string) => d],
  ])('defaults to $TMPDIR/express-wsgi-HOST:PORT:UID, with %s stripped', (_what, tmpdir) => {
    const config = run({}, { env: { TMPDIR: tmpdir(dir) } });
    expect(config.paths.serverRoot).toBe(`${dir}/express-wsgi-localhost:8000:1000`);
  });

  it('names the host, port and uid', () => {
    const config = run({ host: '127.0.0.1', port: '8081' }, { uid: 0, gid: 0 });
    expect(config.paths.serverRoot).toBe(`${dir}/express-wsgi-127.0.0.1:8081:0`);
  });

  it('takes a relative TMPDIR from the current directory, as --server-root, for an absolute server root', () => {
    for (const tmpdir of ['.', './', `../${dir.split('/').pop()}`]) {
      expect(run({}, { env: { TMPDIR: tmpdir } }).paths.serverRoot).toBe(
        `${dir}/express-wsgi-localhost:8000:1000`,
      );
    }
  });

  it('uses /tmp when TMPDIR is unset or empty', () => {
    expect(run({}, { env: {} }).paths.serverRoot).toBe('/tmp/express-wsgi-localhost:8000:1000');
    expect(run({}, { env: { TMPDIR: '' } }).paths.serverRoot).toBe('/tmp/express-wsgi-localhost:8000:1000');
  });

  it('refuses a TMPDIR that is not a directory, naming it', () => {
    const missing = join(dir, 'no-such-dir');
    expect(failure({}, { env: { TMPDIR: missing } })).toBe(
      `TMPDIR: ${JSON.stringify(missing)} is not a directory; set TMPDIR to one, or give --server-root.`,
    );
  });

  it.each([
    ['relative to the current directory', 'root', () => join(dir, 'root')],
    ['absolute', () => join(dir, 'abs'), () => join(dir, 'abs')],
    ['with a trailing slash', 'root/', () => join(dir, 'root')],
  ])('--server-root %s', (_what, given, expected) => {
    const value = typeof given === 'function' ? given() : given;
    expect(run({ 'server-root': value }).paths.serverRoot).toBe(expected());
  });

  it('puts every generated file in the server root', () => {
    const root = join(dir, 'root');
    const { paths } = run({ 'server-root': root });
    expect(paths).toMatchObject({
      serverRoot: root,
      httpdConf: `${root}/httpd.conf`,
      apachectl: `${root}/apachectl`,
      envvars: `${root}/envvars`,
      rewriteRules: `${root}/rewrite.conf`,
      handler: `${root}/handler.wsgi`,
      welcome: `${root}/welcome.wsgi`,
      pidFile: `${root}/httpd.pid`,
      documentRoot: `${root}/htdocs`,
      ownDocumentRoot: true,
      logDirectory: root,
      socketPrefix: `${root}/wsgi`,
    });
  });

  it('refuses a --server-root whose parent is missing', () => {
    expect(failure({ 'server-root': 'a/b' })).toBe(
      `--server-root: "a/b" is not valid; expected a directory whose parent exists (${dir}/a does not).`,
    );
  });

  it('refuses a --server-root that is a file', () => {
    expect(failure({ 'server-root': 'app.wsgi' })).toBe(
      '--server-root: "app.wsgi" is not valid; expected a directory (it is a file).',
    );
  });
});

describe('url aliases', () => {
  it('sorts longer URL prefixes first and tells files from directories', () => {
    const config = run({
      'url-alias': [
        '/static',
        'static',
        '/favicon.ico',
        'favicon.ico',
        '/static/img',
        'static/img',
        '/docs',
        'static/',
      ],
    });
    expect(config.aliases).toEqual([
      { url: '/static/img', path: join(dir, 'static/img') },
      { url: '/static', path: join(dir, 'static') },
      { url: '/favicon.ico', path: join(dir, 'favicon.ico'), file: { dir, name: 'favicon.ico' } },
      // A directory given with a trailing slash keeps it (Apache then maps /docs/x, not /docsx).
      { url: '/docs', path: `${join(dir, 'static')}/` },
    ]);
  });

  it('whatever the order given, a prefix comes after every longer alias it is a prefix of', () => {
    const urls = ['/a', '/a/b', '/a/b/c', '/a-b', '/A', '/a.b', '/a/b-c', '/ab'];
    const raw = urls.flatMap((u) => [u, 'static']);
    const sorted = run({ 'url-alias': raw }).aliases.map((a) => a.url);
    for (const [i, url] of sorted.entries()) {
      for (const later of sorted.slice(i + 1)) {
        expect(later.startsWith(`${url}/`)).toBe(false);
      }
    }
    expect([...sorted].sort()).toEqual([...urls].sort());
  });

  it.each([
    [
      ['/x', 'nothing-here'],
      '--url-alias: "nothing-here" is not valid; expected an existing file or directory to serve at /x.',
    ],
    [
      ['static', 'static'],
      '--url-alias: "static" is not valid; expected a URL path such as /static as the first value.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure({ 'url-alias': raw })).toBe(message);
  });
});

describe('daemon socket paths', () => {
  // Linux sun_path is 108 bytes with the NUL; mod_wsgi appends .PID.uUID.ID.sock to the prefix.
  const WORST_SUFFIX = '.4194304.u4294967295.99.sock'.length;
  const longRoot = () => join(dir, 'r'.repeat(100));

  it('refuses a server root so long that socket paths would not fit, suggesting --socket-prefix', () => {
    const message = failure({ 'server-root': longRoot() });
    expect(message).toContain(
      `--server-root: ${JSON.stringify(longRoot())} is not valid; expected a shorter path`,
    );
    expect(message).toContain('--socket-prefix');
  });

  it('counts the socket path in UTF-8 bytes, not UTF-16 units (issue 11, item 13)', () => {
    // As many "ü" as fit by JavaScript length: each is two bytes in sun_path, so it cannot fit.
    const count = 107 - WORST_SUFFIX - join(dir, '/wsgi').length - 1;
    expect(count).toBeGreaterThan(0);
    const root = join(dir, 'ü'.repeat(count));
    expect(`${root}/wsgi`.length + WORST_SUFFIX).toBeLessThanOrEqual(107);
    expect(failure({ 'server-root': root })).toContain(
      `--server-root: ${JSON.stringify(root)} is not valid; expected a shorter path`,
    );
  });

  it('accepts that server root with a short --socket-prefix', () => {
    const config = run({ 'server-root': longRoot(), 'socket-prefix': join(dir, 'w') });
    expect(config.paths.socketPrefix).toBe(join(dir, 'w'));
  });

  it('accepts that server root in static mode, which has no daemon', () => {
    const raw = { app: 'static', 'server-root': longRoot(), 'application-type': 'static' };
    expect(run(raw).mode).toBe('static');
  });

  it('refuses a long --socket-prefix, naming it', () => {
    const prefix = join(dir, 's'.repeat(100));
    expect(failure({ 'socket-prefix': prefix })).toContain(
      `--socket-prefix: ${JSON.stringify(prefix)} is not valid`,
    );
  });

  it('refuses a --socket-prefix in a missing directory', () => {
    expect(failure({ 'socket-prefix': 'nodir/wsgi' })).toBe(
      `--socket-prefix: "nodir/wsgi" is not valid; expected a path in an existing directory (${dir}/nodir does not exist).`,
    );
  });

  it('draws the line where the longest socket path fills sun_path exactly', () => {
    const fits = 107 - WORST_SUFFIX;
    const rootOf = (prefixLength: number) =>
      `${dir}/${'x'.repeat(prefixLength - dir.length - '/'.length - '/wsgi'.length)}`;
    expect(run({ 'server-root': rootOf(fits) }).paths.socketPrefix).toHaveLength(fits);
    expect(failure({ 'server-root': rootOf(fits + 1) })).toContain('UNIX socket limit');
  });
});

describe('files, paths and the environment', () => {
  it('resolves --include-file, --envvars-script and --python-path against the current directory', () => {
    const config = run({
      app: 'app.wsgi',
      'include-file': 'extra.conf',
      'envvars-script': 'env.sh',
      'python-path': ['pylib', 'work'],
    });
    expect(config.includeFiles).toEqual([join(dir, 'extra.conf')]);
    expect(config.envvarsScript).toBe(join(dir, 'env.sh'));
    expect(config.pythonPath).toEqual([join(dir, 'pylib'), join(dir, 'work')]);
    expect(daemonLine(config).get('python-path')).toBe(`${join(dir, 'pylib')}:${join(dir, 'work')}`);
  });

  it.each([
    [
      { 'include-file': 'none.conf' },
      '--include-file: "none.conf" is not valid; expected an existing file (no such file).',
    ],
    [
      { 'envvars-script': 'pylib' },
      '--envvars-script: "pylib" is not valid; expected a file (it is a directory).',
    ],
    [{ 'python-path': 'nope' }, '--python-path: "nope" is not valid; expected an existing directory.'],
    [{ 'document-root': 'nope' }, '--document-root: "nope" is not valid; expected an existing directory.'],
    [
      { 'working-directory': 'nope' },
      '--working-directory: "nope" is not valid; expected an existing directory.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure(raw)).toBe(message);
  });

  // mod_wsgi splits python-path= and WSGIPythonPath on ':', so such a directory would silently become two.
  it('refuses a --python-path directory whose name contains ":"', () => {
    expect(failure({ app: 'app.wsgi', 'python-path': 'with:colon' })).toContain('--python-path');
  });

  it('refuses a relative --python-path that resolves under a directory whose name contains ":"', () => {
    expect(failure({ app: '../app.wsgi', 'python-path': 'sub' }, { cwd: join(dir, 'with:colon') })).toContain(
      '--python-path',
    );
  });

  it('passes --setenv, --passenv, --document-root and the directory options through', () => {
    const config = run({
      setenv: ['A', 'x "y" z', 'B', ''],
      passenv: ['HOME', 'LANG'],
      'document-root': 'docroot',
      'directory-index': 'index.html',
      'directory-listing': true,
      'compress-responses': true,
      'chunked-request': true,
    });
    expect(config.setenv).toEqual([
      ['A', 'x "y" z'],
      ['B', ''],
    ]);
    expect(config.passenv).toEqual(['HOME', 'LANG']);
    expect(config.paths.documentRoot).toBe(join(dir, 'docroot'));
    expect(config.paths.ownDocumentRoot).toBe(false);
    expect(config).toMatchObject({
      directoryIndex: 'index.html',
      directoryListing: true,
      compressResponses: true,
      chunkedRequest: true,
    });
  });

  it('records the command line and version given in the context', () => {
    const config = run({}, { argv: ['express-wsgi', 'setup-server', '--port', '9'], version: '9.9.9' });
    expect(config.argv).toEqual(['express-wsgi', 'setup-server', '--port', '9']);
    expect(config.version).toBe('9.9.9');
    expect(config.httpd).toBe('/usr/sbin/apache2');
    expect(config.modWsgiVersion).toBe('4.9.4');
  });
});
