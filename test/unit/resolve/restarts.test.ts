/** What apachectl's restarts wait for, in whole seconds for its shell (src/resolve/restarts.ts). */

import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { run } from '../helpers/resolve-setup.js';

describe('apachectl restarts', () => {
  it('waits --ready-timeout for the new Apache, rounded up to whole seconds', () => {
    expect(run().restarts.readySeconds).toBe(30);
    expect(run({ 'ready-timeout': '2.5' }).restarts.readySeconds).toBe(3);
    expect(run({ 'ready-timeout': '0.1' }).restarts.readySeconds).toBe(1);
  });

  it('sets no bound (0) under --debugger-startup, where pdb holds the start', () => {
    expect(run({ 'enable-debugger': true, 'debugger-startup': true }).restarts.readySeconds).toBe(0);
  });

  it('gives graceful 30 s for the old one to finish, or --graceful-stop with --shutdown-timeout', () => {
    expect(run().restarts).toMatchObject({ gracefulDrain: 30, restartDrain: 5, stopBound: 10 });
    expect(run({ 'graceful-stop': true, 'shutdown-timeout': '12' }).restarts).toMatchObject({
      gracefulDrain: 12,
      restartDrain: 12,
    });
    expect(run({ 'shutdown-timeout': '2' }).restarts).toMatchObject({ gracefulDrain: 30, restartDrain: 2 });
  });

  it('names two pid files in the server root, one for each new Apache in turn', () => {
    const config = run();
    expect(config.restarts.pidFiles).toEqual([
      join(config.paths.serverRoot, '.httpd.generation-1.pid'),
      join(config.paths.serverRoot, '.httpd.generation-2.pid'),
    ]);
  });

  it("reads the new Apache's import from the error log only when the app is imported at start and the log is a file", () => {
    expect(run().restarts).toMatchObject({ importCheck: 'log', awaitImport: false });
    expect(run({ 'log-to-terminal': true }).restarts.importCheck).toBe('terminal');
    expect(run({ 'application-group': '%{RESOURCE}' }).restarts.importCheck).toBe('first-request');
  });

  it('waits for a first import in embedded mode, where a worker serves before it imports, unless no marker is logged', () => {
    expect(run({ 'embedded-mode': true }).restarts).toMatchObject({ importCheck: 'log', awaitImport: true });
    expect(run({ 'embedded-mode': true, 'log-level': 'crit' }).restarts.awaitImport).toBe(false);
  });
});
