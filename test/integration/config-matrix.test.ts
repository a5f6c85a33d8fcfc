/**
 * The configtest matrix: many option combinations through the built CLI's setup-server, each
 * checked by the real tools that will read the files: Apache's own configtest (through the
 * generated apachectl), sh -n and dash -n on apachectl, and python3's compiler on the .wsgi
 * files. No server is started here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, jest } from '@jest/globals';

import { checkRoot, cleanEnv, pyCompile, type Ran, setupServer, shellSyntax } from '../helpers/configtest.js';
import { configMatrix } from '../helpers/matrix.js';

jest.setTimeout(30_000);

const PYTHON = '/usr/bin/python3';
const uid = process.getuid?.() ?? 0;
const WEIRD = `we"ird 'dir' $x \\ ü`;

// Readable by everyone: started as root, Apache's children run as www-data.
const matrix = configMatrix('matrix', {
  dirs: ['tmpdir', 'static', 'logs', 'pylib', 'pkg/mysite', 'venv', 'prefix/lib/python3.11', WEIRD],
  files: {
    'app.wsgi':
      'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\n',
    [`${WEIRD}/app.wsgi`]: 'def application(environ, start_response):\n    return []\n',
    'pkg/mysite/__init__.py': '',
    'pkg/mysite/wsgi.py': 'def app(environ, start_response):\n    return []\n',
    'site.ini': '[app:main]\nuse = call:mysite.wsgi:app\n',
    'static/index.html': '<p>hi</p>\n',
    'favicon.ico': 'icon',
    'plain.conf': 'ServerAdmin admin@example.com\n',
    // ${EW_ADMIN} is defined only when the envvars script ran before Apache read this.
    'env.conf': 'ServerAdmin ${EW_ADMIN}\n',
    'envvars.sh': 'EW_ADMIN="envvars@example.com"\nexport EW_ADMIN\n',
    'venv/pyvenv.cfg': 'home = /usr/bin\nversion = 3.11.2\n',
  },
});

interface Case {
  readonly args: readonly string[];
  /** Lines (or parts of lines) httpd.conf must contain: proof that the option took effect. */
  readonly conf?: readonly string[];
  /** Lines httpd.conf must not contain. */
  readonly notConf?: readonly string[];
  /** No --server-root: the default under $TMPDIR is used, named after this port. */
  readonly defaultRootPort?: number;
  /** A server root name other than the case number. */
  readonly root?: string;
  /** The directory to run in, under the workspace (the workspace itself unless given). */
  readonly cwd?: string;
}

const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

