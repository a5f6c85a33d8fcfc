/**
 * One writer or runner per server root (issue 11 item 7): an exclusive flock(2) on <root>/.lock,
 * taken before anything is written into the root and held by start-server for its whole life.
 * Two start-servers started together would otherwise both rewrite the root (removing each other's
 * temp files) and both start, one Apache running the other's configuration.
 *
 * Node has no flock API, so util-linux flock(1) takes the lock on an fd we opened and lend it
 * (`flock -n 3`): a flock belongs to the open file description, not the process, so it stays held
 * through our fd after flock(1) exits. The launcher hands that fd on to apachectl and httpd as fd 9
 * (src/launch/spawn-apache.ts), where apachectl's own `flock -n 9` succeeds on the same description, and Apache
 * keeps holding it if the launcher is killed, until the last Apache process is gone.
 *
 * The file records which start-server or setup-server holds it ("start-server PID"), for the
 * message the loser gets and so that setup-server may still rewrite the root of an Apache started
 * with apachectl (the documented "rerun setup-server, then apachectl graceful"), which holds the
 * lock without a record of its own.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

import { EnvironmentError, UsageError } from '../errors.js';
import type { ServerConfig } from '../config.js';
import { checkEnvvarsScript } from './ancestors.js';
import { checkNoForeignFiles, checkServerRoot } from './write.js';

export interface ServerLock {
  /** The locked file's descriptor, to hand on to Apache. */
  readonly fd: number;
  release(): void;
  /**
   * After a failed first write: removes the lock file and the root this lock created, so that a new
   * server root is written completely or not at all (issue 11, item 14). A root that existed stays.
   */
  abandon(): void;
}

export type Holder = 'start-server' | 'setup-server';

const FLOCK = ['/usr/bin/flock', '/bin/flock'];

/** The root must exist to hold its lock: created here as src/server-root/write.ts would, with the same checks. */
function makeRoot(root: string, uid: number): boolean {
  checkServerRoot(root, uid);
  let created = true;
  try {
    mkdirSync(root, { mode: 0o755 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') {
      throw error; // a file-system error: src/cli.ts says it in one sentence naming the path
    }
    created = false;
  }
  // Checked again after creating: someone could have put a directory of theirs there meanwhile.
  checkServerRoot(root, uid);
  return created;
}

/** Opens <root>/.lock without following a link, refusing a file someone else prepared. */
function openLockFile(path: string, uid: number): number {
  let fd: number;
  try {
    // Read-only: Apache and the application inherit it, and must not be able to change it.
    // Non-blocking: opening a FIFO put there would otherwise wait for a writer forever.
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      0o600,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new UsageError(
        `--server-root: ${JSON.stringify(path)} is a symbolic link; refusing to use it. Remove it.`,
      );
    }
    throw error;
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.uid !== uid) {
    closeSync(fd);
    const why = st.isFile() ? `belongs to uid ${st.uid}, not to you (uid ${uid})` : 'is not a regular file';
    throw new UsageError(`--server-root: ${JSON.stringify(path)} ${why}; refusing to use it. Remove it.`);
  }
  fchmodSync(fd, 0o600);
  return fd;
}

/**
 * The express-wsgi process the lock file names, while it runs: "start-server 1234" (from the
 * file, whose pid must still be that command). Otherwise the lock is held by an Apache started with
 * apachectl (it inherits the lock and writes no record, so that `apachectl start -t` changes
 * nothing) or by what is left of one.
 */
function liveHolder(path: string): { command: Holder; pid: number } | undefined {
  let record: RegExpExecArray | null;
  try {
    record = /^(start-server|setup-server) (\d+)\n/.exec(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!record) {
    return undefined;
  }
  const [, command, pid] = record as unknown as [string, Holder, string];
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(command)
      ? { command, pid: Number(pid) }
      : undefined;
  } catch {
    return undefined; // gone: a stale record
  }
}

/** How long a loser waits for the winner's record: it is written just after the winner locks. */
const RECORD_WAIT_MS = 300;

