/**
 * Options in random combinations (seeded, so a failure can be replayed): for each, setup-server
 * either refuses cleanly (exit 2, one error line, nothing written) or writes a configuration that
 * Apache's own configtest accepts. Never a configuration Apache rejects.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, expect, it } from '@jest/globals';

import { CLI, makeWorkdir, run } from '../helpers/server.js';

let cwd: string;
/** How each seed ended, so the run can prove it exercised Apache and not only refusals. */
const outcomes: ('refused' | 'configtest')[] = [];

beforeAll(() => {
  cwd = makeWorkdir();
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
      '-keyout',
      join(cwd, 'site.key'),
      '-out',
      join(cwd, 'site.crt'),
    ]),
    { stdio: 'ignore' },
  );
  writeFileSync(join(cwd, 'service.py'), 'import time\nwhile True:\n    time.sleep(60)\n');
  writeFileSync(join(cwd, 'extra.conf'), '# nothing\n');
  mkdirSync(join(cwd, 'logs'));
});

// Each fragment is valid on its own; together they may conflict, which must then be refused cleanly.
const FRAGMENTS: readonly (readonly string[])[] = [
  ['--processes', '3'],
  ['--threads', '2'],
  ['--embedded-mode'],
  ['--server-mpm', 'prefork'],
  ['--server-mpm', 'worker'],
  ['--max-clients', '50'],
  ['--maximum-requests', '100'],
  ['--mount-point', '/app'],
  ['--compress-responses'],
  ['--access-log', '--access-log-format', 'combined'],
  ['--log-level', 'info'],
  ['--log-to-terminal'],
  ['--log-directory', 'logs'],
  ['--directory-listing'],
  ['--directory-index', 'index.html'],
  ['--keep-alive-timeout', '0'],
  ['--chunked-request'],
  ['--setenv', 'EW_A', 'b c'],
  ['--passenv', 'HOME'],
  ['--url-alias', '/s', 'static'],
  ['--reload-on-changes'],
  ['--disable-reloading'],
  ['--graceful-stop'],
  ['--server-status'],
  ['--server-metrics'],
  ['--enable-sendfile'],
  ['--map-head-to-get', 'Off'],
  ['--error-override'],
  ['--error-document', '404', '/missing.html'],
  ['--allow-override', 'All'],
  ['--with-cgi'],
  ['--ignore-activity', '/health'],
  ['--inactivity-timeout', '30'],
  ['--restart-interval', '600'],
  ['--header-buffer-size', '65536'],
  ['--server-backlog', '200'],
  ['--daemon-backlog', '50'],
  ['--initial-workers', '0.5'],
  ['--rotate-logs'],
  ['--error-log-name', 'errors.log'],
  ['--process-group', 'grp'],
  ['--application-group', 'appgrp'],
  ['--python-warnings', 'ignore'],
  ['--https-port', '8443', '--ssl-certificate', 'site'],
  ['--https-port', '8443', '--ssl-certificate', 'site', '--https-only', '--hsts-policy', 'max-age=60'],
  ['--server-name', 'example.test', '--server-alias', 'www2.example.test'],
  ['--http2'],
  ['--proxy-mount-point', '/up', 'http://127.0.0.1:9'],
  ['--trust-proxy', '127.0.0.1', '--trust-proxy-header', 'X-Forwarded-For'],
  ['--service-script', 'tick', 'service.py'],
  ['--debug-mode'],
  ['--enable-recorder'],
  ['--include-file', 'extra.conf'],
  ['--socket-prefix', '/tmp/ewrc'],
];

/** mulberry32: a small seeded generator, so every combination can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function combination(seed: number): string[] {
  const next = random(seed);
  const count = 3 + Math.floor(next() * 6);
  const picked = new Set<number>();
  while (picked.size < count) {
    picked.add(Math.floor(next() * FRAGMENTS.length));
  }
  return [...picked].flatMap((i) => FRAGMENTS[i] as string[]);
}

const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);

it.each(SEEDS)('combination with seed %i is refused cleanly or passes configtest', async (seed) => {
  const args = combination(seed);
  const root = join(cwd, `root-${seed}`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/.test(k)));
  const setup = await run(
    process.execPath,
    [CLI, 'setup-server', 'hello.wsgi', ...args, '--server-root', root],
    {
      cwd,
      env,
    },
  );
  const context = `seed ${seed}: setup-server hello.wsgi ${args.join(' ')}\n${setup.stderr}`;
  if (setup.code === 2) {
    expect([
      context,
      setup.stderr.split('\n').filter((l) => l.startsWith('express-wsgi: error:')).length,
    ]).toEqual([context, 1]);
    expect([context, existsSync(join(root, 'httpd.conf'))]).toEqual([context, false]);
    outcomes.push('refused');
    return;
  }
  expect([context, setup.code]).toEqual([context, 0]);
  const test = await run(join(root, 'apachectl'), ['configtest'], { cwd, env });
  expect([context, test.code, test.stderr.trim()]).toEqual([context, 0, 'Syntax OK']);
  outcomes.push('configtest');
});

it('most combinations reached configtest rather than a refusal', () => {
  const passed = outcomes.filter((o) => o === 'configtest').length;
  expect(passed).toBeGreaterThanOrEqual(SEEDS.length / 2);
});
