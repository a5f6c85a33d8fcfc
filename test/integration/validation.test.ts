/**
 * Every mistake is refused before anything is written: exit status 2, one message that names the
 * option, shows the bad value and says what is valid, and no server root on disk. One row a case.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { CLI, freePort, makeWorkdir, run } from '../helpers/server.js';

let cwd: string;
let busyPort: number;
let blocker: NetServer;
let long: string;

beforeAll(async () => {
  cwd = makeWorkdir();
  mkdirSync(join(cwd, 'adir'));
  mkdirSync(join(cwd, 'notavenv'));
  mkdirSync(join(cwd, 'oldvenv/lib/python3.9'), { recursive: true });
  writeFileSync(join(cwd, 'oldvenv/pyvenv.cfg'), 'home = /usr/bin\nversion = 3.9.2\n');
  writeFileSync(join(cwd, 'afile'), 'x');
  // A directory deep enough that daemon socket paths under it pass the 108-byte limit.
  long = join(cwd, 'x'.repeat(90));
  mkdirSync(long);
  busyPort = await freePort();
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(busyPort, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

// [what, arguments (after the command), text the message must contain]
const CASES: [string, string[], string][] = [
  ['an unknown option, with a suggestion', ['--prot', '8000'], 'unknown option --prot; did you mean --port?'],
  ['an unknown option far from any', ['--zzzzzzzz'], 'unknown option --zzzzzzzz'],
  // Item 16: one-dash options, words after "--", HTTP/2 on prefork.
  [
    'a short option',
    ['-p', '19501'],
    'unknown option -p; express-wsgi takes long options only (did you mean --port?).',
  ],
  [
    'options after "--", which would be dropped',
    ['--', '--server-root', 'elsewhere'],
    'unexpected arguments after "--": "--server-root" "elsewhere"',
  ],
  [
    'HTTP/2 with the prefork MPM',
    ['--http2', '--server-mpm', 'prefork'],
    '--http2 needs the event or worker MPM (mod_http2 does not work with prefork)',
  ],
  ['port 0', ['--port', '0'], '--port: "0" is not valid; expected a whole number from 1 to 65535'],
  ['port 65536', ['--port', '65536'], '--port: "65536" is not valid'],
  ['port abc', ['--port', 'abc'], '--port: "abc" is not valid'],
  ['port 80.5', ['--port', '80.5'], '--port: "80.5" is not valid'],
  ['port with no value', ['--port'], 'port'],
  ['threads 0', ['--threads', '0'], '--threads: "0" is not valid; expected a whole number from 1 to 65533'],
  // Item 12: numbers the directives cannot take, refused with the range instead of written.
  [
    '10^8 daemon processes',
    ['--processes', '99999999'],
    '--processes: "99999999" is not valid; expected a whole number from 1 to 10000.',
  ],
  [
    'more threads than mod_wsgi takes',
    ['--threads', '100000'],
    '--threads: "100000" is not valid; expected a whole number from 1 to 65533.',
  ],
  [
    'a keep-alive timeout beyond a C int',
    ['--keep-alive-timeout', '99999999999999'],
    '--keep-alive-timeout: "99999999999999" is not valid; expected a whole number from 0 to 2147483647.',
  ],
  [
    'a request timeout that would be written as 1e+21',
    ['--request-timeout', '1000000000000000000000'],
    '--request-timeout: "1000000000000000000000" is not valid; expected a whole number from 0 to 2147483647.',
  ],
  [
    'processes x threads beyond what the MPM can hold',
    ['--processes', '10000', '--threads', '65533'],
    "more than Apache's event MPM allows (ServerLimit 20000",
  ],
  ['a timeout range without a minimum rate', ['--header-min-rate', '0'], '--header-min-rate: 0 is not valid'],
  ['processes 0', ['--processes', '0'], '--processes: "0" is not valid'],
  ['negative threads', ['--threads', '-3'], '--threads: "-3" is not valid'],
  ['max clients 0', ['--max-clients', '0'], '--max-clients: "0" is not valid'],
  ['negative maximum requests', ['--maximum-requests', '-1'], '--maximum-requests: "-1" is not valid'],
  ['negative request timeout', ['--request-timeout', '-5'], '--request-timeout: "-5" is not valid'],
  ['negative queue timeout', ['--queue-timeout', '-1'], '--queue-timeout: "-1" is not valid'],
  ['socket timeout 0', ['--socket-timeout', '0'], '--socket-timeout: "0" is not valid'],
  ['negative header timeout', ['--header-timeout', '-1'], '--header-timeout: "-1" is not valid'],
  ['negative body timeout', ['--body-timeout', '-1'], '--body-timeout: "-1" is not valid'],
  ['negative keep-alive', ['--keep-alive-timeout', '-2'], '--keep-alive-timeout: "-2" is not valid'],
  [
    'header max below header timeout',
    ['--header-timeout', '20', '--header-max-timeout', '10'],
    '--header-max-timeout: 10',
  ],
  [
    'body limit too large',
    ['--limit-request-body', '9999999999'],
    '--limit-request-body: "9999999999" is not valid',
  ],
  ['ready timeout 0', ['--ready-timeout', '0'], '--ready-timeout: "0" is not valid'],
  [
    'a missing APP file',
    ['missing.wsgi'],
    '--entry-point: "missing.wsgi" is not valid; expected an existing file',
  ],
  ['an APP that is a directory', ['adir'], 'expected a file (it is a directory)'],
  ['a missing --entry-point', ['--entry-point', 'nope.py'], '--entry-point: "nope.py" is not valid'],
  [
    'a module name with a slash',
    ['--application-type', 'module', 'my/app'],
    'expected a dotted Python module name',
  ],
  [
    'a module name starting with a digit',
    ['--application-type', 'module', '1app'],
    'dotted Python module name',
  ],
  ['a module name with a dash', ['--application-type', 'module', 'my-app'], 'dotted Python module name'],
  [
    'a callable that is not an identifier',
    ['hello.wsgi', '--callable-object', 'app()'],
    '--callable-object: "app()"',
  ],
  ['a callable with a dot', ['hello.wsgi', '--callable-object', 'a.b'], 'a Python identifier'],
  ['an unknown application type', ['--application-type', 'wsgi'], 'one of script, module, paste, static'],
  [
    'an unknown MPM',
    ['--server-mpm', 'turbo'],
    '--server-mpm: "turbo" is not valid; expected one of event, worker, prefork',
  ],
  ['a user that does not exist', ['--user', 'no-such-user-xyz'], '--user: "no-such-user-xyz" is not valid'],
  [
    'a group that does not exist',
    ['--group', 'no-such-group-xyz'],
    '--group: "no-such-group-xyz" is not valid',
  ],
  ['a malformed user name', ['--user', 'a b'], '--user: "a b" is not valid'],
  ['a missing --include-file', ['--include-file', 'none.conf'], '--include-file: "none.conf" is not valid'],
  ['a missing --envvars-script', ['--envvars-script', 'none.sh'], '--envvars-script: "none.sh" is not valid'],
  ['a missing --url-alias target', ['--url-alias', '/s', 'nowhere'], '--url-alias: "nowhere" is not valid'],
  [
    'a --url-alias URL without a slash',
    ['--url-alias', 'static', 'adir'],
    '--url-alias: "static" is not valid',
  ],
  ['a --url-alias with one value', ['--url-alias', '/s'], 'url-alias'],
  ['a --setenv with one value', ['--setenv', 'NAME'], 'setenv'],
  [
    'a bad --passenv name',
    ['--passenv', 'A-B'],
    '--passenv: "A-B" is not valid; expected an environment variable name',
  ],
  ['a missing --document-root', ['--document-root', 'nodir'], '--document-root: "nodir" is not valid'],
  ['a file as --document-root', ['--document-root', 'afile'], '--document-root: "afile" is not valid'],
  // Item 17: Apache would serve the server root's envvars and error_log.
  [
    'a --document-root holding the server root',
    ['--document-root', '.'],
    '--document-root "." contains the server root',
  ],
  [
    'a missing --working-directory',
    ['--working-directory', 'nodir'],
    '--working-directory: "nodir" is not valid',
  ],
  ['a missing --python-path', ['--python-path', 'nodir'], '--python-path: "nodir" is not valid'],
  ['a missing --log-directory', ['--log-directory', 'nodir'], '--log-directory: "nodir" is not valid'],
  [
    '--log-to-terminal with --log-directory',
    ['--log-to-terminal', '--log-directory', 'adir'],
    'give one of them',
  ],
  ['a bad --log-level', ['--log-level', 'loud'], '--log-level: "loud" is not valid'],
  ['a bad --mount-point', ['--mount-point', '/a b'], '--mount-point: "/a b" is not valid'],
  ['a bad --host', ['--host', 'a b'], '--host: "a b" is not valid'],
  ['a bad --locale', ['--locale', 'en US'], '--locale: "en US" is not valid'],
  [
    'a --directory-index with a slash',
    ['--directory-index', 'a/index.html'],
    '--directory-index: "a/index.html"',
  ],
  ['a value with a line break', ['--setenv', 'A', 'x\nInclude /etc/passwd'], 'text without line breaks'],
  [
    'a value Apache would expand',
    ['--setenv', 'A', '${HOME}'],
    'text without line breaks, NUL bytes or ${...}',
  ],
  ['--reload-on-changes in embedded mode', ['--reload-on-changes', '--embedded-mode'], 'needs daemon mode'],
  [
    'a python home that is not an environment',
    ['--python-home', 'notavenv'],
    '--python-home: "notavenv" is not valid',
  ],
  ['a python home of another Python', ['--python-home', 'oldvenv'], 'this one is Python 3.9'],

  [
    'a server root whose parent is missing',
    ['--server-root', '/nonexistent-dir/root'],
    'whose parent exists',
  ],
  ['a file as server root', ['--server-root', 'afile'], '--server-root: "afile" is not valid'],
  ['a bad EXPRESS_WSGI_ variable', ['--threads', '2'], 'EXPRESS_WSGI_ACCESS_LOG'],
  ['a --config file that is missing', ['--config', 'none.json'], '--config: "none.json" is not valid'],
  ['an httpd that does not exist', ['--httpd-executable', '/nonexistent/httpd'], '--httpd-executable'],
  [
    'a mod_wsgi module that does not exist',
    ['--mod-wsgi-module', '/nonexistent/mod_wsgi.so'],
    '--mod-wsgi-module',
  ],
  ['a second APP', ['hello.wsgi', 'other.wsgi'], 'only one APP'],
];

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

describe('start-server refuses', () => {
  it.each([
    [
      'a socket prefix too long',
      () => ['--socket-prefix', join(long, 'wsgi')],
      'give --socket-prefix /tmp/wsgi',
    ],
    ['a server root too long for sockets', () => ['--server-root', join(long, 'root')], '--server-root: '],
  ] as const)('%s', async (_what, args, message) => {
    const result = await run(process.execPath, [CLI, 'start-server', ...args()], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('UNIX socket limit');
    expect(readdirSync(long)).toEqual([]);
  });

  it.each(CASES)('%s', async (what, args, message) => {
    const before = listing(cwd);
    const root = args.includes('--server-root') ? undefined : join(cwd, 'root');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env).filter((k) => k.startsWith('npm_') || k === 'INIT_CWD')) {
      delete env[key];
    }
    if (what.includes('EXPRESS_WSGI_')) {
      env.EXPRESS_WSGI_ACCESS_LOG = 'sometimes';
    }
    const port = String(await freePort());
    const result = await run(
      process.execPath,
      [
        CLI,
        'start-server',
        ...args,
        ...(root ? ['--server-root', root] : []),
        ...(args.includes('--port') ? [] : ['--port', port]),
      ],
      { cwd, env },
    );
    expect(result.stderr).toContain(message);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('express-wsgi: error:'))).toHaveLength(1);
    expect(result.code).toBe(2);
    expect(listing(cwd)).toEqual(before);
  });

  it('a port in use, naming the port', async () => {
    const result = await run(
      process.execPath,
      [CLI, 'start-server', '--host', '127.0.0.1', '--port', String(busyPort)],
      {
        cwd,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--port: ${busyPort} is already in use`);
  });
});
