/**
 * Issue 11, item 10: the disk fills up, then SIGHUP. The restart fails (the new Apache cannot
 * write its pid file) and it exits 1: the launcher must say that the disk is full, naming the
 * file, and leave nothing of the new Apache running (the mod_wsgi daemon it had just started
 * included). Since issue 17 the restart is a new Apache beside the old one (src/launch/generations.ts),
 * so the old one serves on, and a SIGTERM then leaves nothing running. Needs a small tmpfs of its
 * own, so it runs only where it can mount one (as root, with CAP_SYS_ADMIN).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from '@jest/globals';

import { scratchDir } from '../helpers/scratch.mjs';
import { FIXTURES, processesOf, startServer, stopAll, waitFor, within } from '../helpers/server.js';

afterEach(stopAll);

const scratch = scratchDir('ew-full');
const mountPoint = scratch.path;

/** Mounts a 4 MiB tmpfs on mountPoint; the reason when it cannot. */
function mountTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'needs root to mount a tmpfs';
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=755', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here: ${String((error as Error).message).split('\n')[0]}`;
  }
}

const skipped = mountTmpfs();
if (skipped) {
  scratch.remove(); // no test runs, so no afterAll either
}
afterAll(() => {
  if (!skipped) {
    execFileSync('umount', ['-l', mountPoint]);
  }
  scratch.remove();
});

if (skipped) {
  // Visible in the run: the reason is part of the test's name.
  it.skip(`a full disk at SIGHUP (skipped: ${skipped})`, () => {});
} else {
  describe('a full disk at SIGHUP', () => {
    it('is named in plain words, with the file, and nothing is left running', async () => {
      // The launcher's directory and so its server root (startServer puts it in cwd/root) on the tmpfs.
      const cwd = mountPoint;
      copyFileSync(join(FIXTURES, 'hello.wsgi'), join(cwd, 'hello.wsgi'));
      chmodSync(join(cwd, 'hello.wsgi'), 0o644);
      const server = await startServer(['hello.wsgi'], { cwd });
      const root = server.root;
      expect((await fetch(server.url)).status).toBe(200);
      // Fill what is left (ENOSPC ends the writes), then ask for a restart.
      try {
        for (let i = 0; ; i++) {
          writeFileSync(join(mountPoint, `fill-${i}`), Buffer.alloc(256 * 1024));
        }
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const before = processesOf(root).sort();
      process.kill(server.child.pid as number, 'SIGHUP');
      await waitFor(() => server.stderr().includes('the restart failed'), 30_000, 'the restart to fail');
      expect(server.stderr()).toMatch(
        new RegExp(
          `it exited with status 1 before it served \\(the disk is full \\(ENOSPC.*${root}/\\.httpd\\.generation-1\\.pid`,
        ),
      );
      await waitFor(
        () => processesOf(root).sort().join() === before.join(),
        15_000,
        'only the old Apache left',
      );
      // Only the old generation's runtime files: the new one's (empty) pid file went with it.
      expect(
        readdirSync(root)
          .filter((name) => /\.pid$|\.tmp$/.test(name))
          .sort(),
      ).toEqual(['.httpd.generation-0.pid', 'httpd.pid']);
      expect((await fetch(server.url)).status).toBe(200);
      expect(await within(server.exited, 0)).toBe(false);
      server.child.kill('SIGTERM');
      expect(await within(server.exited, 30_000)).toBe(true);
      await waitFor(() => processesOf(root).length === 0, 10_000, 'nothing left of the server');
    });
  });
}