const CASES: Record<string, Case> = {
  'defaults: welcome page, daemon mode, event MPM': {
    args: [],
    conf: ['# event MPM', 'WSGIDaemonProcess "localhost:8000"', 'MaxRequestWorkers 320', 'KeepAlive On'],
  },
  'the default server root under $TMPDIR': {
    args: ['--port', '8123'],
    defaultRootPort: 8123,
    conf: ['Listen "8123"'],
  },
  'a WSGI script': { args: ['app.wsgi'], conf: ['WSGIHandlerScript wsgi-handler'] },
  'a script in a directory with quotes, backslash, $ and non-ASCII': {
    args: [`${WEIRD}/app.wsgi`, '--working-directory', WEIRD, '--url-alias', '/weird', WEIRD],
    conf: [`home="${q(join('<ws>', WEIRD))}"`, `Alias "/weird" "${q(join('<ws>', WEIRD))}"`],
  },
  'a server root with quotes, spaces and $': {
    args: ['app.wsgi'],
    root: `r "q" $x 'y'`,
    conf: [`ServerRoot "${q(`<ws>/roots/r "q" $x 'y'`)}"`],
  },
  '4 processes x 25 threads': {
    args: ['app.wsgi', '--processes', '4', '--threads', '25'],
    conf: ['ThreadsPerChild 320', 'MaxRequestWorkers 320', 'processes="4" threads="25"'],
  },
  '1 process x 1 thread': { args: ['app.wsgi', '--processes', '1', '--threads', '1'], conf: ['threads="1"'] },
  'worker MPM': {
    args: ['app.wsgi', '--server-mpm', 'worker'],
    conf: ['# worker MPM', 'MaxKeepAliveRequests 500'],
  },
  'prefork MPM': {
    args: ['app.wsgi', '--server-mpm', 'prefork', '--processes', '4', '--threads', '25'],
    conf: ['# prefork MPM', 'StartServers 8', 'MaxSpareServers 16', 'MaxRequestWorkers 160'],
  },
  'MPM preference order': {
    args: ['--server-mpm', 'prefork', '--server-mpm', 'event'],
    conf: ['# prefork MPM'],
  },
  'embedded mode': {
    args: ['app.wsgi', '--embedded-mode'],
    conf: ['# worker MPM', 'process-group="%{GLOBAL}"', 'WSGIScriptReloading Off'],
    notConf: ['WSGIDaemonProcess'],
  },
  'embedded mode on prefork, 2 x 1': {
    args: ['app.wsgi', '--embedded-mode', '--server-mpm', 'prefork', '--processes', '2', '--threads', '1'],
    conf: ['# prefork MPM', 'MaxRequestWorkers 2'],
  },
  'embedded mode on event, 3 threads': {
    args: [
      'app.wsgi',
      '--embedded-mode',
      '--server-mpm',
      'event',
      '--threads',
      '3',
      '--maximum-requests',
      '500',
    ],
    conf: ['# event MPM', 'ThreadsPerChild 3', 'MaxConnectionsPerChild 500'],
  },
  'embedded mode with --python-path and --python-home': {
    args: [
      'mysite.wsgi',
      '--application-type',
      'module',
      '--embedded-mode',
      '--python-path',
      'pkg',
      '--python-home',
      'venv',
    ],
    conf: ['WSGIPythonHome "<ws>/venv"', 'WSGIPythonPath "<ws>/pkg"'],
  },
  'a module app with --callable-object': {
    args: ['mysite.wsgi', '--application-type', 'module', '--callable-object', 'app', '--python-path', 'pkg'],
    conf: ['python-path="<ws>/pkg"'],
  },
  'a paste .ini': { args: ['site.ini', '--application-type', 'paste', '--python-path', 'pkg'] },
  'static files with a listing': {
    args: ['static', '--application-type', 'static', '--directory-listing'],
    conf: ['DocumentRoot "<ws>/static"', 'Options +Indexes'],
    notConf: ['WSGIHandlerScript'],
  },
  // Run in a directory of its own: the workspace holds the server roots, which a static site
  // serving it would expose (refused; test/unit/resolve.test.ts).
  'static files from the current directory': {
    args: ['--application-type', 'static'],
    cwd: 'static',
    conf: ['DocumentRoot "<ws>/static"'],
  },
  'mount point /app': {
    args: ['app.wsgi', '--mount-point', '/app'],
    conf: ['RewriteCond %{REQUEST_URI} "^/app(/|$)"'],
  },
  'mount point given as sub/dir/ and a dotted one': {
    args: ['app.wsgi', '--mount-point', 'sub/v1.2/'],
    conf: ['RewriteCond %{REQUEST_URI} "^/sub/v1\\.2(/|$)"'],
  },
  'URL aliases: directories and a file': {
    args: [
      'app.wsgi',
      '--url-alias',
      '/static',
      'static',
      '--url-alias',
      '/static/x',
      'static/',
      '--url-alias',
      '/favicon.ico',
      'favicon.ico',
    ],
    conf: ['Alias "/static/x" "<ws>/static/"', 'Alias "/static" "<ws>/static"', '<Files "favicon.ico">'],
  },
  'compressed responses': {
    args: ['app.wsgi', '--compress-responses'],
    conf: ['AddOutputFilterByType DEFLATE'],
  },
  'access log, common': { args: ['--access-log'], conf: ['CustomLog "<root>/access_log" common'] },
  'access log, combined': {
    args: ['--access-log', '--access-log-format', 'combined'],
    conf: ['" combined\nCustomLog'],
  },
  'access log, a custom format with quotes and a backslash': {
    args: ['--access-log', '--access-log-format', '%h %l "%r" %>s %b "%{User-agent}i" \\"x\\"'],
    conf: ['LogFormat "%h %l \\"%r\\" %>s %b \\"%{User-agent}i\\" \\\\\\"x\\\\\\"" custom'],
  },
  'logs to the terminal': {
    args: ['--log-to-terminal', '--access-log', '--startup-log'],
    conf: ['ErrorLog "/dev/stderr"', 'CustomLog "/dev/stdout" common'],
  },
  'a log directory, an error log format and module log levels': {
    args: [
      '--log-directory',
      'logs',
      '--error-log-format',
      '[%t] [%l] [pid %P] %M',
      '--log-level',
      'info rewrite:trace3',
      '--startup-log',
    ],
    conf: [
      'ErrorLog "<ws>/logs/error_log"',
      'ErrorLogFormat "[%t] [%l] [pid %P] %M"',
      'LogLevel info rewrite:trace3',
    ],
  },
  'setenv and passenv with odd characters': {
    args: [
      'app.wsgi',
      '--setenv',
      'EW_A',
      `va"l ue \\ $HOME %{X} ' ü`,
      '--setenv',
      'EW_EMPTY',
      '',
      '--passenv',
      'HOME',
      '--passenv',
      'PATH',
    ],
    conf: [`SetEnv "EW_A" "va\\"l ue \\\\ $HOME %{X} ' ü"`, 'SetEnv "EW_EMPTY" ""', 'PassEnv "PATH"'],
  },
  'an include file': { args: ['--include-file', 'plain.conf'], conf: ['Include "<ws>/plain.conf"'] },
  'an envvars script whose variable an include file uses': {
    args: ['--envvars-script', 'envvars.sh', '--include-file', 'env.conf'],
    conf: ['Include "<ws>/env.conf"'],
  },
  'keep-alive off': {
    args: ['--keep-alive-timeout', '0'],
    conf: ['KeepAlive Off'],
    notConf: ['KeepAliveTimeout'],
  },
  'every timeout 0': {
    args: [
      'app.wsgi',
      '--header-timeout',
      '0',
      '--body-timeout',
      '0',
      '--request-timeout',
      '0',
      '--queue-timeout',
      '0',
      '--keep-alive-timeout',
      '0',
      '--limit-request-body',
      '0',
    ],
    conf: [
      'RequestReadTimeout header=0 body=0',
      'request-timeout="0"',
      'queue-timeout="0"',
      'LimitRequestBody 0',
    ],
  },
  'header and body timeout ranges': {
    args: [
      '--header-max-timeout',
      '0',
      '--body-max-timeout',
      '60',
      '--header-min-rate',
      '0',
      '--socket-timeout',
      '5',
    ],
    conf: ['RequestReadTimeout header=15 body=15-60,MinRate=500', 'Timeout 5'],
  },
  'a header timeout above the default maximum: no range, and no complaint about an option not given': {
    args: ['--header-timeout', '60'],
    conf: ['RequestReadTimeout header=60,MinRate=500 body=15,MinRate=500'],
  },
  'a document root with a directory index': {
    args: ['app.wsgi', '--document-root', 'static', '--directory-index', 'index.html'],
    conf: [
      'DocumentRoot "<ws>/static"',
      'DirectoryIndex "index.html"',
      'RewriteCond %{REQUEST_FILENAME} !-d',
    ],
  },
  'chunked requests': { args: ['app.wsgi', '--chunked-request'], conf: ['WSGIChunkedRequest On'] },
  'two python-path entries': {
    args: ['app.wsgi', '--python-path', 'pylib', '--python-path', 'pkg'],
    conf: ['python-path="<ws>/pylib:<ws>/pkg"'],
  },
  'a python home given as a prefix with lib/python3.11': {
    args: ['app.wsgi', '--python-home', 'prefix'],
    conf: ['python-home="<ws>/prefix"'],
  },
  'a locale': {
    args: ['app.wsgi', '--locale', 'en_US.UTF-8'],
    conf: ['lang="en_US.UTF-8" locale="en_US.UTF-8"'],
  },
  'an IPv4 host and port': {
    args: ['--host', '127.0.0.1', '--port', '8124'],
    conf: ['Listen "127.0.0.1:8124"', 'ServerName "127.0.0.1:8124"'],
  },
  'an IPv6 host': { args: ['--host', '::1', '--port', '8125'], conf: ['Listen "[::1]:8125"'] },
  '--max-clients and --maximum-requests': {
    args: ['app.wsgi', '--max-clients', '300', '--maximum-requests', '1000'],
    conf: ['MaxRequestWorkers 300', 'maximum-requests="1000"'],
  },
  'reloading on changes': { args: ['app.wsgi', '--reload-on-changes'], notConf: ['WSGIScriptReloading Off'] },
  'reloading disabled': { args: ['app.wsgi', '--disable-reloading'], conf: ['WSGIScriptReloading Off'] },
  'a socket prefix': {
    args: ['app.wsgi', '--socket-prefix', 'wsgi-sock'],
    conf: ['WSGISocketPrefix "<ws>/wsgi-sock"'],
  },
  'explicit Apache, modules directory and mod_wsgi': {
    args: [
      '--httpd-executable',
      '/usr/sbin/apache2',
      '--modules-directory',
      '/usr/lib/apache2/modules',
      '--mod-wsgi-module',
      '/usr/lib/apache2/modules/mod_wsgi.so',
    ],
    conf: ['LoadModule wsgi_module "/usr/lib/apache2/modules/mod_wsgi.so'],
  },
  'user and group': {
    args: ['--user', 'nobody', '--group', 'nogroup'],
    conf: ['User "nobody"', 'Group "nogroup"'],
  },
};

