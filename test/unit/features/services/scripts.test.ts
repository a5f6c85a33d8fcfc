/** Service scripts: --service-script and the options that name a service; --with-php5. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { daemonLine } from '../../helpers/daemon-line.js';
import { dir, run, AS_ROOT, refusal, httpdConf, handler, apachectl, summary, svc, root } from './setup.js';

describe('nothing asked for', () => {
  it('adds nothing to httpd.conf, handler.wsgi or apachectl', () => {
    const config = run();
    expect(svc(config)).toMatchObject({
      services: [],
      debug: undefined,
      gdb: undefined,
      telemetry: undefined,
      docs: undefined,
    });
    expect(httpdConf(config)).not.toMatch(/ONE_PROCESS|service:|WSGITelemetry|__wsgi__/);
    expect(handler(config)).not.toContain('MOD_WSGI_DEBUG_MODE');
    expect(apachectl(config)).not.toContain('gdb');
    expect(config.mode).toBe('daemon');
  });
});

describe('--service-script and friends', () => {
  it('runs the script in a daemon of its own, named service:NAME, with threads=0', () => {
    const config = run({ 'service-script': ['tick', 'service.py'] });
    const [service] = svc(config).services;
    expect(service).toMatchObject({ name: 'tick', group: 'service:tick', script: join(dir, 'service.py') });
    const opts = daemonLine(config, service?.group);
    expect(opts.get('display-name')).toBe('%{GROUP}');
    expect(opts.get('threads')).toBe(0);
    expect(opts.get('home')).toBe(dir);
    expect(opts.has('user')).toBe(false);
    const conf = httpdConf(config);
    expect(conf).toMatch(/^WSGIDaemonProcess "service:tick" display-name="%\{GROUP\}" .*threads="0"/m);
    expect(conf).toContain(
      `WSGIImportScript "${join(dir, 'service.py')}" process-group="service:tick" application-group="%{GLOBAL}"`,
    );
    // The main application's daemon is still there, and the service is not its process group.
    expect(conf).toMatch(/^WSGIDaemonProcess "localhost:8000"/m);
    expect(summary(config).get('Service tick')).toBe(
      `${join(dir, 'service.py')}, process (wsgi:service:tick)`,
    );
  });

  it('several services, in order, each with the python path and home of the app', () => {
    const config = run({
      'service-script': ['one', 'service.py', 'two', 'other.py'],
      'python-path': 'logs',
      'python-home': 'venv',
    });
    expect(svc(config).services.map((s) => s.group)).toEqual(['service:one', 'service:two']);
    const opts = daemonLine(config, svc(config).services[1]?.group);
    expect(opts.get('python-path')).toBe(join(dir, 'logs'));
    expect(opts.get('python-home')).toBe(join(dir, 'venv'));
  });

  it('services run in embedded mode too', () => {
    const conf = httpdConf(run({ 'service-script': ['tick', 'service.py'], 'embedded-mode': true }));
    expect(conf).toMatch(/^WSGIDaemonProcess "service:tick"/m);
    expect(conf).not.toMatch(/^WSGIDaemonProcess "localhost/m);
  });

  it('without a WSGI app (static files) the daemon sockets still get a prefix', () => {
    const config = run({ 'service-script': ['tick', 'service.py'] }, { noApp: true });
    expect(svc(config).socketPrefix).toBe(join(root(), 'wsgi'));
    expect(httpdConf(config)).toContain(`WSGISocketPrefix "${join(root(), 'wsgi')}"`);
    expect(svc(run({ 'service-script': ['tick', 'service.py'] })).socketPrefix).toBeUndefined();
  });

  it.each([
    [['bad name', 'service.py'], '--service-script: "bad name" is not valid; expected a service NAME'],
    [['tick', 'missing.py'], '--service-script: "missing.py" is not valid; expected an existing file'],
    [['tick', 'static'], '--service-script: "static" is not valid; expected a file (it is a directory)'],
    [
      ['tick', 'service.py', 'tick', 'other.py'],
      '--service-script: "tick" is not valid; expected each service NAME once',
    ],
  ])('refuses %j', (value, message) => {
    expect(refusal({ 'service-script': value })).toContain(message);
  });

  it('--service-user and --service-group set user= and group= when started as root', () => {
    const config = run(
      {
        'service-script': ['tick', 'service.py', 'tock', 'other.py'],
        'service-user': ['tick', 'alice'],
        'service-group': ['tick', 'staff'],
      },
      AS_ROOT,
    );
    const [tick, tock] = svc(config).services.map((s) => daemonLine(config, s.group));
    expect(tick?.get('user')).toBe('alice');
    expect(tick?.get('group')).toBe('staff');
    expect(tock?.has('user')).toBe(false);
    expect(httpdConf(config)).toMatch(/^WSGIDaemonProcess "service:tick" .*user="alice" group="staff"/m);
    expect(svc(config).warnings).toEqual([]);
  });

  it('#uid and #gid work for accounts without an entry', () => {
    const config = run(
      {
        'service-script': ['tick', 'service.py'],
        'service-user': ['tick', '#4242'],
        'service-group': ['tick', '#4243'],
      },
      AS_ROOT,
    );
    const opts = daemonLine(config, svc(config).services[0]?.group);
    expect([opts.get('user'), opts.get('group')]).toEqual(['#4242', '#4243']);
  });

  it('not started as root, --service-user is only a warning and nothing is written', () => {
    const config = run({ 'service-script': ['tick', 'service.py'], 'service-user': ['tick', 'alice'] });
    expect(daemonLine(config, svc(config).services[0]?.group).has('user')).toBe(false);
    expect(config.warnings).toContain(
      '--service-user and --service-group only take effect when express-wsgi is started as root.',
    );
  });

  it.each([
    [
      'service-user',
      ['nope', 'alice'],
      '--service-user: "nope" is not valid; expected the NAME of a --service-script (tick)',
    ],
    [
      'service-user',
      ['tick', 'mallory'],
      '--service-user: "mallory" is not valid; expected an existing account name or #uid',
    ],
    [
      'service-user',
      ['tick', 'root'],
      '--service-user: "root" is not valid; expected an unprivileged account: mod_wsgi refuses to run a daemon process as root',
    ],
    ['service-user', ['tick', '#0'], 'expected an unprivileged account'],
    [
      'service-group',
      ['tick', 'nogroupatall'],
      '--service-group: "nogroupatall" is not valid; expected an existing group name or #gid',
    ],
    ['service-group', ['tock', 'staff'], 'expected the NAME of a --service-script (tick)'],
    [
      'service-group',
      ['tick', 'root'],
      '--service-group: "root" is not valid; expected an unprivileged group: a service must not run with group root (gid 0)',
    ],
    ['service-group', ['tick', '#0'], 'expected an unprivileged group'],
    ['service-log-file', ['tock', 'x.log'], 'expected the NAME of a --service-script (tick)'],
    [
      'service-user',
      ['tick', 'alice', 'tick', 'bob'],
      '--service-user: "tick" is not valid; expected each service named once',
    ],
  ])('--%s %j is refused', (option, value, message) => {
    expect(refusal({ 'service-script': ['tick', 'service.py'], [option]: value }, AS_ROOT)).toContain(
      message,
    );
  });

  it('a --service-* option for a service that was never declared names none', () => {
    expect(refusal({ 'service-user': ['tick', 'alice'] })).toContain(
      'expected the NAME of a --service-script (none is given)',
    );
  });

  it('--service-log-file: the service gets its own ErrorLog in a virtual host that never serves', () => {
    const config = run({
      'service-script': ['tick', 'service.py'],
      'service-log-file': ['tick', 'tick.log'],
    });
    const [service] = svc(config).services;
    expect(service?.logFile).toBe(join(root(), 'tick.log'));
    expect(service?.vhost).toBe('127.0.0.1:1');
    const conf = httpdConf(config);
    const block = /<VirtualHost 127\.0\.0\.1:1>\n([\s\S]*?)<\/VirtualHost>/.exec(conf)?.[1] ?? '';
    expect(block).toContain(`ErrorLog "${join(root(), 'tick.log')}"`);
    expect(block).toMatch(/^WSGIDaemonProcess "service:tick"/m);
    expect(block).toMatch(/^WSGIImportScript .* process-group="service:tick"/m);
    // The main server still listens on its own port; the service's host is on another.
    expect(conf).toContain('Listen "8000"');
  });

  it('--service-log-file: in --log-directory, or an absolute path; the host avoids port 1 when serving there', () => {
    const inLogs = run({
      'service-script': ['tick', 'service.py'],
      'service-log-file': ['tick', 'tick.log'],
      'log-directory': 'logs',
    });
    expect(svc(inLogs).services[0]?.logFile).toBe(join(dir, 'logs', 'tick.log'));
    const absolute = run(
      {
        'service-script': ['tick', 'service.py'],
        'service-log-file': ['tick', join(dir, 'out', 't.log')],
        port: '1',
      },
      AS_ROOT,
    );
    expect(svc(absolute).services[0]).toMatchObject({
      logFile: join(dir, 'out', 't.log'),
      vhost: '127.0.0.1:2',
    });
  });

  it.each([
    [
      join('/nonexistent-dir', 'x.log'),
      'expected a file in an existing directory (/nonexistent-dir does not exist)',
    ],
    ['error_log', 'expected a file other than the main error and access logs'],
  ])('--service-log-file %s is refused', (file, message) => {
    expect(
      refusal({ 'service-script': ['tick', 'service.py'], 'service-log-file': ['tick', file] }),
    ).toContain(message);
  });

  it('an odd number of values is refused by the parser', () => {
    expect(refusal({ 'service-script': ['tick'] })).toBe(
      '--service-script: "tick" is not valid; expected two values: NAME SCRIPT-PATH.',
    );
  });
});

describe('--with-php5', () => {
  it('is refused with the reason', () => {
    expect(refusal({ 'with-php5': true })).toBe(
      '--with-php5 is not supported: PHP 5 and mod_php5 are gone from every supported distribution; run PHP in its own server (php-fpm) and proxy to it.',
    );
  });
});
