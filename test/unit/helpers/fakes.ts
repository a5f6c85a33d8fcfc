/**
 * Stand-ins for what resolve() reads from the machine: a Discovery that names Debian's Apache
 * layout without looking at it, accounts read from a passwd/group pair written into a temp
 * directory, and a Context with a fixed uid, cwd and environment.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@jest/globals';

import type { Accounts, Host } from '../../../src/config.js';
import { accountsFromText } from '../../../src/discovery/accounts.js';
import { UsageError } from '../../../src/errors.js';
import type { Discovery, ModWsgi } from '../../../src/config.js';
import { parseOptions } from '../../../src/options/parse.js';
import type { Options } from '../../../src/options/schema.js';
import { fakeHost, isFake } from './fake-fs.js';
import { systemHost } from '../../../src/discovery/host.js';
import type { Context } from '../../../src/config.js';

export const MODULES_DIR = '/usr/lib/apache2/modules';

/** Every module file a full Debian Apache 2.4 ships that express-wsgi may load. */
export const ALL_MODULES = [
  'mod_mpm_event.so',
  'mod_mpm_worker.so',
  'mod_mpm_prefork.so',
  'mod_authz_core.so',
  'mod_authz_host.so',
  'mod_mime.so',
  'mod_dir.so',
  'mod_alias.so',
  'mod_rewrite.so',
  'mod_reqtimeout.so',
  'mod_autoindex.so',
  'mod_filter.so',
  'mod_deflate.so',
  'mod_env.so',
];

export function fakeDiscovery(
  changes: {
    modules?: readonly string[];
    directives?: readonly string[];
    pythonVersion?: string;
    /** Another module than Debian's: where it is and how discovery chose it. */
    modWsgi?: Pick<ModWsgi, 'path' | 'source'>;
  } = {},
): Discovery {
  return {
    httpd: '/usr/sbin/apache2',
    modulesDirectory: MODULES_DIR,
    modules: new Set(changes.modules ?? ALL_MODULES),
    modWsgi: {
      path: `${MODULES_DIR}/mod_wsgi.so`,
      version: [4, 9, 4],
      pythonVersion: changes.pythonVersion ?? '3.11',
      directives: new Set(
        changes.directives ?? [
          'WSGISocketRotation',
          'WSGIDaemonProcess',
          'WSGIScriptAlias',
          'WSGISocketPrefix',
        ],
      ),
      source: { kind: 'modules-directory' },
      ...changes.modWsgi,
    },
    python: '/usr/bin/python3.11',
  };
}

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'alice:x:1000:1001:Alice:/home/alice:/bin/bash',
  'bob:x:1002:1002::/home/bob:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
];
const GROUP = [
  'root:x:0:',
  'www-data:x:33:',
  'alice:x:1001:',
  'bob:x:1002:',
  'staff:x:50:alice',
  'nogroup:x:65534:',
];

/** A temp directory, resolved through symlinks so that paths compare equal to what resolve() builds. */
export function tempDir(prefix = 'ew-unit-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Real account parsing over a passwd and a group file of a few accounts, less those in `drop`.
 * (`_dir` is where they were once written; the text is parsed in memory now.)
 */
export function fakeAccounts(_dir: string, drop: readonly string[] = []): Accounts {
  const keep = (line: string) => !drop.includes(line.split(':')[0] as string);
  return accountsFromText(`${PASSWD.filter(keep).join('\n')}\n`, `${GROUP.filter(keep).join('\n')}\n`);
}

/** What a test changes in fakeContext: Context fields, the environment, or any Host answer. */
export type ContextChanges = Partial<Omit<Context, 'cwd' | 'host'>> & {
  readonly env?: NodeJS.ProcessEnv;
  readonly host?: Partial<Host>;
};

/**
 * A Context with a fixed environment, uid and accounts. Its Host is the fake one
 * (./fake-fs.ts) when `cwd` was made by fake-fs's tempDir, else this machine's (systemHost).
 */
export function fakeContext(accounts: Accounts, cwd: string, changes: ContextChanges = {}): Context {
  const { env = { TMPDIR: cwd, LANG: 'C' }, host, ...rest } = changes;
  return {
    cwd,
    uid: 1000,
    gid: 1001,
    cpus: 2,
    argv: ['express-wsgi', 'setup-server'],
    version: '0.0.0-test',
    ...rest,
    host: { ...(isFake(cwd) ? fakeHost(env, accounts) : systemHost({ env, accounts })), ...host },
  };
}

/** Options as the CLI would produce them from `--name value` pairs (values as text, like yargs gives). */
export function options(raw: Record<string, unknown> = {}): Options {
  return parseOptions(raw);
}

/** Replaces every occurrence of `dir` with a fixed marker, for snapshots free of random temp names. */
export function scrub(text: string, dir: string, marker = '<tmp>'): string {
  return text.split(dir).join(marker);
}

/**
 * The message of the error `fn` throws, which must be a `kind` (UsageError unless given); fails the
 * test when it throws another kind or nothing (`what` names the attempt in that failure).
 */
export function refusalOf(
  fn: () => unknown,
  what: string,
  kind: abstract new (...args: never[]) => Error = UsageError,
): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error(`not refused: ${what}`);
}
