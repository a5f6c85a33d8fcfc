/**
 * The services feature against the real tools. First every option (alone and in combinations)
 * through the built CLI's setup-server, judged by Apache's own configtest, `sh -n` on apachectl
 * and Python's compiler on handler.wsgi; refused options must leave nothing written. Then a real
 * Apache: a service script running in its own daemon, debug mode as one process, the profiler,
 * the request recorder, gdb and the docs.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import {
  readIfExists,
  runTool,
  setupAndConfigtest,
  shellSyntax,
  type Refusal,
} from '../../helpers/configtest.js';
import { launch } from '../../helpers/launcher.mjs';
import { configMatrix } from '../../helpers/matrix.js';
import {
  FIXTURES,
  get,
  getJson,
  makeWorkdir,
  processesOf,
  type Server,
  startServer,
  stopAll,
  trackRoot,
  waitFor,
  within,
} from '../../helpers/server.js';

jest.setTimeout(60_000);

const APP = 'features/services/app.wsgi';
const SERVICE = 'features/services/service.py';
const uid = process.getuid?.() ?? 0;
const asRoot = uid === 0;
const GDB = ['/usr/bin/gdb', '/usr/local/bin/gdb'].find((p) => existsSync(p));
/** Whether the Python of Debian's mod_wsgi can import coverage here (it decides --enable-coverage). */
const hasCoverage = spawnSync('/usr/bin/python3.11', ['-c', 'import coverage']).status === 0;

const line = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');

interface Case {
  readonly args: readonly string[];
  /** Text httpd.conf must contain. */
  readonly conf?: readonly (string | RegExp)[];
  readonly notConf?: readonly (string | RegExp)[];
  /** Text handler.wsgi must contain. */
  readonly handler?: readonly string[];
  /** Text apachectl must contain. */
  readonly apachectl?: readonly string[];
  /** Lines the printed summary must contain. */
  readonly summary?: readonly string[];
  /** Warnings setup-server must print on stderr (and nothing else). */
  readonly warnings?: readonly string[];
}

const service = (name: string) =>
  new RegExp(`^WSGIDaemonProcess "service:${name}" display-name="%\\{GROUP\\}" `, 'm');
const nonRootWarning = asRoot
  ? []
  : ['--service-user and --service-group only take effect when express-wsgi is started as root.'];

