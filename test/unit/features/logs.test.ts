/**
 * The logs feature: log file names and rotation, the pid file, the Apache process name and the
 * daemon process group, the application group, the Python interpreter settings (warnings, egg
 * cache, switch interval, free threading, orphaned interpreters, verbose debugging), the apachectl
 * shell and --lang. Every option goes through parse → resolve, and render where it is printed.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync as realChmodSync,
  statSync as realStatSync,
  writeFileSync as realWriteFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import type { Discovery } from '../../../src/discovery/discovery.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { rotatedLog } from '../../../src/resolve/rotation.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import { writeServerRoot } from '../../../src/write.js';
import { daemonLine } from '../helpers/daemon-line.js';
import { mkdirSync, removeDir, symlinkSync, tempDir, writeFileSync } from '../helpers/fake-fs.js';
import {
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  removeDir as realRemoveDir,
  tempDir as realTempDir,
  type ContextChanges,
} from '../helpers/fakes.js';

type Raw = Record<string, unknown>;
type Version = readonly [number, number, number];

let dir: string;
let accounts: Accounts;
let fakeRotatelogs: string;

const DIRECTIVES = ['WSGISocketRotation', 'WSGIDaemonProcess', 'WSGIScriptAlias', 'WSGISocketPrefix'];
const WITH_4_9_DIRECTIVES = [...DIRECTIVES, 'WSGIDestroyInterpreter', 'WSGIVerboseDebugging'];

beforeAll(() => {
  dir = tempDir('ew-logs-');
  accounts = fakeAccounts(dir);
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  for (const d of [
    'logs',
    'bin',
    'pathbin',
    'run',
    'static',
    'existing-eggs',
    'lo gs "q" 50%',
    'back\\slash',
  ]) {
    mkdirSync(join(dir, d));
  }
  fakeRotatelogs = join(dir, 'bin', 'rotatelogs');
  writeFileSync(fakeRotatelogs, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(dir, 'pathbin', 'rotatelogs'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(dir, 'not-executable'), '#!/bin/sh\n', { mode: 0o644 });
  writeFileSync(join(dir, 'a-file'), '');
  symlinkSync('/bin/dash', join(dir, 'bin', 'mysh'));
  symlinkSync('/usr/bin/python3', join(dir, 'bin', 'python3'));
  mkdirSync(join(dir, 'sp ace'));
  symlinkSync('/bin/dash', join(dir, 'sp ace', 'sh'));
  // The programs of the machine the fake Host stands for (the real ones run where a test execs them).
  for (const program of [
    '/bin/sh',
    '/bin/bash',
    '/bin/dash',
    '/usr/bin/dash',
    '/usr/bin/perl',
    '/usr/bin/python3.11',
  ]) {
    mkdirSync(dirname(program), { recursive: true });
    writeFileSync(program, '', { mode: 0o755 });
  }
  symlinkSync('python3.11', '/usr/bin/python3');
});

afterAll(() => removeDir(dir));

function discoveryOf(
  changes: { version?: Version; directives?: readonly string[]; httpd?: string } = {},
): Discovery {
  const d = fakeDiscovery({ directives: changes.directives ?? WITH_4_9_DIRECTIVES });
  return {
    ...d,
    httpd: changes.httpd ?? d.httpd,
    modWsgi: { ...d.modWsgi, version: changes.version ?? d.modWsgi.version },
  };
}

interface RunOptions {
  readonly version?: Version;
  readonly directives?: readonly string[];
  readonly httpd?: string;
  readonly ctx?: ContextChanges;
}

function run(raw: Raw = {}, o: RunOptions = {}): ServerConfig {
  return resolve(
    options({ app: 'app.wsgi', 'server-root': join(dir, 'root'), ...raw }),
    discoveryOf(o),
    fakeContext(accounts, dir, o.ctx),
  );
}

/** The message of the UsageError (or EnvironmentError) that resolving `raw` throws. */
function refusal(
  raw: Raw,
  o: RunOptions = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  try {
    run(raw, o);
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${JSON.stringify(raw)}`);
}

const fileOf = (config: ServerConfig, path: string) =>
  render(config).find((f) => f.path === path)?.content ?? '';
const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf);
const apachectl = (config: ServerConfig) => fileOf(config, config.paths.apachectl);
const daemonOptions = daemonLine;
const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
const root = () => join(dir, 'root');

describe('log file names', () => {
  it('default to error_log, access_log and startup_log in the log directory', () => {
    const config = run({ 'access-log': true, 'startup-log': true });
    expect(config.log.errorLog).toBe(join(root(), 'error_log'));
    expect(config.log.accessLog?.file).toBe(join(root(), 'access_log'));
    expect(config.log.startupLog).toBe(join(root(), 'startup_log'));
  });

  it('--error-log-name, --access-log-name and --startup-log-name name the files', () => {
    const config = run({
      'log-directory': 'logs',
      'access-log': true,
      'startup-log': true,
      'error-log-name': 'app-error.log',
      'access-log-name': 'app-access.log',
      'startup-log-name': 'app-startup.log',
    });
    const logs = join(dir, 'logs');
    expect(config.log.errorLog).toBe(join(logs, 'app-error.log'));
    expect(config.log.accessLog?.file).toBe(join(logs, 'app-access.log'));
    expect(config.log.startupLog).toBe(join(logs, 'app-startup.log'));
    const conf = httpdConf(config);
    expect(conf).toContain(`ErrorLog "${logs}/app-error.log"\n`);
    expect(conf).toContain(`CustomLog "${logs}/app-access.log" common\n`);
    expect(apachectl(config)).toContain(`-E ${logs}/app-startup.log -k "$command"`);
    expect(summary(config).get('Error Log File')).toBe(`${logs}/app-error.log (warn)`);
  });

  it.each(['sub/error_log', '/var/log/error_log', '..', '.'])(
    'refuses %j, which is not a plain file name',
    (name) => {
      expect(refusal({ 'error-log-name': name })).toBe(
        `--error-log-name: ${JSON.stringify(name)} is not valid; expected a file name without a "/" (give the directory with --log-directory).`,
      );
    },
  );

  it('refuses an access log with the same name as the error log', () => {
    expect(refusal({ 'access-log': true, 'access-log-name': 'both.log', 'error-log-name': 'both.log' })).toBe(
      '--access-log-name: "both.log" is not valid; expected a name other than the error log’s.',
    );
    // Without --access-log there is no clash.
    expect(run({ 'access-log-name': 'both.log', 'error-log-name': 'both.log' }).log.errorLog).toBe(
      join(root(), 'both.log'),
    );
  });

  it('have no effect with --log-to-terminal, and say so', () => {
    const config = run({ 'log-to-terminal': true, 'error-log-name': 'x.log', 'rotate-logs': true });
    expect(config.log.errorLog).toBe('/dev/stderr');
    expect(config.log.errorLogTarget).toBe('/dev/stderr');
    expect(config.log.rotation).toBeUndefined();
    expect(config.warnings).toContain(
      '--rotate-logs, --error-log-name: no effect with --log-to-terminal (the logs go to stdout and stderr).',
    );
  });
});

describe('--rotate-logs', () => {
  it('pipes the error and access logs through rotatelogs, keeping the plain name linked to the newest file', () => {
    const config = run({ 'rotate-logs': true, 'access-log': true, 'rotatelogs-executable': fakeRotatelogs });
    const errorLog = join(root(), 'error_log');
    const accessLog = join(root(), 'access_log');
    expect(config.log.errorLog).toBe(errorLog);
    expect(config.log.rotation).toEqual({ executable: fakeRotatelogs, maxSize: 5 });
    expect(config.log.errorLogTarget).toBe(
      `|${fakeRotatelogs} -f -L ${errorLog} ${errorLog}.%Y-%m-%d-%H_%M_%S 5M`,
    );
    expect(config.log.accessLogTarget).toBe(
      `|${fakeRotatelogs} -f -L ${accessLog} ${accessLog}.%Y-%m-%d-%H_%M_%S 5M`,
    );
    const conf = httpdConf(config);
    expect(conf).toContain(`ErrorLog "${config.log.errorLogTarget}"\n`);
    expect(conf).toContain(`CustomLog "${config.log.accessLogTarget}" common\n`);
    expect(summary(config).get('Log Rotation')).toBe(
      `error_log.<UTC time>, access_log.<UTC time> every 5 MB (${fakeRotatelogs})`,
    );
  });

  it('--max-log-size sets the size in MB', () => {
    const config = run({
      'rotate-logs': true,
      'rotatelogs-executable': fakeRotatelogs,
      'max-log-size': '2047',
    });
    expect(config.log.errorLogTarget).toMatch(/ 2047M$/);
  });

  it.each(['0', '2048', '1.5', 'ten'])(
    'refuses --max-log-size %s (rotatelogs takes 1 to 2047 MB)',
    (size) => {
      expect(refusal({ 'max-log-size': size })).toBe(
        `--max-log-size: ${JSON.stringify(size)} is not valid; expected a whole number from 1 to 2047.`,
      );
    },
  );

  it('finds rotatelogs on PATH first, then beside httpd', () => {
    const onPath = run({ 'rotate-logs': true }, { ctx: { env: { PATH: join(dir, 'pathbin') } } });
    expect(onPath.log.rotation?.executable).toBe(join(dir, 'pathbin', 'rotatelogs'));
    const beside = run({ 'rotate-logs': true }, { httpd: join(dir, 'bin', 'apache2'), ctx: { env: {} } });
    expect(beside.log.rotation?.executable).toBe(fakeRotatelogs);
  });

  it('takes --rotatelogs-executable relative to the current directory, and refuses one that cannot run', () => {
    const config = run({ 'rotate-logs': true, 'rotatelogs-executable': 'bin/rotatelogs' });
    expect(config.log.rotation?.executable).toBe(fakeRotatelogs);
    for (const bad of ['bin/missing', 'not-executable', 'logs']) {
      expect(refusal({ 'rotate-logs': true, 'rotatelogs-executable': bad })).toBe(
        `--rotatelogs-executable: ${JSON.stringify(bad)} is not valid; expected an existing executable file.`,
      );
    }
  });

  it('quotes paths with spaces and quotes for Apache’s piped-log splitting and doubles % for strftime', () => {
    const logs = join(dir, 'lo gs "q" 50%');
    const config = run({
      'rotate-logs': true,
      'rotatelogs-executable': fakeRotatelogs,
      'log-directory': logs,
    });
    const file = `${logs}/error_log`;
    const quoted = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
    expect(config.log.errorLogTarget).toBe(
      `|${fakeRotatelogs} -f -L ${quoted(file)} ${quoted(`${file.replace('%', '%%')}.%Y-%m-%d-%H_%M_%S`)} 5M`,
    );
    // Apache's own quoting goes around that.
    expect(httpdConf(config)).toContain(
      `ErrorLog "${config.log.errorLogTarget.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`,
    );
  });

  it('refuses a log path with a backslash, which Apache cannot pass to rotatelogs', () => {
    const logs = join(dir, 'back\\slash');
    expect(
      refusal({ 'rotate-logs': true, 'rotatelogs-executable': fakeRotatelogs, 'log-directory': logs }),
    ).toBe(
      `--rotate-logs: ${JSON.stringify(`${logs}/error_log`)} has a backslash, which Apache cannot pass to rotatelogs; ` +
        'choose a --log-directory (or --server-root) without one.',
    );
    expect(() => rotatedLog({ executable: '/usr/bin/rotatelogs', maxSize: 5 }, '/a\\b/log')).toThrow(
      UsageError,
    );
  });

  it('warns that --max-log-size and --rotatelogs-executable alone do nothing', () => {
    const config = run({ 'max-log-size': '10', 'rotatelogs-executable': 'bin/missing' });
    expect(config.log.rotation).toBeUndefined();
    expect(config.log.errorLogTarget).toBe(config.log.errorLog);
    expect(config.warnings).toContain(
      '--max-log-size and --rotatelogs-executable only take effect with --rotate-logs.',
    );
  });
});

