/**
 * The handlers feature: --add-handler, --with-cgi, --error-document, --error-override,
 * --rewrite-rules, --allow-override, --mime-types, --enable-sendfile, --map-head-to-get,
 * --ignore-activity, --server-status and --server-metrics. Each option goes through parse →
 * resolve → render, and the generated httpd.conf (and resource.wsgi) is checked for its effect.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../../src/config.js';
import { EnvironmentError, UsageError } from '../../../src/errors.js';
import { OPTIONS } from '../../../src/features/handlers/options.js';
import type { Spec } from '../../../src/options/define.js';
import { render } from '../../../src/render.js';
import type { ServerConfig } from '../../../src/config.js';
import { resolve } from '../../../src/resolve/index.js';
import { summaryLines } from '../../../src/summary.js';
import { mkdirSync, writeFileSync, removeDir, tempDir } from '../helpers/fake-fs.js';
import { daemonLine } from '../helpers/daemon-line.js';
import { ALL_MODULES, fakeAccounts, fakeContext, fakeDiscovery, options } from '../helpers/fakes.js';

type Raw = Record<string, unknown>;

let dir: string;
let accounts: Accounts;

const MODULES = [...ALL_MODULES, 'mod_status.so', 'mod_cgid.so', 'mod_cgi.so'];

beforeAll(() => {
  dir = tempDir('ew-handlers-');
  accounts = fakeAccounts(dir);
  for (const d of ['static', 'docs', 'a-directory']) {
    mkdirSync(join(dir, d));
  }
  writeFileSync(join(dir, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'handler.py'), 'def handle_request(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'other.py'), 'def application(environ, start_response):\n    pass\n');
  writeFileSync(join(dir, 'rules.conf'), 'RewriteRule ^old$ /new [R=301,L]\n');
  writeFileSync(join(dir, 'my.types'), 'text/x-test ewx\n');
});

afterAll(() => removeDir(dir));

interface RunOptions {
  readonly modules?: readonly string[];
  readonly cwd?: string;
  readonly noApp?: boolean;
}

function run(raw: Raw = {}, how: RunOptions = {}): ServerConfig {
  return resolve(
    options({ ...(how.noApp ? {} : { app: 'app.wsgi' }), ...raw }),
    fakeDiscovery({ modules: how.modules ?? MODULES }),
    fakeContext(accounts, how.cwd ?? dir),
  );
}

/** The message of the error that parsing or resolving `raw` throws (a UsageError unless told). */
function refusal(
  raw: Raw,
  how: RunOptions = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  try {
    run(raw, how);
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${JSON.stringify(raw)}`);
}

const fileOf = (config: ServerConfig, path: string) => render(config).find((f) => f.path === path)?.content;
const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf) ?? '';
const summary = (config: ServerConfig, setupOnly = false) => summaryLines(config, setupOnly);
const moduleIds = (config: ServerConfig) => config.modules.map((m) => m.id);

/** The <Directory> block of the document root, as printed. */
function docrootBlock(conf: string, config: ServerConfig): string {
  const start = conf.indexOf(`<Directory "${config.paths.documentRoot}">`);
  return conf.slice(start, conf.indexOf('</Directory>', start));
}

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

describe('--rewrite-rules', () => {
  it('replaces <root>/rewrite.conf as the file the document root includes, and is in the summary', () => {
    const config = run({ 'rewrite-rules': 'rules.conf' });
    const block = docrootBlock(httpdConf(config), config);
    expect(block).toContain(`Include "${join(dir, 'rules.conf')}"`);
    expect(block).not.toContain(config.paths.rewriteRules);
    expect(summary(config)).toContainEqual(['Rewrite Rules', join(dir, 'rules.conf')]);
    const setup = summary(config, true).filter(([label]) => label === 'Rewrite Rules');
    expect(setup).toEqual([['Rewrite Rules', join(dir, 'rules.conf')]]);
  });

  it('without an application, still turns the rewrite engine on for the rules', () => {
    const config = run(
      { 'rewrite-rules': 'rules.conf', 'application-type': 'static', 'entry-point': 'static' },
      { noApp: true },
    );
    expect(docrootBlock(httpdConf(config), config)).toContain(
      `  RewriteEngine On\n  Include "${join(dir, 'rules.conf')}"\n`,
    );
  });

  it.each([
    ['missing.conf', 'expected an existing file (no such file)'],
    ['static', 'expected a file (it is a directory)'],
  ])('refuses %s', (value, message) => {
    expect(refusal({ 'rewrite-rules': value })).toContain(
      `--rewrite-rules: "${value}" is not valid; ${message}`,
    );
  });
});

describe('--allow-override', () => {
  it('sets AllowOverride on the document root and directory aliases, and hides .ht files', () => {
    const config = run({
      'allow-override': ['fileinfo', 'AuthConfig', 'options=indexes,execcgi', 'Nonfatal=unknown', 'FileInfo'],
      'url-alias': ['/docs', 'docs'],
    });
    const value = 'FileInfo AuthConfig Options=Indexes,ExecCGI Nonfatal=Unknown';
    expect(config.features.handlers.allowOverride).toBe(value);
    const conf = httpdConf(config);
    expect(docrootBlock(conf, config)).toContain(`AllowOverride ${value}\n`);
    expect(conf).toContain(`<Directory "${join(dir, 'docs')}">\n  AllowOverride ${value}\n`);
    // The root of the file system stays closed.
    expect(conf).toContain('<Directory />\n  AllowOverride None\n');
    expect(conf).toContain('<FilesMatch "^\\.ht">\n  Require all denied\n</FilesMatch>');
  });

  it.each([['All'], ['None'], ['Options'], ['Limit', 'Indexes']])('accepts %j', (...values) => {
    expect(run({ 'allow-override': values }).features.handlers.allowOverride).toBe(values.join(' '));
  });

  it('None alone prints no .ht protection (nothing reads them)', () => {
    expect(httpdConf(run({ 'allow-override': ['None'] }))).not.toContain('^\\.ht');
  });

  it.each([
    [['Bogus'], '"Bogus" is not valid; expected All, None, AuthConfig'],
    [['Options=Bogus'], '"Options=Bogus" is not valid'],
    [['Options='], '"Options=" is not valid'],
    [['Nonfatal=Maybe'], '"Nonfatal=Maybe" is not valid'],
    [['None', 'FileInfo'], '"None" is not valid; expected None on its own, not combined with FileInfo'],
    [['FileInfo', 'all'], '"All" is not valid; expected All on its own'],
  ])('refuses %j', (values, message) => {
    expect(refusal({ 'allow-override': values })).toContain(`--allow-override: ${message}`);
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

describe('--enable-sendfile, --map-head-to-get, --ignore-activity', () => {
  it('--enable-sendfile turns on both Apache and mod_wsgi sendfile', () => {
    const conf = httpdConf(run({ 'enable-sendfile': true }));
    expect(conf).toContain('\nEnableSendfile On\n');
    expect(conf).toContain('\nWSGIEnableSendfile On\n');
  });

  it.each([
    ['Off', 'Off'],
    ['on', 'On'],
    ['OFF', 'Off'],
  ])('--map-head-to-get %s prints WSGIMapHEADToGET %s', (value, printed) => {
    expect(httpdConf(run({ 'map-head-to-get': value }))).toContain(`\nWSGIMapHEADToGET ${printed}\n`);
  });

  it('--map-head-to-get Auto (the default) prints nothing', () => {
    expect(httpdConf(run({ 'map-head-to-get': 'auto' }))).not.toContain('WSGIMapHEADToGET');
  });

  it('--map-head-to-get refuses other values', () => {
    expect(refusal({ 'map-head-to-get': 'sometimes' })).toBe(
      '--map-head-to-get: "sometimes" is not valid; expected Off, On or Auto.',
    );
  });

  it('--ignore-activity gives each URL path (once) a Location with WSGIIgnoreActivity On', () => {
    const config = run({ 'ignore-activity': ['/health', '/ready', '/health'] });
    const conf = httpdConf(config);
    expect(conf).toContain('<Location "/health">\n  WSGIIgnoreActivity On\n</Location>\n<Location "/ready">');
    expect(conf.match(/WSGIIgnoreActivity/g)).toHaveLength(2);
    expect(config.warnings).toEqual([]);
    expect(run({ 'ignore-activity': ['/health'], 'embedded-mode': true }).warnings).toEqual([
      '--ignore-activity only applies to daemon processes; it has no effect here.',
    ]);
  });

  it('--ignore-activity refuses what is not a URL path', () => {
    expect(refusal({ 'ignore-activity': ['health'] })).toBe(
      '--ignore-activity: "health" is not valid; expected a URL path such as /health.',
    );
  });
});

describe('--server-status and --server-metrics', () => {
  it('--server-status serves mod_status to loopback clients and keeps the path from the app', () => {
    const config = run({ 'server-status': true, port: '8123' });
    expect(moduleIds(config)).toContain('status_module');
    expect(config.appExclusions).toEqual(['/server-status']);
    expect(summary(config)).toContainEqual(['Server Status', 'http://localhost:8123/server-status']);
    const conf = httpdConf(config);
    expect(conf).toContain('\nExtendedStatus On\n');
    expect(conf).toMatch(
      /<Location "\/server-status">\n {2}SetHandler server-status\n(.*\n)* {2}Require ip 127\.0\.0\.1 ::1\n {2}Require host localhost\n<\/Location>/,
    );
    // mod_rewrite reads its own quoting: the "!" goes inside the quotes.
    expect(conf).toContain('RewriteCond %{REQUEST_URI} "!^/server-status(/|$)"');
  });

  it('--server-metrics turns metrics on for Apache and the daemon processes', () => {
    const config = run({ 'server-metrics': true });
    expect(moduleIds(config)).toContain('status_module');
    expect([...daemonLine(config)]).toContainEqual(['server-metrics', 'On']);
    const conf = httpdConf(config);
    expect(conf).toContain('\nWSGIServerMetrics On\n');
    expect(conf).toContain('\nExtendedStatus On\n');
    expect(conf).toContain('server-metrics="On"');
    expect(conf).not.toContain('SetHandler server-status');
  });

  it('--server-metrics in embedded mode has no daemon line to add to', () => {
    const config = run({ 'server-metrics': true, 'embedded-mode': true });
    expect(config.daemon).toBeUndefined();
    expect(httpdConf(config)).toContain('\nWSGIServerMetrics On\n');
  });
});
