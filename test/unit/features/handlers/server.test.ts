/** Rewrite rules, overrides, sendfile, HEAD, activity and the status page. */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { daemonLine } from '../../helpers/daemon-line.js';
import { dir, run, refusal, httpdConf, summary, moduleIds, docrootBlock } from './setup.js';

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