describe('--pid-file', () => {
  it('moves PidFile (relative to the current directory) and is shown in the summary', () => {
    const config = run({ 'pid-file': 'run/apache.pid' });
    expect(config.paths.pidFile).toBe(join(dir, 'run', 'apache.pid'));
    expect(httpdConf(config)).toContain(`PidFile "${dir}/run/apache.pid"\n`);
    expect(summary(config).get('PID File')).toBe(join(dir, 'run', 'apache.pid'));
  });

  it('defaults to httpd.pid in the server root', () => {
    expect(run().paths.pidFile).toBe(join(root(), 'httpd.pid'));
  });

  it('refuses a file in a missing directory, and a directory', () => {
    expect(refusal({ 'pid-file': 'nowhere/apache.pid' })).toBe(
      `--pid-file: "nowhere/apache.pid" is not valid; expected a file in an existing directory (${dir}/nowhere does not exist).`,
    );
    expect(refusal({ 'pid-file': 'run' })).toBe(
      '--pid-file: "run" is not valid; expected a file name (it is a directory).',
    );
  });

  it('refuses a file express-wsgi writes, and an existing file that is no pid file (Apache would delete it)', () => {
    mkdirSync(join(dir, 'root'), { recursive: true });
    const conf = join(dir, 'root', 'httpd.conf');
    expect(refusal({ 'pid-file': conf })).toBe(
      `--pid-file: ${JSON.stringify(conf)} is not valid; expected a file name of its own (${conf} is httpd.conf).`,
    );
    writeFileSync(join(dir, 'precious.txt'), 'not a pid\n');
    expect(refusal({ 'pid-file': 'precious.txt' })).toBe(
      `--pid-file: "precious.txt" is not valid; expected a new file or an old pid file (${dir}/precious.txt holds something else, which Apache would delete).`,
    );
    writeFileSync(join(dir, 'old.pid'), '4242\n');
    expect(run({ 'pid-file': 'old.pid' }).paths.pidFile).toBe(join(dir, 'old.pid'));
  });
});