interface Outcome {
  readonly root: string;
  readonly setup: Ran;
  readonly conf: string;
  readonly configtest: Ran;
  readonly shells: readonly (readonly [string, Ran])[];
  readonly python: readonly (readonly [string, Ran])[];
}

async function check(c: Case, i: number): Promise<Outcome> {
  const ws = matrix.ws;
  const env = { ...cleanEnv(), TMPDIR: `${join(ws, 'tmpdir')}/` };
  const root =
    c.defaultRootPort !== undefined
      ? join(ws, 'tmpdir', `express-wsgi-localhost:${c.defaultRootPort}:${uid}`)
      : join(ws, 'roots', c.root ?? `case-${i}`);
  const args = [...c.args, ...(c.defaultRootPort !== undefined ? [] : ['--server-root', root])];
  const setup = await setupServer(args, c.cwd ? join(ws, c.cwd) : ws, env);
  // Apache reads the whole configuration, loads every module and checks every directive.
  const { conf, configtest } = await checkRoot(root, ws, env);
  const shells: [string, Ran][] = [];
  for (const shell of ['/bin/sh', '/bin/dash'].filter((s) => existsSync(s))) {
    shells.push([shell, await shellSyntax(root, ws, shell)]);
  }
  const python: [string, Ran][] = [];
  for (const script of ['handler.wsgi', 'welcome.wsgi'].map((f) => join(root, f)).filter(existsSync)) {
    python.push([script, await pyCompile(script, ws, PYTHON)]);
  }
  return { root, setup, conf, configtest, shells, python };
}

