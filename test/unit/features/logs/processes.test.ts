/** What the processes are called and the shell of apachectl. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { dir, run, refusal, httpdConf, apachectl, daemonOptions, summary } from './setup.js';

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