describe('log file names', () => {
  it.each([
    ['error-log-name', 'apachectl', 'apachectl'],
    ['error-log-name', 'envvars', 'envvars'],
    ['error-log-name', 'httpd.pid', 'the pid file'],
    ['startup-log-name', 'handler.wsgi', 'the handler script'],
  ])('--%s %s is refused: Apache would append its log to %s', (option, name, what) => {
    const raw = option === 'startup-log-name' ? { 'startup-log': true, [option]: name } : { [option]: name };
    expect(refusal(raw)).toBe(
      `--${option}: ${JSON.stringify(name)} is not valid; expected a file name of its own (${join(dir, 'root', name)} is ${what}).`,
    );
  });

  it('--access-log-name naming a directory is refused', () => {
    mkdirSync(join(dir, 'root', 'htdocs'), { recursive: true });
    expect(refusal({ 'access-log': true, 'access-log-name': 'htdocs' })).toBe(
      `--access-log-name: "htdocs" is not valid; expected a file name (${join(dir, 'root', 'htdocs')} is a directory).`,
    );
  });
});

describe('--process-name', () => {
  it('runs httpd under that name through perl, padded to the daemon display name, keeping the PID', () => {
    const config = run({ 'process-name': 'my-site' });
    const display = String(daemonOptions(config).get('display-name'));
    expect(display).toBe('(wsgi:localhost:8000:1000)');
    const name = config.features.logs.processName;
    expect(name?.name).toBe('my-site'.padEnd(display.length));
    expect(name?.exec[0]).toMatch(/\/perl$/);
    const script = apachectl(config);
    expect(script).toContain(`"$HTTPD" 'my-site${' '.repeat(display.length - 7)}' "$@"`);
    expect(script).toContain(
      '    exec_httpd -d "$SERVER_ROOT" -f "$SERVER_ROOT/httpd.conf" -k "$command" "$@"',
    );
    expect(summary(config).get('Process Name')).toBe('my-site');
    for (const shell of ['/bin/sh', '/bin/bash']) {
      const check = spawnSync(shell, ['-n'], { input: script, encoding: 'utf8' });
      expect([shell, check.status, check.stderr]).toEqual([shell, 0, '']);
    }
  });

  it('makes perl exec httpd with that argv[0] and the arguments unchanged', () => {
    const config = run({ 'process-name': "it's mine" });
    const { name = '', exec = [] } = config.features.logs.processName ?? {};
    // perl execs /bin/sh (standing in for httpd) under the new name; sh prints its own command line.
    const script = 'tr "\\0" "|" < /proc/$$/cmdline';
    const r = spawnSync(exec[0] as string, [...exec.slice(1), '/bin/sh', name, '-c', script, 'x', 'a b'], {
      encoding: 'utf8',
    });
    expect(name.startsWith("it's mine")).toBe(true);
    expect(r.stdout).toBe(`${name}|-c|${script}|x|a b|`);
  });

  it('by default pads the httpd path in daemon mode, so that mod_wsgi does not cut the daemon name short', () => {
    const config = run();
    expect(config.features.logs.processName?.name).toBe(
      '/usr/sbin/apache2'.padEnd('(wsgi:localhost:8000:1000)'.length),
    );
    expect(summary(config).has('Process Name')).toBe(false);
  });

  it('leaves the plain exec in embedded mode, where no daemon needs the room', () => {
    const config = run({ 'embedded-mode': true });
    expect(config.features.logs.processName).toBeUndefined();
    expect(apachectl(config)).not.toContain('exec_httpd');
    expect(apachectl(config)).toContain('    exec "$HTTPD" -d "$SERVER_ROOT"');
  });

  it('refuses a name with control characters', () => {
    expect(refusal({ 'process-name': 'a\tb' })).toBe(
      '--process-name: "a\\tb" is not valid; expected a non-empty name without control characters.',
    );
  });
});