const CASES: Record<string, Case> = {
  '--service-script': {
    args: ['--service-script', 'tick', SERVICE],
    conf: [
      service('tick'),
      /^WSGIImportScript ".*\/service\.py" process-group="service:tick" application-group="%\{GLOBAL\}"$/m,
    ],
    summary: ['Service tick'],
  },
  '--service-script twice, with --service-user and --service-group': {
    args: [
      '--service-script',
      'tick',
      SERVICE,
      '--service-script',
      'tock',
      SERVICE,
      '--service-user',
      'tick',
      'nobody',
      '--service-group',
      'tock',
      'nogroup',
    ],
    conf: [
      service('tock'),
      asRoot ? /^WSGIDaemonProcess "service:tick" .* user="nobody" /m : service('tick'),
      asRoot ? /^WSGIDaemonProcess "service:tock" .* group="nogroup" /m : service('tock'),
    ],
    warnings: nonRootWarning,
  },
  '--service-log-file, in the server root': {
    args: ['--service-script', 'tick', SERVICE, '--service-log-file', 'tick', 'tick.log'],
    conf: [/<VirtualHost 127\.0\.0\.1:1>\n {2}ErrorLog ".*\/tick\.log"\n/],
  },
  '--service-log-file with --rotate-logs': {
    args: ['--service-script', 'tick', SERVICE, '--service-log-file', 'tick', 'tick.log', '--rotate-logs'],
    conf: [/<VirtualHost 127\.0\.0\.1:1>\n {2}ErrorLog "\|.*rotatelogs .*\/tick\.log\.%Y/],
    summary: [
      'Service tick       : <ws>/features/services/service.py, process (wsgi:service:tick), log <root>/tick.log',
    ],
  },
  '--service-log-file in --log-directory, for one of two services': {
    args: [
      '--service-script',
      'tick',
      SERVICE,
      '--service-script',
      'tock',
      SERVICE,
      '--service-log-file',
      'tock',
      'tock.log',
      '--log-directory',
      'logs',
    ],
    conf: [/ErrorLog ".*\/logs\/tock\.log"/, service('tick')],
  },
  '--service-script with static files only': {
    args: ['--application-type', 'static', '--document-root', 'static', '--service-script', 'tick', SERVICE],
    conf: [/^WSGISocketPrefix ".*\/wsgi"$/m, service('tick')],
    notConf: [/WSGIHandlerScript/],
  },
  '--service-script in embedded mode': {
    args: ['--embedded-mode', '--service-script', 'tick', SERVICE],
    conf: [service('tick')],
    notConf: [/^WSGIDaemonProcess "127/m],
  },
  '--debug-mode': {
    args: ['--debug-mode'],
    conf: [
      line('Define ONE_PROCESS'),
      line('# worker MPM'),
      line('ThreadsPerChild 1'),
      line('WSGIScriptReloading Off'),
    ],
    notConf: [/^WSGIDaemonProcess/m, /WSGIRestrictStdin/],
    handler: ["os.environ['MOD_WSGI_DEBUG_MODE'] = 'true'"],
    summary: ['Debug Mode', 'Request Capacity   : 1 (1 process * 1 thread)'],
  },
  '--debug-mode on prefork, ignoring --processes': {
    args: ['--debug-mode', '--server-mpm', 'prefork', '--processes', '3'],
    conf: [line('# prefork MPM'), line('MaxRequestWorkers 1')],
    warnings: [
      '--processes and --threads are ignored in debug mode: Apache runs one process with one thread.',
    ],
  },
  '--debug-mode with a service script': {
    args: ['--debug-mode', '--service-script', 'tick', SERVICE],
    conf: [line('Define ONE_PROCESS'), service('tick')],
    warnings: ['In debug mode mod_wsgi starts each service script once and does not restart it if it exits.'],
  },
  '--enable-debugger': {
    args: ['--enable-debugger'],
    conf: [line('Define ONE_PROCESS'), line('WSGIRestrictStdin Off')],
    handler: ['DEBUGGER = True', 'DEBUGGER_STARTUP = False'],
    summary: ['Debugger           : pdb on this terminal'],
  },
  '--enable-debugger --debugger-startup': {
    args: ['--enable-debugger', '--debugger-startup'],
    handler: ['DEBUGGER_STARTUP = True'],
  },
  '--enable-profiler': {
    args: ['--enable-profiler'],
    conf: [line('Define ONE_PROCESS')],
    handler: ['PROFILER_DIRECTORY = "<root>/pstats"'],
    summary: ['Profiler Output    : <root>/pstats'],
  },
  '--enable-profiler --profiler-directory': {
    args: ['--enable-profiler', '--profiler-directory', 'out/pstats'],
    handler: ['PROFILER_DIRECTORY = "<ws>/out/pstats"'],
  },
  '--enable-recorder': {
    args: ['--enable-recorder'],
    handler: ['RECORDER_DIRECTORY = "<root>/archive"'],
    summary: ['Recorder Output    : <root>/archive'],
  },
  '--enable-recorder --recorder-directory': {
    args: ['--enable-recorder', '--recorder-directory', 'out/archive'],
    handler: ['RECORDER_DIRECTORY = "<ws>/out/archive"'],
  },
  '--profiler-directory and --recorder-directory alone: warnings only': {
    args: ['--profiler-directory', 'out', '--recorder-directory', 'out', '--coverage-directory', 'out'],
    notConf: [/ONE_PROCESS/],
    warnings: [
      '--coverage-directory has no effect without --enable-coverage.',
      '--profiler-directory has no effect without --enable-profiler.',
      '--recorder-directory has no effect without --enable-recorder.',
    ],
  },
  '--enable-docs': {
    args: ['--enable-docs'],
    conf: [/^Alias "\/__wsgi__\/docs" ".*\/docs"$/m, 'LoadModule autoindex_module'],
    summary: ['Documentation'],
  },
  'every debugging tool but coverage at once': {
    args: ['--enable-debugger', '--enable-profiler', '--enable-recorder', '--server-mpm', 'prefork'],
    conf: [line('Define ONE_PROCESS'), line('# prefork MPM')],
    handler: ['app = _debugged(app)', 'app = _profiled(app)', 'app = _recorded(app)'],
  },
  ...(GDB
    ? {
        '--enable-gdb': {
          args: ['--enable-gdb'],
          apachectl: [`exec ${GDB} -q -x <root>/gdb.cmds --args "$HTTPD"`],
          summary: [`Debugger (gdb)     : ${GDB} -x <root>/gdb.cmds`],
        },
        '--enable-gdb --gdb-executable': {
          args: ['--enable-gdb', '--gdb-executable', GDB],
          apachectl: [`exec ${GDB} -q -x`],
        },
      }
    : {}),
  ...(hasCoverage
    ? {
        '--enable-coverage --coverage-directory': {
          args: ['--enable-coverage', '--coverage-directory', 'out/htmlcov'],
          handler: ['COVERAGE_DIRECTORY = "<ws>/out/htmlcov"'],
        },
      }
    : {}),
};

const sixOnly = (option: string, ...value: string[]): [string, Refusal] => [
  `--${option} on mod_wsgi 4.9.4`,
  { args: [`--${option}`, ...value], message: `--${option} needs mod_wsgi >= 6.0.0, found 4.9.4` },
];

const REFUSALS: Record<string, Refusal> = {
  ...Object.fromEntries([
    sixOnly('telemetry-service', 'unix:/tmp/telemetry.sock'),
    sixOnly('enable-telemetry'),
    sixOnly('telemetry-ui-port', '9999'),
    sixOnly('telemetry-interval', '2'),
    sixOnly('slow-requests', '1'),
    sixOnly('telemetry-options', '+CaptureUserAgent'),
  ]),
  '--with-php5': {
    args: ['--with-php5'],
    message: '--with-php5 is not supported: PHP 5 and mod_php5 are gone from every supported distribution',
  },
  '--debugger-startup without --enable-debugger': {
    args: ['--debugger-startup'],
    message: '--debugger-startup requires --enable-debugger',
  },
  '--service-user for a service not given': {
    args: ['--service-script', 'tick', SERVICE, '--service-user', 'tock', 'nobody'],
    message: '--service-user: "tock" is not valid; expected the NAME of a --service-script (tick)',
  },
  '--service-script with a missing script': {
    args: ['--service-script', 'tick', 'missing.py'],
    message: '--service-script: "missing.py" is not valid; expected an existing file (no such file)',
  },
  '--service-user root': {
    args: ['--service-script', 'tick', SERVICE, '--service-user', 'tick', 'root'],
    message: 'expected an unprivileged account: mod_wsgi refuses to run a daemon process as root',
  },
  '--debug-mode on the event MPM': {
    args: ['--debug-mode', '--server-mpm', 'event'],
    message: 'expected worker or prefork in debug mode',
  },
  '--enable-profiler with static files': {
    args: ['--enable-profiler', '--application-type', 'static', '--document-root', 'static'],
    message: '--enable-profiler needs a WSGI application; --application-type static serves files only.',
  },
  '--reload-on-changes in debug mode': {
    args: ['--reload-on-changes', '--enable-recorder'],
    message: 'it cannot be combined with debug mode',
  },
  '--enable-gdb with a gdb that does not exist': {
    args: ['--enable-gdb', '--gdb-executable', '/no/such/gdb'],
    message: '--gdb-executable: "/no/such/gdb" is not valid; expected an executable gdb',
  },
  ...(hasCoverage
    ? {}
    : {
        '--enable-coverage without the coverage package': {
          args: ['--enable-coverage'],
          message:
            "--enable-coverage needs the coverage package, which /usr/bin/python3.11 (the application's Python) cannot import. Install it: apt-get install python3-coverage",
        },
      }),
};

describe('setup-server + apachectl configtest', () => {
  const matrix = configMatrix('services', {
    dirs: ['logs', 'out', 'static'],
    prepare: (ws) => cpSync(join(FIXTURES, 'features'), join(ws, 'features'), { recursive: true }),
  });
  const outcome = matrix.cases(CASES, async (c, root) => {
    const ws = matrix.ws;
    const o = await setupAndConfigtest([APP, ...c.args], root, ws);
    const handler = readIfExists(join(o.root, 'handler.wsgi'));
    return {
      ...o,
      handler,
      shell: await shellSyntax(o.root, ws),
      python: await runTool(
        '/usr/bin/python3',
        ['-c', 'import sys; compile(sys.stdin.read(), "handler.wsgi", "exec")'],
        ws,
        { input: handler },
      ),
    };
  });
  matrix.itRefusesBeforeWriting(REFUSALS, (r) => [APP, ...r.args]);

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const o = await outcome(name);
    const ws = matrix.ws;
    const fill = (s: string) => s.replace(/<root>/g, o.root).replace(/<ws>/g, ws);
    expect(o.setup.stderr).toBe((c.warnings ?? []).map((w) => `express-wsgi: warning: ${w}\n`).join(''));
    expect(o.setup.status).toBe(0);
    for (const wanted of c.conf ?? []) {
      expect(o.conf).toMatch(typeof wanted === 'string' ? fill(wanted) : wanted);
    }
    for (const unwanted of c.notConf ?? []) {
      expect(o.conf).not.toMatch(unwanted);
    }
    for (const wanted of c.handler ?? []) {
      expect(o.handler).toContain(fill(wanted));
    }
    for (const wanted of c.apachectl ?? []) {
      expect(o.apachectl).toContain(fill(wanted));
    }
    for (const wanted of c.summary ?? []) {
      expect(o.setup.stdout).toContain(fill(wanted));
    }
    expect(`${o.configtest.stdout}${o.configtest.stderr}`.trim()).toBe('Syntax OK');
    expect(o.configtest.status).toBe(0);
    expect(o.shell).toMatchObject({ status: 0, stderr: '' });
    expect(o.python).toMatchObject({ status: 0, stderr: '' });
  });
});

