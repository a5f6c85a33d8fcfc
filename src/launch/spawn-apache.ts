/**
 * Starting Apache: `apachectl start -DFOREGROUND` as the launcher's child, in a group of its own.
 * Synchronous on purpose: the child is a promise of its end, which an async function would await.
 */
import { existsSync } from 'node:fs';

import type { Options } from 'execa';

/** What the launcher uses of the child: its pid, and how it ended. */
export interface ApacheChild extends PromiseLike<{ exitCode?: number; signal?: string }> {
  readonly pid?: number;
}

export type Spawn = (file: string, args: string[], options: Options) => ApacheChild;

/** execa, loaded when first needed: setup-server and --help never pay for it. */
export const loadExeca = async (): Promise<Spawn> => (await import('execa')).execa;

/**
 * util-linux setpriv sets a parent-death signal that survives the exec of apachectl and httpd:
 * if the launcher is killed outright (SIGKILL, OOM), Apache gets SIGTERM instead of running on.
 */
export function withParentDeathSignal(
  command: string,
  args: string[],
  exists: (path: string) => boolean = existsSync,
): [string, string[]] {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => exists(p));
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', command, ...args]] : [command, args];
}

/**
 * `lockFd`: the server root's lock (src/server-root/server-lock.ts), handed to apachectl and httpd as fd 9 so
 * that apachectl's own lock check passes and Apache holds the lock as long as it runs. `httpdArgs`
 * go on httpd's command line (src/launch/generations.ts).
 */
export function spawnApache(
  spawn: Spawn,
  apachectl: string,
  lockFd: number | undefined,
  exists: (path: string) => boolean = existsSync,
  httpdArgs: readonly string[] = [],
): ApacheChild {
  const [file, args] = withParentDeathSignal(apachectl, ['start', '-DFOREGROUND', ...httpdArgs], exists);
  return spawn(file, args, {
    // Its own session and process group: a terminal's Ctrl-C and resize reach only the launcher,
    // and the group holds every process of the server, to be taken down with it (leftovers.ts).
    detached: true,
    // The lock goes in as fd 9. execa's types name only our fds 3 to 9, but any open fd is passed
    // to child_process.spawn as it is.
    stdio:
      lockFd === undefined
        ? 'inherit'
        : ['inherit', 'inherit', 'inherit', ...Array<'ignore'>(6).fill('ignore'), lockFd as 9],
    reject: false,
    // We forward signals ourselves; execa's SIGKILL escalation would cut a graceful stop short.
    forceKillAfterDelay: false,
    cleanup: false,
  });
}