describe('--process-group', () => {
  it('names the daemon process group, its display name and the handler’s process group', () => {
    const config = run({ 'process-group': 'my-app' });
    expect(config.daemon?.name).toBe('my-app');
    expect(daemonOptions(config).get('display-name')).toBe('(wsgi:my-app)');
    expect(config.processGroup).toBe('my-app');
    const conf = httpdConf(config);
    expect(conf).toContain('WSGIDaemonProcess "my-app" ');
    expect(conf).toContain('WSGIHandlerScript wsgi-handler');
    expect(conf).toMatch(/WSGIHandlerScript wsgi-handler \S+ process-group="my-app" /);
    expect(conf).toMatch(/WSGIImportScript \S+ process-group="my-app" /);
  });

  it.each(['two words', '-dash', 'semi;colon'])('refuses %j', (name) => {
    expect(refusal({ 'process-group': name })).toBe(
      `--process-group: ${JSON.stringify(name)} is not valid; expected a name of letters, digits and _ . : @ + - (not starting with a punctuation mark).`,
    );
  });

  it('refuses %{GLOBAL} and points to --embedded-mode', () => {
    expect(refusal({ 'process-group': '%{GLOBAL}' })).toBe(
      '--process-group: "%{GLOBAL}" is not valid; expected a fixed name of letters, digits and _ . : @ + - (to run the application in the Apache processes themselves, use --embedded-mode).',
    );
  });

  it.each(['%{SERVER}', '%{HOST}', '%{ENV:GROUP}'])('refuses %j and says why', (name) => {
    expect(refusal({ 'process-group': name })).toBe(
      `--process-group: ${JSON.stringify(name)} is not valid; expected a fixed name of letters, digits and _ . : @ + - (a %{...} form would name a different daemon group per request, and only this one exists, so every request would fail).`,
    );
  });

  it('has no effect in embedded mode, and says so', () => {
    const config = run({ 'process-group': 'my-app', 'embedded-mode': true });
    expect(config.processGroup).toBe('%{GLOBAL}');
    expect(config.warnings).toContain(
      '--process-group: no effect without daemon processes (--embedded-mode or a static site).',
    );
  });
});

