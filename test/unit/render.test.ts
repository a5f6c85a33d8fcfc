import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts, Context, ServerConfig } from '../../src/config.js';
import { render, type RenderedFile } from '../../src/render/render.js';
import { resolve } from '../../src/resolve/index.js';
import {
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  removeDir,
  scrub,
  tempDir,
} from './helpers/fakes.js';

let dir: string;
let accounts: Accounts;
/** A directory name with every character the three quoting schemes must handle. */
const WEIRD = `we"ird 'dir' $x \\ ü`;

beforeAll(() => {
  dir = tempDir('ew-render-');
  accounts = fakeAccounts(dir);
  for (const d of ['static', 'logs', 'pylib', 'venv', 'project/mysite', WEIRD]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  writeFileSync(join(dir, 'venv', 'pyvenv.cfg'), 'version = 3.11.2\n');
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, WEIRD, 'app.wsgi'), 'application = None\n');
  writeFileSync(join(dir, 'robots.txt'), 'User-agent: *\n');
  writeFileSync(join(dir, 'extra.conf'), '# extra\n');
  writeFileSync(join(dir, 'env.sh'), 'export A=1\n');
});

afterAll(() => removeDir(dir));

function configOf(
  raw: Record<string, unknown>,
  ctx: Partial<Omit<Context, 'accounts' | 'cwd'>> = {},
): ServerConfig {
  const config = resolve(options(raw), fakeDiscovery(), fakeContext(accounts, dir, ctx));
  // Which mime.types exists depends on the machine; fix it so the output does not.
  return { ...config, mimeTypes: '/etc/mime.types' };
}

const byName = (files: readonly RenderedFile[]) => new Map(files.map((f) => [basename(f.path), f]));

describe('generated files, snapshotted', () => {
  const cases: [string, Record<string, unknown>, Partial<Context>][] = [
    ['welcome page, defaults, not root', { 'server-root': 'root' }, {}],
    [
      'daemon script app as root, everything on',
      {
        app: 'app.wsgi',
        'server-root': 'root',
        host: '127.0.0.1',
        port: '8080',
        processes: '4',
        threads: '25',
        'mount-point': '/app/',
        'url-alias': ['/static', 'static', '/robots.txt', 'robots.txt'],
        'access-log': true,
        'access-log-format': '%h "%r" %>s \\"%{User-Agent}i\\"',
        'error-log-format': '[%t] [%l] %M',
        'log-directory': 'logs',
        'log-level': 'info rewrite:trace3',
        setenv: ['GREETING', 'say "hi" \\ $HOME', 'EMPTY', ''],
        passenv: ['HOME'],
        'compress-responses': true,
        'include-file': 'extra.conf',
        'python-home': 'venv',
        'python-path': 'pylib',
        'directory-index': 'index.html',
        'chunked-request': true,
        'reload-on-changes': true,
        'maximum-requests': '1000',
        'header-max-timeout': '0',
        'body-max-timeout': '40',
        'limit-request-body': '1024',
        locale: 'en_US.UTF-8',
      },
      {
        uid: 0,
        gid: 0,
        argv: ['express-wsgi', 'setup-server', 'app.wsgi', '--setenv', 'GREETING', 'say "hi"'],
      },
    ],
    [
      'embedded module app on worker, logging to the terminal',
      {
        app: 'mysite.wsgi',
        'application-type': 'module',
        'callable-object': 'app',
        'server-root': 'root',
        'embedded-mode': true,
        processes: '3',
        threads: '4',
        'python-path': 'project',
        'working-directory': 'project',
        'log-to-terminal': true,
        'access-log': true,
        'access-log-format': 'combined',
        'startup-log': true,
        'keep-alive-timeout': '0',
        'header-timeout': '0',
        'envvars-script': 'env.sh',
        'socket-prefix': 'sock',
      },
      {},
    ],
    [
      'static directory on prefork with listing',
      {
        app: 'static',
        'application-type': 'static',
        'server-root': 'root',
        'server-mpm': 'prefork',
        'directory-listing': true,
        'directory-index': 'index.html',
        host: '::1',
        port: '80',
      },
      {},
    ],
  ];

  it.each(cases)('%s', (_name, raw, ctx) => {
    const files = render(configOf(raw, ctx));
    // Each file on its own, so a change shows up under the file's name.
    for (const file of files) {
      expect({
        path: scrub(file.path, dir),
        mode: file.mode.toString(8),
        keepExisting: Boolean(file.keepExisting),
      }).toMatchSnapshot(`${basename(file.path)} (file)`);
      expect(scrub(file.content, dir)).toMatchSnapshot(basename(file.path));
    }
  });
});

