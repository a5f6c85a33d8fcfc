/** What handles document-root files: handlers, CGI, error documents, MIME types. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { EnvironmentError } from '../../../../src/errors.js';
import { OPTIONS } from '../../../../src/features/handlers/options.js';
import type { Spec } from '../../../../src/options/define.js';
import { render } from '../../../../src/render/render.js';
import { dir, MODULES, run, refusal, fileOf, httpdConf, summary, moduleIds, docrootBlock } from './setup.js';

describe('the options', () => {
  const specs = OPTIONS as readonly Spec[];

  it('declares every option of the group with the reference shape and default', () => {
    const shape = Object.fromEntries(specs.map((s) => [s.name, [s.kind, s.default]]));
    expect(shape).toEqual({
      'add-handler': ['pairs', undefined],
      'with-cgi': ['flag', undefined],
      'error-document': ['pairs', undefined],
      'error-override': ['flag', undefined],
      'rewrite-rules': ['string', undefined],
      'allow-override': ['list', undefined],
      'mime-types': ['string', undefined],
      'enable-sendfile': ['flag', undefined],
      'map-head-to-get': ['string', 'Auto'],
      'ignore-activity': ['list', undefined],
      'server-status': ['flag', undefined],
      'server-metrics': ['flag', undefined],
    });
  });

  it('none needs a newer mod_wsgi than Debian 4.9.4, and none is refused', () => {
    expect(specs.filter((s) => s.minModWsgi || s.refused)).toEqual([]);
  });

  it('all of them together are accepted with mod_wsgi 4.9.4', () => {
    const config = run({
      'add-handler': ['.py', 'handler.py'],
      'with-cgi': true,
      'error-document': ['404', '/missing.html'],
      'error-override': true,
      'rewrite-rules': 'rules.conf',
      'allow-override': ['FileInfo'],
      'mime-types': 'my.types',
      'enable-sendfile': true,
      'map-head-to-get': 'Off',
      'ignore-activity': ['/health'],
      'server-status': true,
      'server-metrics': true,
    });
    expect(config.modWsgiVersion).toBe('4.9.4');
    expect(config.warnings).toEqual([]);
  });
});

describe('defaults', () => {
  it('print none of the feature directives and keep AllowOverride None and <root>/rewrite.conf', () => {
    const config = run();
    const conf = httpdConf(config);
    for (const absent of [
      'wsgi-resource',
      'cgi-script',
      'ErrorDocument',
      'WSGIErrorOverride',
      'EnableSendfile',
      'WSGIEnableSendfile',
      'WSGIMapHEADToGET',
      'WSGIIgnoreActivity',
      'server-status',
      'ExtendedStatus',
      'WSGIServerMetrics',
      'server-metrics',
      'ScriptSock',
      '^\\.ht',
    ]) {
      expect(conf).not.toContain(absent);
    }
    expect(docrootBlock(conf, config)).toContain('AllowOverride None');
    expect(conf).toContain(`Include "${config.paths.rewriteRules}"`);
    expect(config.features.handlers.rewriteRules).toBe(join(config.paths.serverRoot, 'rewrite.conf'));
    expect(moduleIds(config)).not.toContain('status_module');
    expect(moduleIds(config)).not.toContain('cgid_module');
    expect(config.appExclusions).toEqual([]);
    expect(render(config).map((f) => f.path)).not.toContain(join(config.paths.serverRoot, 'resource.wsgi'));
    expect(summary(config).map(([label]) => label)).not.toContain('Rewrite Rules');
  });
});

describe('--add-handler', () => {
  it('lists the scripts in resource.wsgi and sends files ending in the extension to it, in the daemon', () => {
    const config = run({ 'add-handler': ['.py', 'handler.py', 'TXT', 'other.py'] });
    expect(config.features.handlers.addHandlers).toEqual([
      ['.py', join(dir, 'handler.py')],
      ['.txt', join(dir, 'other.py')],
    ]);
    const conf = httpdConf(config);
    const resource = join(config.paths.serverRoot, 'resource.wsgi');
    expect(conf).toContain(
      `WSGIHandlerScript wsgi-resource "${resource}" process-group="${config.daemon?.name}" application-group="%{GLOBAL}"`,
    );
    // Only the last extension counts (name.py.bak is not run), in any letter case.
    expect(conf).toContain('<FilesMatch "(?i)\\\\.(py|txt)$">\n  SetHandler wsgi-resource\n</FilesMatch>');
    const script = fileOf(config, resource);
    expect(script).toContain(
      `HANDLERS = [[".py", "${join(dir, 'handler.py')}"], [".txt", "${join(dir, 'other.py')}"]]`,
    );
    expect(script).toContain('RELOADING = True');
    expect(render(config).find((f) => f.path === resource)?.mode).toBe(0o644);
  });

  it('runs in the Apache children in embedded mode, and does not reload with --disable-reloading', () => {
    const embedded = run({ 'add-handler': ['.py', 'handler.py'], 'embedded-mode': true });
    expect(httpdConf(embedded)).toMatch(
      /WSGIHandlerScript wsgi-resource "[^"]+" process-group="%\{GLOBAL\}"/,
    );
    const fixed = run({ 'add-handler': ['.py', 'handler.py'], 'disable-reloading': true });
    expect(fileOf(fixed, join(fixed.paths.serverRoot, 'resource.wsgi'))).toContain('RELOADING = False');
  });

  it('works without an application (static files)', () => {
    const config = run(
      { 'add-handler': ['.py', 'handler.py'], 'application-type': 'static', 'entry-point': 'static' },
      { noApp: true },
    );
    expect(config.app).toBeUndefined();
    expect(httpdConf(config)).toMatch(/WSGIHandlerScript wsgi-resource "[^"]+" process-group="%\{GLOBAL\}"/);
  });

  it.each([
    [['py/x', 'handler.py'], '"py/x" is not valid; expected a file extension such as .py'],
    [['.tar.gz', 'handler.py'], '".tar.gz" is not valid; expected a file extension'],
    [
      ['.py', 'missing.py'],
      '--add-handler: "missing.py" is not valid; expected an existing file (no such file)',
    ],
    [['.py', 'static'], '"static" is not valid; expected a file (it is a directory)'],
    [
      ['.py', 'handler.py', '.PY', 'other.py'],
      '".PY" is not valid; expected an extension given once (.py is already handled)',
    ],
    [['.py'], '--add-handler: ".py" is not valid; expected two values'],
  ])('refuses %j', (values, message) => {
    expect(refusal({ 'add-handler': values })).toContain(message);
  });

  it('refuses .cgi together with --with-cgi', () => {
    expect(refusal({ 'add-handler': ['cgi', 'handler.py'], 'with-cgi': true })).toContain(
      'expected an extension other than .cgi, which --with-cgi runs as CGI',
    );
  });
});

describe('--with-cgi', () => {
  it('loads mod_cgid, allows ExecCGI in the document root and hands .cgi files to it', () => {
    const config = run({ 'with-cgi': true });
    expect(moduleIds(config)).toContain('cgid_module');
    expect(moduleIds(config)).not.toContain('cgi_module');
    const conf = httpdConf(config);
    const block = docrootBlock(conf, config);
    expect(block).toContain('Options +ExecCGI');
    expect(block).toContain('<FilesMatch "(?i)\\.cgi$">\n    SetHandler cgi-script\n  </FilesMatch>');
    // mod_cgid's socket sits beside the daemon sockets, whose length is checked.
    expect(conf).toContain(`ScriptSock "${config.paths.socketPrefix}.cgisock"`);
  });

  it('counts the CGI socket path in bytes, as sun_path does', () => {
    // 60 x "ü" is 60 UTF-16 units but 120 bytes: the socket path fits the first count, not the second.
    const prefix = `/tmp/${'ü'.repeat(60)}`;
    const raw = { app: 'static', 'with-cgi': true, 'application-type': 'static', 'socket-prefix': prefix };
    expect(refusal(raw, { noApp: true })).toContain(
      "expected a shorter path: the CGI daemon's socket path would exceed the 108-byte UNIX socket limit",
    );
    // An ASCII prefix of the same length fits.
    const ascii = run({ ...raw, 'socket-prefix': `/tmp/${'u'.repeat(60)}` }, { noApp: true });
    expect(httpdConf(ascii)).toContain('ScriptSock');
  });

  it('falls back to mod_cgi when mod_cgid is not installed', () => {
    const config = run({ 'with-cgi': true }, { modules: MODULES.filter((m) => m !== 'mod_cgid.so') });
    expect(moduleIds(config)).toContain('cgi_module');
    expect(moduleIds(config)).not.toContain('cgid_module');
    expect(httpdConf(config)).not.toContain('ScriptSock');
  });

  it('reports a missing mod_cgi as a broken Apache install', () => {
    const modules = MODULES.filter((m) => !m.startsWith('mod_cgi'));
    expect(refusal({ 'with-cgi': true }, { modules }, EnvironmentError)).toContain(
      'Apache module mod_cgi is missing',
    );
  });

  it('refuses a server root too long for the CGI socket, even for static files', () => {
    const long = join(dir, 'r'.repeat(100));
    expect(
      refusal(
        { 'with-cgi': true, 'application-type': 'static', 'entry-point': 'static', 'server-root': long },
        { noApp: true },
      ),
    ).toContain(`--server-root: "${long}" is not valid; expected a shorter path`);
  });
});

describe('--error-document and --error-override', () => {
  it('prints an ErrorDocument per pair, whatever the target kind', () => {
    const conf = httpdConf(
      run({
        'error-document': [
          '404',
          '/errors/404.html',
          '500',
          'https://status.example.com/down?x=1',
          '503',
          'Back soon, "really"',
        ],
      }),
    );
    expect(conf).toContain('ErrorDocument 404 "/errors/404.html"\n');
    expect(conf).toContain('ErrorDocument 500 "https://status.example.com/down?x=1"\n');
    expect(conf).toContain('ErrorDocument 503 "Back soon, \\"really\\""\n');
  });

  it.each([
    [['200', '/x.html'], '"200" is not valid; expected an HTTP error status Apache knows'],
    [['499', '/x.html'], '"499" is not valid'],
    [['4O4', '/x.html'], '"4O4" is not valid'],
    [['404', '/a b.html'], '"/a b.html" is not valid; expected a local URL path such as /404.html'],
    [['404', 'http://x y'], '"http://x y" is not valid'],
    [['404', ' '], '" " is not valid'],
  ])('refuses %j', (values, message) => {
    expect(refusal({ 'error-document': values })).toContain(`--error-document: ${message}`);
  });

  it('--error-override turns on WSGIErrorOverride; outside daemon mode it warns that it does nothing', () => {
    const config = run({ 'error-override': true });
    expect(httpdConf(config)).toContain('\nWSGIErrorOverride On\n');
    expect(config.warnings).toEqual([]);
    const embedded = run({ 'error-override': true, 'embedded-mode': true });
    expect(embedded.warnings).toEqual([
      '--error-override only applies to an application in daemon mode; it has no effect here.',
    ]);
  });
});

describe('--mime-types', () => {
  it('becomes the TypesConfig file', () => {
    const config = run({ 'mime-types': 'my.types' });
    expect(config.mimeTypes).toBe(join(dir, 'my.types'));
    expect(httpdConf(config)).toContain(`TypesConfig "${join(dir, 'my.types')}"`);
  });

  it.each([
    ['none.types', 'expected an existing file (no such file)'],
    ['static', 'expected a file (it is a directory)'],
  ])('refuses %s', (value, message) => {
    expect(refusal({ 'mime-types': value })).toContain(`--mime-types: "${value}" is not valid; ${message}`);
  });
});
