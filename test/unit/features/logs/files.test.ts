/** Log file names, rotation and the pid file. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/errors.js';
import { rotatedLog } from '../../../../src/resolve/rotation.js';
import { mkdirSync, writeFileSync } from '../../helpers/fake-fs.js';
import { dir, fakeRotatelogs, run, refusal, httpdConf, apachectl, summary, root } from './setup.js';

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
