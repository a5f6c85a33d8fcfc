/**
 * Apache removes its pid file on a clean stop, but not when it died or could no longer delete it
 * (debug mode as root runs as www-data by then); a stale one would only confuse the next start.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Removes `pidFile` if it still names the Apache that has just exited (`pid`). */
export function removeExitedPidFile(pidFile: string, pid: number | undefined): void {
  try {
    if (pid && Number(readFileSync(pidFile, 'utf8').trim()) === pid) {
      rmSync(pidFile, { force: true });
    }
  } catch {
    // no pid file: nothing to do
  }
}

/**
 * Writes `pid` into `pidFile` at once (a temp file renamed over it): the launcher keeps the pid file
 * apachectl and `httpd -k stop` read naming the generation that serves (src/launch/generations.ts),
 * while each generation's Apache writes and removes only its own.
 */
export function writePidFile(pidFile: string, pid: number): void {
  const temp = join(dirname(pidFile), `.${basename(pidFile)}.${process.pid}.tmp`);
  // Open failing leaves nothing of ours; after it, a failure (ENOSPC on the write, a directory
  // where the pid file goes) takes the temp file away again: a failed restart leaves no file.
  const fd = openSync(temp, 'w', 0o644);
  try {
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, pidFile);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
