/**
 * The logs feature: log file names and rotation, the pid file, the Apache process name and the
 * daemon process group, the application group, the Python interpreter settings (warnings, egg
 * cache, switch interval, free threading, orphaned interpreters, verbose debugging), the apachectl
 * shell and --lang. Every option goes through parse → resolve, and render where it is printed.
 *
 * This file is their shared set-up: fixtures (on the fake Host) and helpers.
 */
import { dirname, join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';

import type { Accounts } from '../../../../src/config.js';
import type { Discovery } from '../../../../src/discovery/discovery.js';
import { EnvironmentError, UsageError } from '../../../../src/errors.js';
import { render } from '../../../../src/render/render.js';
import type { ServerConfig } from '../../../../src/config.js';
import { resolve } from '../../../../src/resolve/index.js';
import { summaryLines } from '../../../../src/render/summary.js';
import { daemonLine } from '../../helpers/daemon-line.js';
import { mkdirSync, removeDir, symlinkSync, tempDir, writeFileSync } from '../../helpers/fake-fs.js';
import {
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  type ContextChanges,
  refusalOf,
} from '../../helpers/fakes.js';

export type Raw = Record<string, unknown>;
export type Version = readonly [number, number, number];

export let dir: string;
export let accounts: Accounts;
export let fakeRotatelogs: string;

export const DIRECTIVES = ['WSGISocketRotation', 'WSGIDaemonProcess', 'WSGIScriptAlias', 'WSGISocketPrefix'];
export const WITH_4_9_DIRECTIVES = [...DIRECTIVES, 'WSGIDestroyInterpreter', 'WSGIVerboseDebugging'];

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

export function discoveryOf(
  changes: { version?: Version; directives?: readonly string[]; httpd?: string } = {},
): Discovery {
  const d = fakeDiscovery({ directives: changes.directives ?? WITH_4_9_DIRECTIVES });
  return {
    ...d,
    httpd: changes.httpd ?? d.httpd,
    modWsgi: { ...d.modWsgi, version: changes.version ?? d.modWsgi.version },
  };
}

export interface RunOptions {
  readonly version?: Version;
  readonly directives?: readonly string[];
  readonly httpd?: string;
  readonly ctx?: ContextChanges;
}

export function run(raw: Raw = {}, o: RunOptions = {}): ServerConfig {
  return resolve(
    options({ app: 'app.wsgi', 'server-root': join(dir, 'root'), ...raw }),
    discoveryOf(o),
    fakeContext(accounts, dir, o.ctx),
  );
}

/** The message of the UsageError (or EnvironmentError) that resolving `raw` throws. */
export function refusal(
  raw: Raw,
  o: RunOptions = {},
  kind: typeof UsageError | typeof EnvironmentError = UsageError,
): string {
  return refusalOf(() => run(raw, o), JSON.stringify(raw), kind);
}

export const fileOf = (config: ServerConfig, path: string) =>
  render(config).find((f) => f.path === path)?.content ?? '';
export const httpdConf = (config: ServerConfig) => fileOf(config, config.paths.httpdConf);
export const apachectl = (config: ServerConfig) => fileOf(config, config.paths.apachectl);
export const daemonOptions = daemonLine;
export const summary = (config: ServerConfig) => new Map(summaryLines(config, false));
export const root = () => join(dir, 'root');
