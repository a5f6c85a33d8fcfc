/**
 * The logs feature against the real tools. First every option (alone and in combinations) through
 * the built CLI's setup-server, judged by Apache's own configtest and by sh -n on apachectl; then
 * a real Apache: rotated logs written through rotatelogs, named log files, the pid file, the
 * process name of the Apache parent (still the launcher's child), the daemon process group and
 * the application group as the application sees them.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { EMPTY_APP, setupAndConfigtest, shellSyntax, type Refusal } from '../../helpers/configtest.js';
import { configMatrix } from '../../helpers/matrix.js';
import {
  freePort,
  get,
  getJson,
  makeWorkdir,
  runCli,
  startServer,
  stopAll,
  stopServer,
  waitFor,
} from '../../helpers/server.js';

jest.setTimeout(60_000);

const asRoot = process.getuid?.() === 0;
const WEIRD_LOGS = 'lo gs "q" 50%';

interface Case {
  readonly args: readonly string[];
  /** Patterns httpd.conf must match; <ws> and <root> stand for the workspace and the server root. */
  readonly conf?: readonly (string | RegExp)[];
  readonly notConf?: readonly (string | RegExp)[];
  /** Text apachectl must contain. */
  readonly apachectl?: readonly string[];
  /** A warning setup-server must print on stderr. */
  readonly warning?: string;
  /** A path (under <ws>) setup-server must create. */
  readonly creates?: string;
}

const line = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');