describe('setup-server + apachectl configtest', () => {
  const entries = Object.entries(CASES);
  // The cases are independent: run a few at once (each is mostly node start-up), check them in order.
  const outcome = matrix.cases(CASES, (c, _root, i) => check(c, i));

  it('covers at least 30 combinations', () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
  });

  it.each(entries)('%s', async (name, c) => {
    const { root, setup, conf, configtest, shells, python } = await outcome(name);
    const ws = matrix.ws;

    expect(setup.stderr).not.toMatch(/error/i);
    expect(setup.status).toBe(0);
    expect(setup.stdout).toContain(`Server Root        : ${root}`);

    const expand = (s: string) => s.split('<root>').join(root).split('<ws>').join(ws);
    for (const wanted of c.conf ?? []) {
      expect(conf).toContain(expand(wanted));
    }
    for (const unwanted of c.notConf ?? []) {
      expect(conf).not.toContain(expand(unwanted));
    }

    expect(`${configtest.stdout}${configtest.stderr}`.trim()).toBe('Syntax OK');
    expect(configtest.status).toBe(0);

    expect(shells.length).toBeGreaterThan(0);
    for (const [, syntax] of shells) {
      expect(syntax.stderr).toBe('');
      expect(syntax.status).toBe(0);
    }

    // Every case with an application has a handler script (and the welcome page one more).
    expect(python.some(([script]) => script === join(root, 'handler.wsgi'))).toBe(
      conf.includes('WSGIHandlerScript'),
    );
    for (const [, compiled] of python) {
      expect(compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
    }
  });
});

describe('the current directory', () => {
  // npm sets INIT_CWD for every script it runs, and every process below inherits it: a project's own
  // `"serve": "cd site && express-wsgi setup-server app.wsgi"` must still find site/app.wsgi.
  it('relative paths resolve against the working directory, even with INIT_CWD from an enclosing npm script', async () => {
    const ws = matrix.ws;
    const root = join(ws, 'roots', 'init-cwd');
    const elsewhere = join(ws, 'pylib');
    const env = { ...cleanEnv(), INIT_CWD: elsewhere };
    const setup = await setupServer(['app.wsgi', '--server-root', root], ws, env);
    expect(setup.stderr).toBe('');
    expect(setup.status).toBe(0);
    expect(readFileSync(join(root, 'handler.wsgi'), 'utf8')).toContain(`ENTRY_POINT = "${ws}/app.wsgi"`);
  });
});
