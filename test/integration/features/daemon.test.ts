/**
 * The daemon feature against the real tools. First, every option (alone and in combinations)
 * through the built CLI's setup-server, judged by Apache's own configtest (which is where
 * mod_wsgi 4.9.4 refuses an option or value it does not take). Then a real Apache, watching
 * the daemon process id (fixtures/features/daemon/pid.wsgi) to see mod_wsgi recycle it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { EMPTY_APP, setupAndConfigtest, type Refusal } from '../../helpers/configtest.js';
import { configMatrix } from '../../helpers/matrix.js';
import { get, getJson, type Server, startServer, stopAll, waitFor } from '../../helpers/server.js';

jest.setTimeout(60_000);

const APP = 'features/daemon/pid.wsgi';

interface Case {
  readonly args: readonly string[];
  /** Text httpd.conf must contain (a regex for the WSGIDaemonProcess line, or a whole line). */
  readonly conf?: readonly (string | RegExp)[];
  readonly notConf?: readonly (string | RegExp)[];
  /** Lines the printed summary must contain. */
  readonly summary?: readonly string[];
  /** A warning setup-server must print on stderr. */
  readonly warning?: string;
}

const daemonLine = (text: string) => new RegExp(`^WSGIDaemonProcess .* ${text}`, 'm');
const line = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');