const CASES: Record<string, Case> = {
  defaults: {
    args: [],
    conf: [
      line('ErrorLog "<root>/error_log"'),
      line('PidFile "<root>/httpd.pid"'),
      /application-group="%\{GLOBAL\}"/,
    ],
    notConf: [/WSGIPythonWarnings|WSGIDestroyInterpreter|WSGIVerboseDebugging|python-eggs|rotatelogs/],
    apachectl: ['#!/bin/sh\n', 'exec_httpd -d'],
  },
  '--error-log-name': { args: ['--error-log-name', 'app.err'], conf: [line('ErrorLog "<root>/app.err"')] },
  '--access-log-name': {
    args: ['--access-log', '--access-log-name', 'app.acc'],
    conf: [line('CustomLog "<root>/app.acc" common')],
  },
  '--startup-log-name': {
    args: ['--startup-log', '--startup-log-name', 'app.start'],
    apachectl: ['-E <root>/app.start -k "$command"'],
  },
  '--rotate-logs': {
    args: ['--rotate-logs'],
    conf: [
      /^ErrorLog "\|\/usr\/s?bin\/rotatelogs -f -L <root>\/error_log <root>\/error_log\.%Y-%m-%d-%H_%M_%S 5M"$/m,
    ],
  },
  '--rotate-logs with an access log, --max-log-size and --rotatelogs-executable': {
    args: [
      '--rotate-logs',
      '--access-log',
      '--max-log-size',
      '1',
      '--rotatelogs-executable',
      '/usr/bin/rotatelogs',
    ],
    conf: [
      line(
        'CustomLog "|/usr/bin/rotatelogs -f -L <root>/access_log <root>/access_log.%Y-%m-%d-%H_%M_%S 1M" common',
      ),
      / 1M"$/m,
    ],
  },
  '--rotate-logs into a log directory with spaces, quotes and %': {
    args: ['--rotate-logs', '--log-directory', WEIRD_LOGS, '--error-log-name', 'e 1.log'],
    conf: [/^ErrorLog "\|\S+rotatelogs -f -L \\"<ws>\/lo gs \\\\\\"q\\\\\\" 50%\/e 1\.log\\" /m],
  },
  '--rotate-logs with --log-to-terminal: off, with a warning': {
    args: ['--rotate-logs', '--log-to-terminal'],
    conf: [line('ErrorLog "/dev/stderr"')],
    warning: '--rotate-logs: no effect with --log-to-terminal',
  },
  '--verbose-debugging': { args: ['--verbose-debugging'], conf: [line('WSGIVerboseDebugging On')] },
  '--pid-file': { args: ['--pid-file', 'run/apache.pid'], conf: [line('PidFile "<ws>/run/apache.pid"')] },
  '--process-name': {
    args: ['--process-name', "web 'site'"],
    apachectl: [`"$HTTPD" 'web '\\''site'\\''`, 'exec_httpd -d'],
  },
  '--process-group': {
    args: ['--process-group', 'my-app'],
    conf: [/^WSGIDaemonProcess "my-app" .*display-name="\(wsgi:my-app\)"/m, /process-group="my-app"/],
  },
  '--application-group': {
    args: ['--application-group', 'my-app'],
    conf: [
      /^WSGIHandlerScript .* application-group="my-app"$/m,
      /^WSGIImportScript .* application-group="my-app"$/m,
    ],
  },
  '--application-group %{RESOURCE}: no start-up import': {
    args: ['--application-group', '%{RESOURCE}'],
    conf: [/application-group="%\{RESOURCE\}"$/m],
    notConf: [/WSGIImportScript/],
  },
  '--orphan-interpreter': { args: ['--orphan-interpreter'], conf: [line('WSGIDestroyInterpreter Off')] },
  '--shell-executable': { args: ['--shell-executable', '/bin/bash'], apachectl: ['#!/bin/bash\n'] },
  '--python-eggs': {
    args: ['--python-eggs', 'eggs'],
    conf: [/^WSGIDaemonProcess .* python-eggs="<ws>\/eggs"/m],
    creates: 'eggs',
  },
  '--python-warnings, twice': {
    args: [
      '--python-warnings',
      'ignore::DeprecationWarning',
      '--python-warnings',
      'error::UserWarning:mymod:3',
    ],
    conf: [
      line(
        'WSGIPythonWarnings "ignore::DeprecationWarning"\nWSGIPythonWarnings "error::UserWarning:mymod:3"',
      ),
    ],
  },
  '--lang': {
    args: ['--lang', 'C.UTF-8'],
    conf: [/ lang="C\.UTF-8" locale="C\.UTF-8"/],
    warning: '--lang is deprecated; use --locale.',
  },
  'embedded mode with an application group, an egg cache and warnings': {
    args: [
      '--embedded-mode',
      '--application-group',
      'my-app',
      '--python-eggs',
      'eggs-embedded',
      '--python-warnings',
      'ignore',
    ],
    conf: [
      line('WSGIPythonEggs "<ws>/eggs-embedded"'),
      /process-group="%\{GLOBAL\}" application-group="my-app"/,
      line('WSGIPythonWarnings "ignore"'),
    ],
    notConf: [/WSGIDaemonProcess/],
    apachectl: ['    exec "$HTTPD" -d'],
  },
  'everything at once': {
    args: [
      '--rotate-logs',
      '--access-log',
      '--startup-log',
      '--log-directory',
      'logs',
      '--error-log-name',
      'e.log',
      '--access-log-name',
      'a.log',
      '--startup-log-name',
      's.log',
      '--max-log-size',
      '2047',
      '--verbose-debugging',
      '--pid-file',
      'run/all.pid',
      '--process-name',
      'all-in',
      '--process-group',
      'all-in',
      '--application-group',
      'all-in',
      '--orphan-interpreter',
      '--shell-executable',
      'dash',
      '--python-eggs',
      'eggs-all',
      '--python-warnings',
      'default',
      '--lang',
      'C.UTF-8',
    ],
    conf: [
      line('PidFile "<ws>/run/all.pid"'),
      /e\.log\.%Y-%m-%d-%H_%M_%S 2047M"$/m,
      /a\.log\.%Y-%m-%d-%H_%M_%S 2047M" common$/m,
    ],
    apachectl: ['#!/usr/bin/dash\n', '-E <ws>/logs/s.log'],
    warning: '--lang is deprecated; use --locale.',
    creates: 'eggs-all',
  },
};

const REFUSALS: Record<string, Refusal> = {
  '--switch-interval on mod_wsgi 4.9.4': {
    args: ['--switch-interval', '0.01'],
    message: '--switch-interval needs mod_wsgi >= 6.0.0, found 4.9.4',
  },
  '--free-threading on mod_wsgi 4.9.4': {
    args: ['--free-threading'],
    message: '--free-threading needs mod_wsgi >= 6.0.0, found 4.9.4',
  },
  '--error-log-name with a directory': {
    args: ['--error-log-name', 'logs/e.log'],
    message: '--error-log-name: "logs/e.log" is not valid',
  },
  '--max-log-size 0': { args: ['--max-log-size', '0'], message: '--max-log-size: "0" is not valid' },
  '--rotatelogs-executable that does not exist': {
    args: ['--rotate-logs', '--rotatelogs-executable', '/no/rotatelogs'],
    message: '--rotatelogs-executable: "/no/rotatelogs" is not valid; expected an existing executable file.',
  },
  '--pid-file in a missing directory': {
    args: ['--pid-file', 'nowhere/x.pid'],
    message: '--pid-file: "nowhere/x.pid" is not valid',
  },
  '--process-group with a space': {
    args: ['--process-group', 'a b'],
    message: '--process-group: "a b" is not valid',
  },
  '--application-group with an unknown expansion': {
    args: ['--application-group', '%{FOO}'],
    message: '--application-group: "%{FOO}" is not valid',
  },
  '--shell-executable that is not a shell': {
    args: ['--shell-executable', '/usr/bin/python3'],
    message: '--shell-executable: "/usr/bin/python3" is not valid; expected a POSIX shell',
  },
  '--python-warnings with an unknown action': {
    args: ['--python-warnings', 'loud'],
    message: '--python-warnings: "loud" is not valid',
  },
};

describe('setup-server + apachectl configtest', () => {
  const matrix = configMatrix('logs', {
    dirs: ['logs', 'run', WEIRD_LOGS],
    files: { 'app.wsgi': EMPTY_APP },
  });
  const outcome = matrix.cases(CASES, async (c, root) => {
    const o = await setupAndConfigtest(['app.wsgi', ...c.args], root, matrix.ws);
    return { ...o, ctl: o.apachectl, syntax: await shellSyntax(o.root, matrix.ws) };
  });
  matrix.itRefusesBeforeWriting(REFUSALS, (r) => ['app.wsgi', ...r.args]);

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const { root, setup, conf, ctl, configtest, syntax } = await outcome(name);
    const ws = matrix.ws;
    const fill = (p: string | RegExp) => {
      const subst = (s: string, esc: (x: string) => string) =>
        s.split('<root>').join(esc(root)).split('<ws>').join(esc(ws));
      return typeof p === 'string'
        ? subst(p, (x) => x)
        : new RegExp(
            subst(p.source, (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
            p.flags,
          );
    };
    expect(setup.status).toBe(0);
    if (c.warning) {
      expect(setup.stderr).toContain(`express-wsgi: warning: ${c.warning}`);
    } else {
      expect(setup.stderr).toBe('');
    }
    for (const wanted of c.conf ?? []) {
      expect(conf).toMatch(fill(wanted));
    }
    for (const unwanted of c.notConf ?? []) {
      expect(conf).not.toMatch(fill(unwanted));
    }
    for (const wanted of c.apachectl ?? []) {
      expect(ctl).toContain(fill(wanted));
    }
    if (c.creates) {
      const st = statSync(join(ws, c.creates));
      expect(st.isDirectory()).toBe(true);
      if (asRoot) {
        expect(st.uid).toBe(33); // www-data, the account the app runs as
      }
    }
    expect(syntax).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(configtest.stderr.split('\n').filter((l) => l && !/setlocale/.test(l))).toEqual(['Syntax OK']);
    expect(configtest.status).toBe(0);
  });
});

/** PIDs of a process's children. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);

describe('a real Apache', () => {
  afterEach(stopAll);

  it('--rotate-logs: rotatelogs writes NAME.<time> files (and keeps NAME linked to the newest)', async () => {
    // The log directory lives in the server root, so the test helpers clean up its rotatelogs too.
    const cwd = makeWorkdir();
    const logs = join(cwd, 'root', WEIRD_LOGS);
    mkdirSync(logs, { recursive: true, mode: 0o755 });
    chmodSync(join(cwd, 'root'), 0o755);
    chmodSync(logs, 0o755);
    const server = await startServer(
      ['logging.wsgi', '--rotate-logs', '--access-log', '--log-directory', logs],
      {
        cwd,
      },
    );
    const marker = `rotated-${server.port}`;
    expect((await get(`${server.url}/?${marker}`)).status).toBe(200);

    const rotated = (name: string) =>
      readdirSync(logs).filter((f) =>
        new RegExp(`^${name}\\.\\d{4}-\\d\\d-\\d\\d-\\d\\d_\\d\\d_\\d\\d$`).test(f),
      );
    const newest = (name: string) => join(logs, rotated(name).sort().at(-1) ?? 'none');
    await waitFor(
      () => readFileSync(newest('error_log'), 'utf8').includes(`wsgi.errors says ${marker}`),
      15_000,
      'the marker in a rotated error log',
    );
    await waitFor(
      () => readFileSync(newest('access_log'), 'utf8').includes(`GET /?${marker} `),
      15_000,
      'the request in a rotated access log',
    );
    // error_log is the same file as the newest rotated one.
    expect(statSync(join(logs, 'error_log')).ino).toBe(statSync(newest('error_log')).ino);
    // Written by two rotatelogs processes that Apache started, each naming this log directory.
    const apache = Number(readFileSync(join(server.root, 'httpd.pid'), 'utf8'));
    const loggers = childrenOf(apache).filter((pid) => /\/rotatelogs$/.test(argvOf(pid)[0] ?? ''));
    expect(loggers.map((pid) => argvOf(pid).filter((a) => a.startsWith(logs)).length)).toEqual([2, 2]);
    // They end with Apache.
    await stopServer(server);
    await waitFor(() => loggers.every((pid) => !existsSync(`/proc/${pid}`)), 10_000, 'rotatelogs to exit');
  });

  it('--application-group %{HOST}: one interpreter per Host header, as mod_wsgi-express gives', async () => {
    const server = await startServer(['environ.wsgi', '--application-group', '%{HOST}']);
    const groupFor = async (host: string) => {
      const reply = await get(`${server.url}/`, { Host: host });
      expect(reply.status).toBe(200);
      return (JSON.parse(reply.body.toString()) as Record<string, string>)['mod_wsgi.application_group'];
    };
    const first = await groupFor('first.example');
    const second = await groupFor('second.example');
    expect(first).toContain('first.example');
    expect(second).toContain('second.example');
    expect(await groupFor('first.example')).toBe(first);
  });

  it('--error-log-name and --access-log-name: the logs are written where named', async () => {
    const server = await startServer([
      'logging.wsgi',
      '--access-log',
      '--error-log-name',
      'app-errors.log',
      '--access-log-name',
      'app-requests.log',
    ]);
    const marker = `named-${server.port}`;
    expect((await get(`${server.url}/?${marker}`)).status).toBe(200);
    await waitFor(
      () => readFileSync(join(server.root, 'app-errors.log'), 'utf8').includes(`wsgi.errors says ${marker}`),
      15_000,
      'the marker in app-errors.log',
    );
    await waitFor(
      () => readFileSync(join(server.root, 'app-requests.log'), 'utf8').includes(`GET /?${marker} `),
      15_000,
      'the request in app-requests.log',
    );
    expect(existsSync(join(server.root, 'error_log'))).toBe(false);
    expect(existsSync(join(server.root, 'access_log'))).toBe(false);
  });

  it('--pid-file, --process-name, --process-group and --application-group, as ps and the app see them', async () => {
    const cwd = makeWorkdir();
    mkdirSync(join(cwd, 'run'), { mode: 0o755 });
    const server = await startServer(
      [
        'environ.wsgi',
        '--pid-file',
        'run/apache.pid',
        '--process-name',
        'my site',
        '--process-group',
        'shop-backend-daemons',
        '--application-group',
        'shop',
      ],
      { cwd },
    );
    const pidFile = join(server.cwd, 'run', 'apache.pid');

    // Apache wrote its pid where told (not in the server root), and that is the launcher's child:
    // apachectl and the process-name one-liner both exec'd in place.
    const apache = await waitFor(() => Number(readFileSync(pidFile, 'utf8')), 10_000, 'the pid file');
    expect(existsSync(join(server.root, 'httpd.pid'))).toBe(false);
    expect(childrenOf(server.child.pid as number)).toEqual([apache]);

    // ps shows the name (padded so that the daemon's display name fits) with httpd's arguments.
    const argv = argvOf(apache);
    expect(argv[0]?.trimEnd()).toBe('my site');
    expect(argv.slice(1)).toEqual([
      '-d',
      server.root,
      '-f',
      join(server.root, 'httpd.conf'),
      '-k',
      'start',
      '-DFOREGROUND',
      // Each generation's number, own pid file and SO_REUSEPORT (src/launch/generations.ts#generationArgs).
      '-C',
      'Define EXPRESS_WSGI_GENERATION 1',
      '-c',
      `PidFile "${join(server.root, '.httpd.generation-0.pid')}"`,
      '-c',
      expect.stringMatching(/^ListenCoresBucketsRatio \d+$/),
    ]);
    const daemons = childrenOf(apache).filter((pid) => argvOf(pid)[0]?.startsWith('(wsgi:'));
    expect(daemons.map((pid) => argvOf(pid)[0]?.trimEnd())).toEqual(['(wsgi:shop-backend-daemons)']);

    // The application runs in that daemon group and application group.
    const { status, json } = await getJson(`${server.url}/`);
    expect(status).toBe(200);
    expect(json['mod_wsgi.process_group']).toBe('shop-backend-daemons');
    expect(json['mod_wsgi.application_group']).toBe('shop');

    // A second start of the same server root finds it running through the pid file.
    const second = await runCli(
      [
        'start-server',
        'environ.wsgi',
        '--pid-file',
        'run/apache.pid',
        '--server-root',
        server.root,
        '--port',
        String(await freePort()),
      ],
      server.cwd,
    );
    expect(second.stderr).toContain(`an Apache of this server root is already running (pid ${apache})`);
    expect(second.code).toBe(2);

    // Apache removes its pid file when it stops.
    await stopServer(server);
    expect(existsSync(pidFile)).toBe(false);
  });
});
