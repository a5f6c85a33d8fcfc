/**
 * src/launch/steer.ts runs the server root's steer-listeners.pl with perl, as whoever runs the
 * launcher (root included): only when the file is as safe as apachectl requires.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';
import tmp from 'tmp';

import { steerListeners } from '../../../src/launch/steer.js';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

it('runs a script only its owner may change, and not one anyone may', async () => {
  const dir = tmp.dirSync({ unsafeCleanup: true });
  cleanup = dir.removeCallback;
  const script = join(dir.name, 'steer-listeners.pl');
  const ran = join(dir.name, 'ran');
  // Stands for an attacker's script: it leaves a file behind when it runs.
  writeFileSync(script, `open(my $f, ">", "${ran}"); print $f "@ARGV";\n`);
  chmodSync(script, 0o666);
  await steerListeners(script, 1234, 0);
  expect(existsSync(ran)).toBe(false);
  chmodSync(script, 0o644);
  await steerListeners(script, 1234, 1, 1);
  expect(existsSync(ran)).toBe(true);
});