const CASES: Record<string, Case> = {
  'defaults: the fixed daemon timeouts and backlogs, nothing optional': {
    args: [],
    conf: [
      daemonLine(
        'connect-timeout="15" startup-timeout="15" deadlock-timeout="60" graceful-timeout="15" shutdown-timeout="5" listen-backlog="320"$',
      ),
      line('ListenBacklog 500'),
      line('StartServers 1'),
      line('ThreadsPerChild 320'),
    ],
    notConf: [
      /restart-interval|inactivity-timeout|cpu-time-limit|buffer-size|eviction|interrupt|flush-delay/,
    ],
    summary: ['Queue Backlog      : 320 (connections)', 'Server Backlog     : 500 (connections)'],
  },
  '--initial-workers (worker)': {
    args: ['--server-mpm', 'worker', '--processes', '8', '--threads', '25', '--initial-workers', '0.5'],
    conf: [
      line('# worker MPM'),
      line('StartServers 2'),
      line('MinSpareThreads 128'),
      line('MaxSpareThreads 320'),
    ],
  },
  '--minimum-spare-workers (worker)': {
    args: ['--server-mpm', 'worker', '--processes', '8', '--threads', '25', '--minimum-spare-workers', '0.4'],
    conf: [line('StartServers 5'), line('MinSpareThreads 128')],
  },
  '--maximum-spare-workers (worker)': {
    args: [
      '--server-mpm',
      'worker',
      '--processes',
      '8',
      '--threads',
      '25',
      '--minimum-spare-workers',
      '0.2',
      '--maximum-spare-workers',
      '0.5',
    ],
    conf: [line('# worker MPM'), line('MinSpareThreads 64'), line('MaxSpareThreads 128')],
  },
  'all three fractions on prefork': {
    args: [
      '--server-mpm',
      'prefork',
      '--max-clients',
      '200',
      '--initial-workers',
      '0.25',
      '--minimum-spare-workers',
      '0.1',
      '--maximum-spare-workers',
      '0.5',
    ],
    conf: [line('StartServers 50'), line('MinSpareServers 20'), line('MaxSpareServers 100')],
  },
  'fractions of 0 and 1': {
    args: [
      '--server-mpm',
      'worker',
      '--initial-workers',
      '1',
      '--minimum-spare-workers',
      '0',
      '--maximum-spare-workers',
      '1',
    ],
    conf: [line('StartServers 5'), line('MinSpareThreads 64'), line('MaxSpareThreads 320')],
  },
  'fractions in embedded mode: ignored, with a warning': {
    args: ['--embedded-mode', '--processes', '1', '--initial-workers', '0.9'],
    // 320 threads in the one process; spares by src/resolve/capacity.ts#spareThreads, not the fraction.
    conf: [line('StartServers 1'), line('ThreadsPerChild 320'), line('MinSpareThreads 1')],
    warning: '--initial-workers: no effect in embedded mode',
  },
  '--startup-timeout': { args: ['--startup-timeout', '30'], conf: [daemonLine('startup-timeout="30"')] },
  '--restart-interval': {
    args: ['--restart-interval', '3600'],
    conf: [daemonLine('restart-interval="3600"')],
  },
  '--cpu-time-limit': { args: ['--cpu-time-limit', '120'], conf: [daemonLine('cpu-time-limit="120"')] },
  '--graceful-timeout': { args: ['--graceful-timeout', '0'], conf: [daemonLine('graceful-timeout="0"')] },
  '--eviction-timeout': { args: ['--eviction-timeout', '30'], conf: [daemonLine('eviction-timeout="30"')] },
  '--deadlock-timeout': { args: ['--deadlock-timeout', '300'], conf: [daemonLine('deadlock-timeout="300"')] },
  '--inactivity-timeout': {
    args: ['--inactivity-timeout', '600'],
    conf: [daemonLine('inactivity-timeout="600"')],
  },
  '--connect-timeout': { args: ['--connect-timeout', '3'], conf: [daemonLine('connect-timeout="3"')] },
  '--response-socket-timeout': {
    args: ['--response-socket-timeout', '10'],
    conf: [daemonLine('response-socket-timeout="10"')],
  },
  '--send-buffer-size': { args: ['--send-buffer-size', '512'], conf: [daemonLine('send-buffer-size="512"')] },
  '--receive-buffer-size': {
    args: ['--receive-buffer-size', '262144'],
    conf: [daemonLine('receive-buffer-size="262144"')],
  },
  '--header-buffer-size, without --processes': {
    args: ['--header-buffer-size', '8192'],
    conf: [daemonLine('header-buffer-size="8192"')],
    notConf: [/ processes=/],
  },
  '--response-buffer-size': {
    args: ['--response-buffer-size', '65536'],
    conf: [daemonLine('response-buffer-size="65536"')],
  },
  '--server-backlog': {
    args: ['--server-backlog', '1024'],
    conf: [line('ListenBacklog 1024')],
    summary: ['Server Backlog     : 1024 (connections)'],
  },
  '--daemon-backlog': {
    args: ['--daemon-backlog', '250'],
    conf: [daemonLine('listen-backlog="250"')],
    summary: ['Queue Backlog      : 250 (connections)'],
  },
  'the smallest values: every timeout 0, daemon backlog 0, server backlog 1': {
    args: [
      ...['startup', 'graceful', 'eviction', 'deadlock', 'inactivity', 'connect', 'response-socket'].flatMap(
        (t) => [`--${t}-timeout`, '0'],
      ),
      ...[
        '--restart-interval',
        '0',
        '--cpu-time-limit',
        '0',
        '--daemon-backlog',
        '0',
        '--server-backlog',
        '1',
      ],
    ],
    conf: [
      daemonLine('connect-timeout="0" startup-timeout="0" deadlock-timeout="0" graceful-timeout="0"'),
      daemonLine('listen-backlog="0"$'),
      line('ListenBacklog 1'),
    ],
  },
  'the largest values': {
    args: [
      ...[
        '--restart-interval',
        '--inactivity-timeout',
        '--deadlock-timeout',
        '--server-backlog',
        '--daemon-backlog',
      ],
      ...['--send-buffer-size', '--receive-buffer-size', '--header-buffer-size', '--response-buffer-size'],
    ].flatMap((o) => [o, '2147483647']),
    conf: [
      daemonLine('restart-interval="2147483647"'),
      daemonLine('response-buffer-size="2147483647"$'),
      line('ListenBacklog 2147483647'),
    ],
  },
  'every daemon option at once, with 2 processes': {
    args: [
      '--processes',
      '2',
      ...[
        ['startup-timeout', '20'],
        ['restart-interval', '86400'],
        ['cpu-time-limit', '600'],
        ['graceful-timeout', '10'],
        ['eviction-timeout', '20'],
        ['deadlock-timeout', '120'],
        ['inactivity-timeout', '900'],
        ['connect-timeout', '5'],
        ['response-socket-timeout', '30'],
        ['send-buffer-size', '65536'],
        ['receive-buffer-size', '65536'],
        ['header-buffer-size', '65536'],
        ['response-buffer-size', '1048576'],
        ['daemon-backlog', '500'],
        ['server-backlog', '2000'],
        ['interrupt-timeout', '0'],
        ['response-flush-delay', '5'],
      ].flatMap(([k, v]) => [`--${k}`, v as string]),
    ],
    conf: [
      daemonLine(
        'connect-timeout="5" startup-timeout="20" deadlock-timeout="120" graceful-timeout="10" shutdown-timeout="5" ' +
          'listen-backlog="500" restart-interval="86400" inactivity-timeout="900" cpu-time-limit="600" ' +
          'eviction-timeout="20" response-socket-timeout="30" send-buffer-size="65536" receive-buffer-size="65536" ' +
          'header-buffer-size="65536" response-buffer-size="1048576"$',
      ),
      line('ListenBacklog 2000'),
    ],
    notConf: [/interrupt-timeout|response-flush-delay/],
  },
  'daemon options in embedded mode: left out, with a warning': {
    args: ['--embedded-mode', '--restart-interval', '60', '--server-backlog', '300'],
    conf: [line('ListenBacklog 300')],
    notConf: [/WSGIDaemonProcess|restart-interval/],
    warning: '--restart-interval: no effect without daemon processes (embedded mode)',
  },
};

