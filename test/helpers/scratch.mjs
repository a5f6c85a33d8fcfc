// Scratch directories for the tests and the benchmarks, made by `tmp` (unique, created
// exclusively) and removed by the caller or, as a backstop, when the process exits.
import { chmodSync, realpathSync } from 'node:fs';

import tmp from 'tmp';

tmp.setGracefulCleanup();

/**
 * A fresh directory `$TMPDIR/PREFIX-PID-RANDOM`, by its real path, mode 0755 whatever the umask: when
 * the tests run as root, Apache's children run as www-data and must read what is in it. remove()
 * deletes it with everything in it (it is gone at exit anyway).
 */
export function scratchDir(prefix) {
  const dir = tmp.dirSync({ prefix, unsafeCleanup: true });
  chmodSync(dir.name, 0o755);
  return { path: realpathSync(dir.name), remove: () => dir.removeCallback() };
}