function liveHolderWithin(path: string, ms: number): ReturnType<typeof liveHolder> {
  const deadline = Date.now() + ms;
  for (;;) {
    const by = liveHolder(path);
    if (by || Date.now() >= deadline) {
      return by;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a synchronous 10 ms pause
  }
}

/** flock(1) on our fd: true when we got the lock, false when someone else holds it. */
function tryLock(fd: number, path: string): boolean {
  const flock = FLOCK.find((p) => existsSync(p));
  if (!flock) {
    throw new EnvironmentError('util-linux flock is needed to lock the server root; install util-linux.');
  }
  const result = spawnSync(flock, ['-n', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (result.status === 0) {
    return true;
  }
  if (result.status === 1) {
    return false;
  }
  throw new EnvironmentError(`cannot lock ${path}: ${result.stderr?.toString().trim() || 'flock failed'}.`);
}

/**
 * Only for a root this very call created: it is ours (0755, checked after mkdir) and locked, so no
 * one else can have put anything in it, and rmSync does not follow links.
 */
function removeNewRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Takes the server root's lock for `holder`, or throws the one message the loser prints. For
 * setup-server, returns undefined (nothing to hold) when an Apache started with apachectl holds it,
 * or a start-server whose Apache serves (`serving`: the pid file names a running Apache of this
 * root, which start-server writes only once it has written the root and Apache is up): its next
 * SIGHUP or SIGUSR1 starts a new Apache from what setup-server wrote (issue 17). While a
 * start-server still writes the root, setup-server is refused.
 */
export function lockServerRoot(
  config: ServerConfig,
  uid: number,
  holder: Holder,
  serving: () => boolean = () => false,
): ServerLock | undefined {
  const root = config.paths.serverRoot;
  // Before makeRoot creates anything: a script apachectl would refuse fails setup here.
  checkEnvvarsScript(config.envvarsScript, uid);
  const created = makeRoot(root, uid);
  const path = join(root, '.lock');
  const lockExisted = existsSync(path);
  const fd = openLockFile(path, uid);
  // A holder with no live record may just have finished (a quick setup-server): the lock is then
  // free again, and ours to take, rather than a sign of an Apache holding it.
  if (!tryLock(fd, path) && (liveHolderWithin(path, RECORD_WAIT_MS) || !tryLock(fd, path))) {
    closeSync(fd);
    const by = liveHolder(path);
    if (holder === 'setup-server' && (!by || (by.command === 'start-server' && serving()))) {
      return undefined;
    }
    const name = by ? `express-wsgi ${by.command} (pid ${by.pid})` : 'a running Apache of this server root';
    const advice =
      holder === 'setup-server'
        ? 'stop it before writing its server root, or give another --server-root.'
        : 'stop it first, or give another --server-root.';
    throw new UsageError(`--server-root: ${JSON.stringify(root)} is in use by ${name}; ${advice}`);
  }
  // Only with the lock held: a rival's half-written files are not someone else's files then.
  try {
    checkNoForeignFiles(root);
  } catch (error) {
    closeSync(fd);
    if (created) {
      removeNewRoot(root);
    } else if (!lockExisted) {
      rmSync(path, { force: true }); // leave the directory (say, /etc) as it was
    }
    throw error;
  }
  // Ours now: record who we are (the file is 0600 and ours, so only we and root read it).
  try {
    const record = openSync(path, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
    try {
      writeSync(record, `${holder} ${process.pid}\n`);
    } finally {
      closeSync(record);
    }
  } catch (error) {
    // A full disk, say: leave no root behind that this call created, and name the file (a write
    // to a descriptor reports none).
    (error as NodeJS.ErrnoException).path ??= path;
    closeSync(fd);
    if (created) {
      removeNewRoot(root);
    }
    throw error;
  }
  let held = true;
  return {
    fd,
    release() {
      if (held) {
        held = false;
        closeSync(fd);
      }
    },
    abandon() {
      if (created) {
        removeNewRoot(root);
      }
    },
  };
}
