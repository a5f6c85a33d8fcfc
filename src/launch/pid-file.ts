/**
 * Apache removes its pid file on a clean stop, but not when it died or could no longer delete it
 * (debug mode as root runs as www-data by then); a stale one would only confuse the next start.
 */
import { readFileSync, rmSync } from 'node:fs';

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