describe('--application-group', () => {
  it('defaults to %{GLOBAL}, with the app imported at start', () => {
    const config = run();
    expect(config.applicationGroup).toBe('%{GLOBAL}');
    expect(config.importAtStart).toBe(true);
    expect(httpdConf(config)).toMatch(
      /WSGIImportScript \S+ process-group="localhost:8000" application-group="%\{GLOBAL\}"/,
    );
  });

  it('names the sub-interpreter on both the handler and the import', () => {
    const config = run({ 'application-group': 'myapp' });
    const conf = httpdConf(config);
    expect(conf).toMatch(
      /WSGIHandlerScript wsgi-handler \S+ process-group="localhost:8000" application-group="myapp"\n/,
    );
    expect(conf).toMatch(/WSGIImportScript \S+ process-group="localhost:8000" application-group="myapp"\n/);
    expect(summary(config).get('Application Group')).toBe('myapp');
  });

  it.each(['%{RESOURCE}', '%{SERVER}', '%{HOST}', '%{ENV:APP_GROUP}'])(
    'drops the start-up import for %s, which mod_wsgi expands per request',
    (group) => {
      const config = run({ 'application-group': group });
      expect(config.importAtStart).toBe(false);
      const conf = httpdConf(config);
      expect(conf).toContain(`application-group="${group}"\n`);
      expect(conf).not.toContain('WSGIImportScript');
    },
  );

  it('works in embedded mode too', () => {
    const config = run({ 'application-group': 'myapp', 'embedded-mode': true });
    expect(httpdConf(config)).toContain('process-group="%{GLOBAL}" application-group="myapp"\n');
  });

  it.each(['%{FOO}', '%{ENV:}', 'two words', '%{GLOBAL}x'])('refuses %j', (group) => {
    expect(refusal({ 'application-group': group })).toBe(
      `--application-group: ${JSON.stringify(group)} is not valid; expected a name such as myapp (letters, digits and _ . : @ | / + -), or one of %{GLOBAL}, %{RESOURCE}, %{SERVER}, %{HOST}, %{ENV:VARIABLE}.`,
    );
  });

  it('warns that a static site has no application group', () => {
    const config = run({ app: 'static', 'application-type': 'static', 'application-group': 'myapp' });
    expect(config.warnings).toContain('--application-group: no effect on a static site.');
  });
});

