/** mod_wsgi 6 telemetry, and the documentation at /__wsgi__/docs. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import {
  dir,
  importsNothing,
  run,
  SIX,
  refusal,
  fileOf,
  httpdConf,
  summary,
  svc,
  root,
  compilesAsPython,
} from './setup.js';

describe('--enable-docs', () => {
  it('serves the docs directory at /__wsgi__/docs, never handed to the app', () => {
    const config = run({ 'enable-docs': true });
    const docs = svc(config).docs;
    expect(docs?.url).toBe('/__wsgi__/docs');
    expect(docs?.directory).toMatch(/\/docs$/);
    expect(config.appExclusions).toContain('/__wsgi__/docs');
    expect(config.modules.map((m) => m.id)).toContain('autoindex_module');
    const conf = httpdConf(config);
    expect(conf).toContain(`Alias "/__wsgi__/docs" "${docs?.directory}"`);
    expect(conf).toContain('RewriteCond %{REQUEST_URI} "!^/__wsgi__/docs(/|$)"');
    expect(summary(config).get('Documentation')).toBe('http://localhost:8000/__wsgi__/docs/');
  });
});

describe('telemetry (mod_wsgi >= 6.0)', () => {
  const SOCKET = join('/tmp', 'ingester.sock');

  it.each([
    ['telemetry-service', `unix:${SOCKET}`],
    ['enable-telemetry', true],
    ['telemetry-ui-port', '9999'],
    ['telemetry-interval', '2'],
    ['slow-requests', '1.5'],
    ['telemetry-options', '+CaptureUserAgent'],
  ])('--%s is refused on mod_wsgi 4.9.4', (option, value) => {
    expect(refusal({ [option]: value })).toBe(
      `--${option} needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).`,
    );
  });

  it('defaults at their values are not "asked for" on 4.9.4', () => {
    expect(
      run({ 'telemetry-ui-port': '8888', 'telemetry-interval': '1' }).features.services.telemetry,
    ).toBeUndefined();
  });

  it('--telemetry-service, --telemetry-interval, --slow-requests and --telemetry-options', () => {
    const config = run(
      {
        'telemetry-service': `unix:${SOCKET}`,
        'telemetry-interval': '2.5',
        'slow-requests': '0',
        'telemetry-options': ['+CaptureUserAgent', 'None'],
      },
      { version: SIX },
    );
    expect(svc(config).telemetry).toMatchObject({
      target: `unix:${SOCKET}`,
      interval: 'interval=2.5',
      slowRequests: '0',
    });
    const conf = httpdConf(config);
    expect(conf).toContain(`WSGITelemetryService "unix:${SOCKET}" "interval=2.5"`);
    expect(conf).toMatch(/^WSGISlowRequests 0$/m);
    expect(conf).toMatch(/^WSGITelemetryOptions "\+CaptureUserAgent"$/m);
    expect(conf).toMatch(/^WSGITelemetryOptions "None"$/m);
    expect(summary(config).get('Telemetry')).toBe(`unix:${SOCKET} (interval=2.5)`);
  });

  it('a relative socket path is made absolute', () => {
    const config = run({ 'telemetry-service': 'unix:out/t.sock' }, { version: SIX });
    expect(svc(config).telemetry?.target).toBe(`unix:${join(dir, 'out', 't.sock')}`);
  });

  it.each([
    [
      'udp:127.0.0.1:9000',
      "expected unix:/path/of/the/ingester.sock (mod_wsgi no longer sends to remote 'udp:' targets)",
    ],
    ['/tmp/x.sock', 'expected unix:/path/of/the/ingester.sock'],
    ['unix:/no/such/dir/x.sock', 'expected a socket in an existing directory (/no/such/dir does not exist)'],
  ])('--telemetry-service %s is refused', (value, message) => {
    expect(refusal({ 'telemetry-service': value }, { version: SIX })).toContain(message);
  });

  it.each([
    ['0.4', '--telemetry-interval: "0.4" is not valid; expected a number from 0.5 to 2147483647.'],
    ['-1', '--telemetry-interval: "-1" is not valid; expected a number from 0.5 to 2147483647.'],
  ])('--telemetry-interval %s is refused', (value, message) => {
    expect(
      refusal({ 'telemetry-service': `unix:${SOCKET}`, 'telemetry-interval': value }, { version: SIX }),
    ).toBe(message);
  });

  it('--slow-requests needs a target, and is never negative', () => {
    expect(refusal({ 'slow-requests': '2' }, { version: SIX })).toBe(
      '--slow-requests needs a telemetry target: give --telemetry-service or --enable-telemetry.',
    );
    expect(refusal({ 'slow-requests': '-1', 'telemetry-service': `unix:${SOCKET}` }, { version: SIX })).toBe(
      '--slow-requests: "-1" is not valid; expected a number from 0 to 2147483647.',
    );
  });

  it.each(['Bogus', '+None', '-All', '+CaptureUserAgent None', '+', 'Capture-User'])(
    '--telemetry-options %j is refused by the parser',
    (value) => {
      expect(refusal({ 'telemetry-options': value }, { version: SIX })).toMatch(
        /^--telemetry-options: ".*" is not valid; expected flags such as \+CaptureUserAgent/,
      );
    },
  );

  it.each(['+CaptureUserAgent -CaptureUserAgent', 'All', 'captureuseragent', 'None CaptureUserAgent'])(
    '--telemetry-options %j is accepted',
    (value) => {
      const config = run(
        { 'telemetry-service': `unix:${SOCKET}`, 'telemetry-options': value },
        { version: SIX },
      );
      expect(svc(config).telemetry?.options).toEqual([value.split(' ')]);
    },
  );

  it('options that need a target only warn without one', () => {
    const config = run({ 'telemetry-options': 'All', 'telemetry-ui-port': '9000' }, { version: SIX });
    expect(svc(config).telemetry).toBeUndefined();
    expect(config.warnings).toEqual([
      '--telemetry-options has no effect without --telemetry-service or --enable-telemetry.',
      '--telemetry-ui-port has no effect without --telemetry-service or --enable-telemetry.',
    ]);
  });

  it('--enable-telemetry runs the ingester as the service "telemetry" and reports to its socket', () => {
    const config = run({ 'enable-telemetry': true, 'telemetry-ui-port': '9123' }, { version: SIX });
    const target = `unix:${join(root(), 'telemetry', 'telemetry.sock')}`;
    expect(svc(config).telemetry?.target).toBe(target);
    // The ingester binds the socket as the service's account: a directory of its own, given to
    // that account when started as root (root's server root is not its to write in).
    expect(svc(config).directories).toContainEqual({
      path: join(root(), 'telemetry'),
      mode: 0o755,
      owned: true,
    });
    const [service] = svc(config).services;
    expect(service).toMatchObject({ name: 'telemetry', script: join(root(), 'telemetry-service.py') });
    const script = fileOf(config, join(root(), 'telemetry-service.py'));
    expect(script).toContain(
      `sys.argv = ["mod_wsgi-telemetry", "--listen", "${target}", "--http-host", "127.0.0.1", "--http-port", "9123"]`,
    );
    compilesAsPython(script);
    expect(httpdConf(config)).toMatch(/^WSGIDaemonProcess "service:telemetry"/m);
    expect(summary(config).get('Telemetry UI')).toBe('http://127.0.0.1:9123/');
  });

  it('--enable-telemetry is refused without the mod_wsgi-telemetry package, with --telemetry-service, or a clashing service', () => {
    expect(refusal({ 'enable-telemetry': true }, { version: SIX, python: importsNothing })).toBe(
      `--enable-telemetry needs the mod_wsgi-telemetry package, which ${importsNothing} (the application's Python) cannot import. ` +
        `Install it: ${importsNothing} -m pip install mod_wsgi-telemetry`,
    );
    expect(
      refusal({ 'enable-telemetry': true, 'telemetry-service': `unix:${SOCKET}` }, { version: SIX }),
    ).toBe(
      '--enable-telemetry and --telemetry-service both say where telemetry goes: --enable-telemetry runs its own ingester; give one of them.',
    );
    expect(
      refusal({ 'enable-telemetry': true, 'service-script': ['telemetry', 'service.py'] }, { version: SIX }),
    ).toBe(
      '--service-script: "telemetry" is not valid; expected a NAME other than telemetry: --enable-telemetry runs a service of that name.',
    );
  });

  it('--telemetry-ui-port with --telemetry-service warns that only the generated ingester uses it', () => {
    const config = run(
      { 'telemetry-service': `unix:${SOCKET}`, 'telemetry-ui-port': '9000' },
      { version: SIX },
    );
    expect(config.warnings).toContain(
      '--telemetry-ui-port only applies to the ingester --enable-telemetry runs.',
    );
  });
});