const REFUSALS: Record<string, Refusal> = {
  '--interrupt-timeout on mod_wsgi 4.9.4': {
    args: ['--interrupt-timeout', '5'],
    message: '--interrupt-timeout needs mod_wsgi >= 6.0.0, found 4.9.4',
  },
  '--response-flush-delay on mod_wsgi 4.9.4': {
    args: ['--response-flush-delay', '10'],
    message: '--response-flush-delay needs mod_wsgi >= 6.0.0, found 4.9.4',
  },
  '--initial-workers above 1': {
    args: ['--initial-workers', '1.5'],
    message: 'needs to be within the range 0 to 1',
  },
  '--minimum-spare-workers below 0': {
    args: ['--minimum-spare-workers', '-0.5'],
    message: 'needs to be within the range 0 to 1',
  },
  '--maximum-spare-workers above 1': {
    args: ['--maximum-spare-workers', '3'],
    message: 'needs to be within the range 0 to 1',
  },
  '--send-buffer-size below 512': {
    args: ['--send-buffer-size', '100'],
    message: '--send-buffer-size: 100 is not valid; expected 0 (the default) or at least 512 bytes.',
  },
  '--header-buffer-size below 8192': {
    args: ['--header-buffer-size', '4096'],
    message: 'at least 8192 bytes',
  },
  '--response-buffer-size below 65536': {
    args: ['--response-buffer-size', '1024'],
    message: 'at least 65536 bytes',
  },
  '--server-backlog 0': { args: ['--server-backlog', '0'], message: 'from 1 to 2147483647' },
  '--restart-interval -1': {
    args: ['--restart-interval', '-1'],
    message: '--restart-interval: "-1" is not valid',
  },
};

describe('setup-server + apachectl configtest', () => {
  const matrix = configMatrix('daemon', { files: { 'app.wsgi': EMPTY_APP } });
  const outcome = matrix.cases(CASES, (c, root) =>
    setupAndConfigtest(['app.wsgi', ...c.args], root, matrix.ws),
  );
  matrix.itRefusesBeforeWriting(REFUSALS, (r) => ['app.wsgi', ...r.args]);

  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const { root, setup, conf, configtest } = await outcome(name);
    expect(setup.status).toBe(0);
    expect(setup.stdout).toContain(`Server Root        : ${root}`);
    if (c.warning) {
      expect(setup.stderr).toContain(`express-wsgi: warning: ${c.warning}`);
    } else {
      expect(setup.stderr).toBe('');
    }
    for (const wanted of c.conf ?? []) {
      expect(conf).toMatch(wanted);
    }
    for (const unwanted of c.notConf ?? []) {
      expect(conf).not.toMatch(unwanted);
    }
    for (const wanted of c.summary ?? []) {
      expect(setup.stdout).toContain(wanted);
    }
    expect(`${configtest.stdout}${configtest.stderr}`.trim()).toBe('Syntax OK');
    expect(configtest.status).toBe(0);
  });
});

