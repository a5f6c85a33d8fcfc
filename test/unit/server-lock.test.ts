/**
 * The server-root lock's loser path (src/server-root/server-lock.ts) against a real flock(1): a
 * holder that leaves no record and lets go while the loser waits for one, as a quick setup-server
 * does, leaves the lock to the loser. Before, the loser took it for an Apache holding the root:
 * start-server refused ("in use by a running Apache"), setup-server wrote without the lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, expect, it } from '@jest/globals';
import tmp from 'tmp';

import type { ServerConfig } from '../../src/config.js';
import { lockServerRoot } from '../../src/server-root/server-lock.js';

const scratch = tmp.dirSync({ prefix: 'express-wsgi-lock', unsafeCleanup: true });
afterAll(() => scratch.removeCallback());
const uid = process.getuid?.() ?? 0;

/** Whether someone holds the lock on `path` right now. */
const held = (path: string) => spawnSync('flock', ['-n', path, 'true']).status === 1;

it('takes the lock from a holder that finished while it waited for a record', async () => {
  // A slow machine may keep the holder past the loser's wait; then the round proves nothing and
  // is tried again.
  for (let round = 0; round < 5; round++) {
    const root = join(scratch.name, `root-${round}`);
    const config = { paths: { serverRoot: root } } as ServerConfig;
    lockServerRoot(config, uid, 'setup-server')?.release(); // makes the root and its .lock
    const lockFile = join(root, '.lock');
    // It notes when it lets go (just before flock releases), in ms since the epoch.
    const released = join(scratch.name, `released-${round}`);
    const holder = spawn('flock', [lockFile, 'sh', '-c', `sleep 0.1; date +%s%3N > '${released}'`], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    const deadline = Date.now() + 5000;
    while (!held(lockFile) && holder.exitCode === null && Date.now() < deadline) {
      // polling for the holder to take the lock (flock -n answers at once)
    }
    if (!held(lockFile)) {
      await exited;
      continue; // it came and went before we looked
    }
    let lock: ReturnType<typeof lockServerRoot> | Error;
    try {
      lock = lockServerRoot(config, uid, 'start-server');
    } catch (error) {
      lock = error as Error;
    }
    const gaveUpAt = Date.now();
    await exited;
    // The holder let go at least 50 ms before the loser gave up: the loser had time to see it.
    const holderGone = Number(readFileSync(released, 'utf8')) < gaveUpAt - 50;
    if (!(lock instanceof Error)) {
      expect(lock).toBeDefined();
      lock?.release();
      return;
    }
    if (holderGone) {
      throw lock; // the holder had let go, and the loser still refused
    }
  }
  throw new Error('the holder outlived every wait: the machine is too slow to show this');
});
