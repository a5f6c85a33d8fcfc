/** The launcher's pid file (src/launch/pid-file.ts): written at once, and no temp file left behind. */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from '@jest/globals';

import { writePidFile } from '../../../src/launch/pid-file.js';
import { scratchDir } from '../../helpers/scratch.mjs';

let dir: { readonly path: string; remove(): void };
beforeEach(() => {
  dir = scratchDir('ew-pidfile');
});
afterEach(() => dir.remove());

it('writes the pid through a temp file, which is gone afterwards', () => {
  const pidFile = join(dir.path, 'httpd.pid');
  writePidFile(pidFile, 4242);
  expect(readFileSync(pidFile, 'utf8')).toBe('4242\n');
  expect(readdirSync(dir.path)).toEqual(['httpd.pid']);
});

it('takes its temp file away again when the pid file cannot be replaced', () => {
  // A directory where the pid file goes: the rename fails, as a failed restart's would.
  const pidFile = join(dir.path, 'httpd.pid');
  mkdirSync(pidFile);
  expect(() => writePidFile(pidFile, 4242)).toThrow();
  expect(readdirSync(dir.path)).toEqual(['httpd.pid']);
});