describe('which files and modes', () => {
  it.each([
    [
      'the welcome page',
      {},
      [
        'httpd.conf',
        'apachectl',
        'steer-listeners.pl',
        'envvars',
        'rewrite.conf',
        'handler.wsgi',
        'check-app.py',
        'welcome.wsgi',
      ],
    ],
    [
      'an application',
      { app: 'app.wsgi' },
      [
        'httpd.conf',
        'apachectl',
        'steer-listeners.pl',
        'envvars',
        'rewrite.conf',
        'handler.wsgi',
        'check-app.py',
      ],
    ],
    [
      'static files',
      { app: 'static', 'application-type': 'static' },
      ['httpd.conf', 'apachectl', 'steer-listeners.pl', 'envvars', 'rewrite.conf'],
    ],
  ])('%s: %j', (_what, raw, names) => {
    const files = render(configOf({ 'server-root': 'root', ...raw }));
    expect(files.map((f) => basename(f.path))).toEqual(names);
    for (const file of files) {
      expect(file.path).toBe(join(dir, 'root', basename(file.path)));
    }
    const f = byName(files);
    expect(f.get('apachectl')?.mode).toBe(0o755);
    expect(f.get('httpd.conf')?.mode).toBe(0o644);
    // The user's own files survive a rerun; generated ones are replaced.
    expect(files.filter((x) => x.keepExisting).map((x) => basename(x.path))).toEqual([
      'envvars',
      'rewrite.conf',
    ]);
  });
});

describe('quoting survives hostile values', () => {
  it('an entry point path with quotes, backslash, $ and non-ASCII reaches Python unchanged', () => {
    const entry = join(dir, WEIRD, 'app.wsgi');
    const handler = byName(render(configOf({ app: entry, 'server-root': 'root' }))).get('handler.wsgi');
    const file = join(dir, 'handler-check.py');
    writeFileSync(file, handler?.content ?? '');
    const code = [
      'import ast, json, sys',
      'tree = ast.parse(open(sys.argv[1], encoding="ascii").read())',
      'values = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body',
      '          if isinstance(t, ast.Assign) and isinstance(t.targets[0], ast.Name) and t.targets[0].id.isupper()}',
      'print(json.dumps(values))',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({
      ENTRY_POINT: entry,
      APPLICATION_TYPE: 'script',
      CALLABLE_OBJECT: 'application',
      MOUNT_POINT: '/',
    });
  });

  it('apachectl hands httpd the server root and working directory exactly, whatever their names', () => {
    const root = join(dir, WEIRD, 'root');
    mkdirSync(root, { recursive: true });
    // A stand-in httpd that prints its arguments and two exported variables, NUL-separated.
    const fake = join(dir, 'fake-httpd');
    writeFileSync(fake, '#!/bin/sh\nprintf "%s\\0" "$PWD" "$MOD_WSGI_SERVER_ROOT" "$LANG" "$@"\n', {
      mode: 0o755,
    });
    const config = { ...configOf({ 'server-root': root, 'working-directory': WEIRD }), httpd: fake };
    const apachectl = byName(render(config)).get('apachectl');
    const script = join(root, 'apachectl');
    writeFileSync(script, apachectl?.content ?? '', { mode: 0o755 });
    const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));
    for (const shell of shells) {
      const out = execFileSync(shell, [script, 'configtest', '-DX'], { encoding: 'utf8' });
      expect(out.split('\0').slice(0, -1)).toEqual([
        join(dir, WEIRD),
        root,
        'C.UTF-8',
        '-d',
        root,
        '-f',
        `${root}/httpd.conf`,
        '-t',
        '-DX',
      ]);
    }
  });

  it('a line break in the recorded command line stays inside the comment', () => {
    const argv = ['express-wsgi', 'setup-server', '--setenv', 'X', 'a\ntouch /tmp/injected\n#'];
    const apachectl = byName(render(configOf({}, { argv }))).get('apachectl')?.content ?? '';
    const code = apachectl.split('\n').filter((line) => !line.startsWith('#'));
    expect(code.join('\n')).not.toContain('injected');
    expect(apachectl).toContain("'a\\ntouch /tmp/injected\\n#'");
    const r = spawnSync('/bin/sh', ['-n'], { input: apachectl, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('values in httpd.conf are quoted for Apache, not left bare', () => {
    const conf =
      byName(
        render(
          configOf({
            'server-root': 'root',
            setenv: ['A', 'x "y" \\z'],
            'access-log': true,
            'access-log-format': '%h "%r"',
            'url-alias': ['/w', WEIRD],
          }),
        ),
      ).get('httpd.conf')?.content ?? '';
    expect(conf).toContain('SetEnv "A" "x \\"y\\" \\\\z"');
    expect(conf).toContain('LogFormat "%h \\"%r\\"" custom');
    expect(conf).toContain(`Alias "/w" "${join(dir, WEIRD).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  });

  it("bounds every graceful stop: --graceful-stop says how long, else a restart's drain", () => {
    const conf = (raw: Record<string, unknown>) =>
      byName(render(configOf({ 'server-root': 'root', ...raw }))).get('httpd.conf')?.content ?? '';
    // An old Apache whose restart was killed while it drained would otherwise wait for ever.
    expect(conf({}).match(/^GracefulShutdownTimeout .*$/gm)).toEqual(['GracefulShutdownTimeout 30']);
    expect(
      conf({ 'graceful-stop': true, 'shutdown-timeout': 7 }).match(/^GracefulShutdownTimeout .*$/gm),
    ).toEqual(['GracefulShutdownTimeout 7']);
  });

  it('refuses to render a value Apache would expand, rather than write it', () => {
    const config = configOf({ 'server-root': 'root' });
    const bad = { ...config, log: { ...config.log, errorLogFormat: 'x ${HOME}' } };
    expect(() => render(bad)).toThrow('Apache would expand');
  });
});
