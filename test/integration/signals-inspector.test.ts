/**
 * Issue 11, item 1: Node's default action for SIGUSR1 opens its inspector on 127.0.0.1:9229,
 * through which any local user could run code as the launcher's user (root on port 80). SIGUSR1
 * is sent at many moments of start-up; no inspector may ever listen.
 */
import { readFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from '@jest/globals';

import { launch } from '../helpers/launcher.mjs';
import { killRoot, makeWorkdir, removeWorkdirs, waitFor } from '../helpers/server.js';

afterAll(removeWorkdirs);

/** Whether anything on this machine listens on TCP port 9229 (read from /proc, no traffic). */
function inspectorListening(): boolean {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN.
    if (text.split('\n').some((line) => /:240D [0-9A-F:]+ 0A /.test(line))) {
      return true;
    }
  }
  return false;
}

describe('SIGUSR1 during start-up', () => {
  const delays = [5, 10, 20, 35, 50, 75, 100, 150, 200, 300];

  it.each(delays)('sent %i ms after the launcher starts opens no inspector', async (delay) => {
    // Run as installed (the bin is dist/cli.js, through its #! line), not as `node dist/cli.js`.
    const launcher = await launch(['hello.wsgi'], { cwd: makeWorkdir(), asInstalled: true });
    const { child, root } = launcher;
    const output = () => launcher.stdout() + launcher.stderr();
    try {
      await new Promise((resolve) => setTimeout(resolve, delay)); // the moment under test, not a wait for state
      child.kill('SIGUSR1');
      // A signal that lands before Node has installed any handler (the first few ms after exec)
      // still has the kernel's default action and ends the launcher, before anything is started:
      // that, too, is an answer, and it opens no inspector.
      await waitFor(
        () => output().includes('Ready') || child.exitCode !== null || child.signalCode !== null,
        20_000,
        'the launcher to answer',
      );
      if (child.signalCode !== null) {
        expect(child.signalCode).toBe('SIGUSR1');
        expect(output()).toBe('');
      }
      // Before the entry's first line runs (Node's own bootstrap: ~40 ms, longer on a busy machine)
      // Node itself takes the signal and tries to open its inspector: the #! line's --inspect-port
      // names an address no machine has, so that fails. After that line the entry's listener has it.
      // Not even for a moment: Node says so when its inspector listens.
      expect(output()).not.toContain('Debugger listening');
      expect(inspectorListening()).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await launcher.exited;
      await killRoot(root);
    }
  });
});