describe('interpreter directives', () => {
  it('--orphan-interpreter writes WSGIDestroyInterpreter Off where the module has it', () => {
    expect(httpdConf(run({ 'orphan-interpreter': true }))).toContain('\nWSGIDestroyInterpreter Off\n');
    expect(httpdConf(run())).not.toContain('WSGIDestroyInterpreter');
    expect(refusal({ 'orphan-interpreter': true }, { directives: DIRECTIVES })).toBe(
      '--orphan-interpreter needs a mod_wsgi with the WSGIDestroyInterpreter directive (4.9.0 or later); found 4.9.4.',
    );
  });

  it('--verbose-debugging writes WSGIVerboseDebugging On, or is ignored with a warning', () => {
    expect(httpdConf(run({ 'verbose-debugging': true }))).toContain('\nWSGIVerboseDebugging On\n');
    const without = run({ 'verbose-debugging': true }, { directives: DIRECTIVES });
    expect(httpdConf(without)).not.toContain('WSGIVerboseDebugging');
    expect(without.warnings).toContain(
      '--verbose-debugging: ignored; mod_wsgi 4.9.4 has no WSGIVerboseDebugging (it was only ever a diagnostic aid).',
    );
  });

  it('--python-warnings writes one WSGIPythonWarnings per filter, in order', () => {
    const conf = httpdConf(
      run({ 'python-warnings': ['ignore::DeprecationWarning', 'e::UserWarning:mymod:12', 'default'] }),
    );
    expect(conf).toContain(
      'WSGIPythonWarnings "ignore::DeprecationWarning"\nWSGIPythonWarnings "e::UserWarning:mymod:12"\nWSGIPythonWarnings "default"\n',
    );
  });

  it.each(['bogus', 'error:a:b:c:twelve', 'error:a:b:c:1:extra', ':x'])(
    'refuses the warnings filter %j',
    (spec) => {
      expect(refusal({ 'python-warnings': [spec] })).toBe(
        `--python-warnings: ${JSON.stringify(spec)} is not valid; expected a Python -W filter, action[:message[:category[:module[:lineno]]]], with action one of default, always, ignore, module, once, error.`,
      );
    },
  );

  it('--switch-interval and --free-threading need mod_wsgi 6.0', () => {
    expect(refusal({ 'switch-interval': '0.01' })).toBe(
      '--switch-interval needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).',
    );
    expect(refusal({ 'free-threading': true })).toBe(
      '--free-threading needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).',
    );
  });

  it('with mod_wsgi 6.0, --switch-interval sets WSGISwitchInterval and the daemon option', () => {
    const config = run({ 'switch-interval': '0.01' }, { version: [6, 0, 5] });
    expect(httpdConf(config)).toContain('\nWSGISwitchInterval 0.01\n');
    expect(daemonOptions(config).get('switch-interval')).toBe(0.01);
    for (const bad of ['0', '-1']) {
      expect(refusal({ 'switch-interval': bad }, { version: [6, 0, 5] })).toBe(
        `--switch-interval: "${bad}" is not valid; expected a number from 0.000001 to 2147483647.`,
      );
    }
  });

  it('with mod_wsgi 6.0, --free-threading writes WSGIFreeThreading On', () => {
    expect(httpdConf(run({ 'free-threading': true }, { version: [6, 0, 5] }))).toContain(
      '\nWSGIFreeThreading On\n',
    );
    expect(httpdConf(run({}, { version: [6, 0, 5] }))).not.toContain('WSGIFreeThreading');
  });
});