describe('a real Apache: mod_wsgi recycles the daemon process', () => {
  afterEach(stopAll);

  const pidOf = async (server: Server, query = '') => {
    const { status, json } = await getJson<{ pid: number }>(`${server.url}/${query}`);
    expect(status).toBe(200);
    return json.pid;
  };
  const errorLog = (server: Server) => readFileSync(join(server.root, 'error_log'), 'utf8');
  /** The process has exited (a zombie waiting for Apache to reap it counts as exited). */
  const gone = (pid: number) => {
    try {
      return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  };

  it('--maximum-requests 2: a new daemon process after every second request', async () => {
    const server = await startServer([
      APP,
      '--maximum-requests',
      '2',
      '--threads',
      '1',
      '--log-level',
      'info',
    ]);
    const pids: number[] = [];
    for (let i = 0; i < 5; i++) {
      pids.push(await pidOf(server));
    }
    const [a, b, c, d, e] = pids;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).toBe(c);
    expect(e).not.toBe(c);
    expect(e).not.toBe(a);
    expect(errorLog(server)).toContain('Maximum requests reached');
  });

  it('without --maximum-requests, the same process serves them all (the control)', async () => {
    const server = await startServer([APP, '--threads', '1']);
    const pids = new Set<number>();
    for (let i = 0; i < 5; i++) {
      pids.add(await pidOf(server));
    }
    expect(pids.size).toBe(1);
  });

  it('--inactivity-timeout 1: an idle daemon process is replaced', async () => {
    const server = await startServer([APP, '--inactivity-timeout', '1', '--log-level', 'info']);
    const first = await pidOf(server);
    // No requests meanwhile (they would count as activity): watch the process itself.
    await waitFor(() => gone(first), 20_000, `daemon process ${first} to exit while idle`);
    expect(errorLog(server)).toContain('Daemon process idle inactivity timer expired');
    expect(await pidOf(server)).not.toBe(first);
  });

  it('--restart-interval 1: the daemon process is replaced on schedule', async () => {
    const server = await startServer([APP, '--restart-interval', '1', '--log-level', 'info']);
    const first = await pidOf(server);
    await waitFor(() => gone(first), 20_000, `daemon process ${first} to be restarted`);
    expect(errorLog(server)).toContain('Application restart timer expired');
    expect(await pidOf(server)).not.toBe(first);
  });

  it('--request-timeout 1 --threads 1: a request that overruns fails and the daemon restarts', async () => {
    const server = await startServer([
      APP,
      '--request-timeout',
      '1',
      '--threads',
      '1',
      '--shutdown-timeout',
      '1',
      '--log-level',
      'info',
    ]);
    const first = await pidOf(server);
    // Far longer than the limit: only the restart can end it before the client's own timeout.
    const slow = await get(`${server.url}/?sleep=120`, {}, 45_000);
    expect(slow.status).toBe(500);
    expect(errorLog(server)).toContain('Daemon process request time limit exceeded');
    await waitFor(() => gone(first), 20_000, `daemon process ${first} to exit`);
    expect(await pidOf(server)).not.toBe(first);
  });

  it('--cpu-time-limit 1: a daemon process that spent its CPU time is replaced', async () => {
    const server = await startServer([APP, '--cpu-time-limit', '1', '--log-level', 'info']);
    const first = await pidOf(server);
    // The request itself finishes (mod_wsgi lets requests in flight complete), then the process goes.
    expect(await pidOf(server, '?burn=2')).toBe(first);
    await waitFor(() => gone(first), 20_000, `daemon process ${first} to exit after its CPU limit`);
    expect(errorLog(server)).toContain('Exceeded CPU time limit');
    expect(await pidOf(server)).not.toBe(first);
  });

  it('--daemon-backlog and --server-backlog: the server starts and answers with both set', async () => {
    const server = await startServer([APP, '--daemon-backlog', '5', '--server-backlog', '16']);
    expect(server.stdout()).toContain('Queue Backlog      : 5 (connections)');
    expect(server.stdout()).toContain('Server Backlog     : 16 (connections)');
    expect(await pidOf(server)).toBeGreaterThan(0);
  });
});