// -------------------------------------------------------------------------------------------------

interface AppReport {
  pid: number;
  process_group: string;
  debug_mode: string | null;
  profiler: string | null;
  recorder: string | null;
  path: string;
  received: string;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};
const parentOf = (pid: number) =>
  Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
const uidOf = (pid: number) =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
/** Processes of the server root other than the launcher itself (whose command line names it too). */
const apacheProcesses = (server: Server) =>
  processesOf(server.root).filter((pid) => pid !== server.child.pid);

/** SIGTERM to the launcher; resolves with its exit once it has gone and nothing of the root is left. */
async function terminate(server: Server): Promise<{ code: number | null; left: number[] }> {
  server.child.kill('SIGTERM');
  const exited = await within(server.exited, 20_000);
  expect(exited).toBe(true);
  await waitFor(
    () => processesOf(server.root).length === 0,
    20_000,
    'every process of the server root to exit',
  );
  return { code: server.exit?.code ?? null, left: processesOf(server.root) };
}

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a real Apache', () => {
  let driver: ChildProcess | undefined;
  afterEach(async () => {
    driver?.kill('SIGKILL');
    driver = undefined;
    await stopAll();
  });

  it('--service-script: each service runs in a daemon (wsgi:service:NAME); --service-log-file gives it its own log', async () => {
    const server = await startServer([
      APP,
      '--service-script',
      'tick',
      SERVICE,
      '--service-script',
      'tock',
      SERVICE,
      '--service-log-file',
      'tick',
      'tick.log',
      '--service-user',
      'tick',
      'nobody',
    ]);
    const said = /services fixture: service running, pid=(\d+) uid=(\d+) gid=(\d+)/;
    const tickLog = join(server.root, 'tick.log');
    const errorLog = join(server.root, 'error_log');
    const tick = await waitFor(
      () => said.exec(readFileSync(tickLog, 'utf8')),
      20_000,
      'the tick service in tick.log',
    );
    const tock = await waitFor(
      () => said.exec(readFileSync(errorLog, 'utf8')),
      20_000,
      'the tock service in error_log',
    );
    // Each wrote to its own log only.
    expect(readFileSync(errorLog, 'utf8')).not.toContain(`pid=${tick[1]} `);
    expect(readFileSync(tickLog, 'utf8')).not.toContain(`pid=${tock[1]} `);

    const apache = Number(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim());
    for (const [m, name] of [
      [tick, 'tick'],
      [tock, 'tock'],
    ] as const) {
      const pid = Number(m[1]);
      expect(cmdline(pid)[0]?.trimEnd()).toBe(`(wsgi:service:${name})`);
      expect(parentOf(pid)).toBe(apache);
    }
    // Started as root, --service-user moves tick to nobody; tock keeps Apache's account.
    const idOf = (name: string) => Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
    expect(Number(tick[2])).toBe(asRoot ? idOf('nobody') : uid);
    expect(Number(tock[2])).toBe(asRoot ? idOf('www-data') : uid);
    expect(uidOf(Number(tick[1]))).toBe(Number(tick[2]));

    // The application is served by its own daemon, not by a service.
    const { status, json } = await getJson<AppReport>(`${server.url}/`);
    expect(status).toBe(200);
    expect(json.process_group).toBe(`127.0.0.1:${server.port}`);
    expect(cmdline(json.pid)[0]?.trimEnd()).toMatch(/^\(wsgi:127\.0\.0\.1:/);

    // The services stop with Apache.
    const { left } = await terminate(server);
    expect(left).toEqual([]);
  });

  it('--debug-mode: one Apache process serves the request itself, and SIGTERM stops it', async () => {
    const server = await startServer([APP, '--debug-mode']);
    const { status, json } = await getJson<AppReport>(`${server.url}/x`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ path: '/x', process_group: '', debug_mode: 'true' });
    // One process in the table: the one that answered; it is Apache itself, not a mod_wsgi daemon.
    expect(apacheProcesses(server)).toEqual([json.pid]);
    expect(cmdline(json.pid)[0]).not.toMatch(/^\(wsgi:/);
    expect(readFileSync(join(server.root, 'httpd.pid'), 'utf8').trim()).toBe(String(json.pid));
    // A second request: still that process (no other to hand it to).
    expect((await getJson<AppReport>(`${server.url}/y`)).json.pid).toBe(json.pid);

    const { code } = await terminate(server);
    expect(code).toBe(0);
  });

  it('--enable-profiler: a .pstats file of the requests is written when the server stops', async () => {
    const server = await startServer([APP, '--enable-profiler']);
    const first = await getJson<AppReport>(`${server.url}/one`);
    expect(first.json).toMatchObject({ profiler: 'true', debug_mode: 'true' });
    expect((await get(`${server.url}/two`)).status).toBe(200);
    const pstats = join(server.root, 'pstats');
    expect(readdirSync(pstats)).toEqual([]);

    await terminate(server);
    const files = readdirSync(pstats);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^\\d+-${first.json.pid}\\.pstats$`));
    // Python's own pstats reads it, and counts the two calls of the application.
    const calls = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import pstats, sys\n' +
          's = pstats.Stats(sys.argv[1])\n' +
          'print(sum(v[1] for k, v in s.stats.items() if k[0].endswith("app.wsgi") and k[2] == "application"))',
        join(pstats, files[0] as string),
      ],
      { encoding: 'utf8' },
    );
    expect(calls.stderr).toBe('');
    expect(calls.stdout.trim()).toBe('2');
  });

  it('--enable-recorder: each request and response goes to files, exceptions included', async () => {
    const server = await startServer([APP, '--enable-recorder']);
    const echoed = await post(`${server.url}/echo`, 'hello recorder');
    expect(echoed.status).toBe(200);
    expect(JSON.parse(echoed.text)).toMatchObject({ received: 'hello recorder', recorder: 'true' });
    expect((await get(`${server.url}/boom`)).status).toBe(500);

    const archive = join(server.root, 'archive');
    const recorded = (path: string) =>
      readdirSync(archive)
        .filter((n) => n.endsWith('.iheaders'))
        .map((n) => join(archive, n.replace(/\.iheaders$/, '')))
        .find((base) => readFileSync(`${base}.iheaders`, 'utf8').includes(`'PATH_INFO': '${path}'`));
    // The response file is complete once mod_wsgi has closed the response.
    const echo = await waitFor(
      () => {
        const base = recorded('/echo');
        return base && readFileSync(`${base}.ocontent`, 'utf8') === echoed.text ? base : undefined;
      },
      10_000,
      'the recorded response of /echo',
    );
    expect(readFileSync(`${echo}.iheaders`, 'utf8')).toContain("'REQUEST_METHOD': 'POST'");
    expect(readFileSync(`${echo}.icontent`, 'utf8')).toBe('hello recorder');
    expect(readFileSync(`${echo}.oheaders`, 'utf8')).toContain("('200 OK',");
    expect(existsSync(`${echo}.oaexcept`)).toBe(false);

    const boom = recorded('/boom') as string;
    expect(readFileSync(`${boom}.oaexcept`, 'utf8')).toContain('RuntimeError: services fixture: boom');
    expect(readFileSync(`${boom}.ocontent`, 'utf8')).toBe('');
    // Two requests, keyed <microseconds>-<pid>-<count>.
    const keys = new Set(readdirSync(archive).map((n) => n.replace(/\.[a-z]+$/, '')));
    expect([...keys].map((k) => k.split('-')[2]).sort()).toEqual(['1', '2']);
  });

  (GDB ? it : it.skip)(
    '--enable-gdb: Apache runs under the gdb named, and SIGTERM still stops everything',
    async () => {
      const server = await startServer([APP, '--enable-gdb', '--gdb-executable', GDB as string]);
      const { json } = await getJson<AppReport>(`${server.url}/`);
      // The launcher's child is gdb (apachectl exec'd it), and gdb's child serves the request.
      expect(cmdline(parentOf(json.pid))[0]).toBe(GDB);
      expect(apacheProcesses(server).sort()).toEqual([parentOf(json.pid), json.pid].sort());
      await terminate(server);
    },
  );

  /**
   * The launcher on a real pseudo-terminal (fixtures/pty-run.py): what pdb
   * prints appears on `screen()`, and `type()` types a line on the terminal.
   */
  async function onTerminal(args: readonly string[]) {
    const launcher = await launch([APP, ...args], {
      cwd: makeWorkdir(),
      wrap: ['/usr/bin/python3', join(FIXTURES, 'pty-run.py')],
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const { child, root, url } = launcher;
    trackRoot(root);
    driver = child;
    const screen = launcher.stdout;
    const exited = launcher.exited;
    return {
      root,
      url,
      screen,
      /** Waits for `text` to appear on the terminal after position `from`. */
      shows: (text: string, from: number, what: string) =>
        waitFor(() => screen().indexOf(text, from) >= 0, 30_000, what),
      type: (line: string) => child.stdin?.write(`type ${line}\n`),
      /** Ctrl-C on the terminal stops the server, as it would without the debugger. */
      interrupt: async () => {
        child.stdin?.write('interrupt\n');
        expect(await within(exited, 20_000)).toBe(true);
        await waitFor(
          () => processesOf(root).length === 0,
          20_000,
          'every process of the server root to exit',
        );
      },
    };
  }

  it('--enable-debugger: an exception opens pdb on the terminal, in the frame that raised', async () => {
    const term = await onTerminal(['--enable-debugger']);
    await term.shows('Ready:', 0, 'the launcher to be ready on the terminal');
    let mark = term.screen().length;
    const failing = get(`${term.url}/boom`);
    await term.shows('(Pdb) ', mark, 'the pdb prompt');
    expect(term.screen().slice(mark)).toContain(
      'the application raised RuntimeError; post-mortem debugger (pdb)',
    );
    expect(term.screen().slice(mark)).toContain("-> raise RuntimeError('services fixture: boom')");

    // The frame is the application's: its local variable answers.
    mark = term.screen().length;
    term.type('p path');
    await term.shows("'/boom'", mark, 'pdb to print the local variable');

    term.type('c');
    expect((await failing).status).toBe(500);
    expect((await getJson<AppReport>(`${term.url}/after`)).json.path).toBe('/after');
    await term.interrupt();
  });

  it('--debugger-startup: pdb stops once the app is loaded, and Apache serves only after "c"', async () => {
    const term = await onTerminal(['--enable-debugger', '--debugger-startup']);
    await term.shows('(Pdb) ', 0, 'the pdb prompt at start-up');
    expect(term.screen()).toContain('the application is loaded; pdb stops here');
    expect(term.screen()).not.toContain('Ready:');
    // The loaded application, with the debugger around it, is there to look at.
    let mark = term.screen().length;
    term.type('p application.__qualname__');
    await term.shows("'_wrap.<locals>.wrapped'", mark, 'pdb to show the application');

    mark = term.screen().length;
    term.type('c');
    await term.shows('Ready:', mark, 'the launcher to be ready after pdb continued');
    expect((await getJson<AppReport>(`${term.url}/now`)).json.path).toBe('/now');
    await term.interrupt();
  });

  it('--enable-docs: the documentation at /__wsgi__/docs, the app everywhere else', async () => {
    const server = await startServer([APP, '--enable-docs']);
    const page = await get(`${server.url}/__wsgi__/docs/options.md`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(page.text).toBe(readFileSync(join(FIXTURES, '..', 'docs', 'options.md'), 'utf8'));
    const index = await get(`${server.url}/__wsgi__/docs/`);
    expect(index.text).toContain('href="options.md"');
    expect((await getJson<AppReport>(`${server.url}/__wsgi__/other`)).json.path).toBe('/__wsgi__/other');
  });
});