describe('--python-eggs', () => {
  it('sets python-eggs= on the daemon and asks for the directory to be created', () => {
    const config = run({ 'python-eggs': 'eggs' });
    expect(daemonOptions(config).get('python-eggs')).toBe(join(dir, 'eggs'));
    expect(config.features.logs.directories).toEqual([{ path: join(dir, 'eggs'), mode: 0o755, owned: true }]);
  });

  it('uses an existing directory as it is', () => {
    const config = run({ 'python-eggs': 'existing-eggs' });
    expect(daemonOptions(config).get('python-eggs')).toBe(join(dir, 'existing-eggs'));
    expect(config.features.logs.directories).toEqual([]);
  });

  it('sets WSGIPythonEggs in embedded mode', () => {
    const config = run({ 'python-eggs': 'eggs', 'embedded-mode': true });
    expect(httpdConf(config)).toContain(`\nWSGIPythonEggs "${dir}/eggs"\n`);
  });

  it('has no effect on a static site, and says so', () => {
    const config = run({ app: 'static', 'application-type': 'static', 'python-eggs': 'eggs' });
    expect(config.features.logs.directories).toEqual([]);
    expect(httpdConf(config)).not.toContain('eggs');
    expect(config.warnings).toContain('--python-eggs: no effect on a static site.');
  });

  it('refuses a file and a path whose parent is missing', () => {
    expect(refusal({ 'python-eggs': 'a-file' })).toBe(
      '--python-eggs: "a-file" is not valid; expected a directory (it is a file).',
    );
    expect(refusal({ 'python-eggs': 'no/such' })).toBe(
      `--python-eggs: "no/such" is not valid; expected a directory whose parent exists (${dir}/no does not).`,
    );
  });

  it('is created by writeServerRoot, and given to the run-as account when started as root', () => {
    // Writing the server root is the real file system's business: a real directory, the real Host.
    const real = realTempDir('ew-logs-eggs-');
    realWriteFileSync(join(real, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
    const asRoot = process.getuid?.() === 0;
    const eggs = join(real, asRoot ? 'root-eggs' : 'user-eggs');
    const serverRoot = join(real, asRoot ? 'root-root' : 'user-root');
    const uid = process.getuid?.() ?? 1000;
    try {
      const config = resolve(
        options({ app: 'app.wsgi', 'server-root': serverRoot, 'python-eggs': eggs }),
        discoveryOf(),
        fakeContext(accounts, real, { uid, gid: process.getgid?.() ?? 1000 }),
      );
      writeServerRoot(config, render(config), uid);
      const st = realStatSync(eggs);
      expect(st.isDirectory()).toBe(true);
      expect(st.mode & 0o777).toBe(0o755);
      // Started as root, the app runs as www-data (uid 33 in the fake passwd).
      expect([st.uid, st.gid]).toEqual(asRoot ? [33, 33] : [uid, st.gid]);
      // A directory that exists already keeps its owner and mode.
      realChmodSync(eggs, 0o700);
      writeServerRoot(config, render(config), uid);
      expect(realStatSync(eggs).mode & 0o777).toBe(0o700);
    } finally {
      realRemoveDir(real);
    }
  });
});

describe('--shell-executable', () => {
  it('defaults to /bin/sh on the #! line of apachectl', () => {
    const config = run();
    expect(config.shell).toBe('/bin/sh');
    expect(apachectl(config).startsWith('#!/bin/sh\n')).toBe(true);
  });

  it('takes a path, or a name looked up on PATH', () => {
    expect(apachectl(run({ 'shell-executable': '/bin/bash' })).startsWith('#!/bin/bash\n')).toBe(true);
    expect(run({ 'shell-executable': 'dash' }, { ctx: { env: { PATH: '/usr/bin' } } }).shell).toBe(
      '/usr/bin/dash',
    );
  });

  it('accepts a link to a POSIX shell under another name', () => {
    expect(run({ 'shell-executable': 'bin/mysh' }).shell).toBe(join(dir, 'bin', 'mysh'));
  });

  it('refuses what is missing, not executable, not a POSIX shell, or unfit for a #! line', () => {
    expect(refusal({ 'shell-executable': '/no/such/sh' })).toBe(
      '--shell-executable: "/no/such/sh" is not valid; expected an existing executable POSIX shell such as /bin/sh or /bin/bash.',
    );
    expect(refusal({ 'shell-executable': 'not-executable' })).toContain(
      'expected an existing executable POSIX shell',
    );
    expect(refusal({ 'shell-executable': 'bin/python3' })).toMatch(
      /^--shell-executable: "bin\/python3" is not valid; expected a POSIX shell \(sh, bash, dash, .*\); python3\.\d+ is not one\.$/,
    );
    expect(refusal({ 'shell-executable': 'sp ace/sh' })).toBe(
      '--shell-executable: "sp ace/sh" is not valid; expected a path without spaces of at most 120 characters, as a #! line needs (link it somewhere shorter).',
    );
  });
});

describe('--lang', () => {
  it('is the deprecated spelling of --locale', () => {
    const config = run({ lang: 'en_US.UTF-8' });
    expect(config.locale).toBe('en_US.UTF-8');
    expect(daemonOptions(config).get('locale')).toBe('en_US.UTF-8');
    expect(config.warnings).toContain('--lang is deprecated; use --locale.');
  });

  it('loses to --locale', () => {
    const config = run({ lang: 'en_US.UTF-8', locale: 'C.UTF-8' });
    expect(config.locale).toBe('C.UTF-8');
    expect(config.warnings).toContain('--lang is deprecated and --locale C.UTF-8 wins over it.');
  });

  it('is checked like --locale', () => {
    expect(refusal({ lang: 'en US' })).toBe(
      '--lang: "en US" is not valid; expected a locale name such as C.UTF-8.',
    );
  });
});
