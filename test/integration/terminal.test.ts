/**
 * A terminal resize must never stop the server (mod_wsgi#105): Apache takes SIGWINCH as
 * "graceful stop", and a terminal sends it to its whole foreground process group. The launcher
 * runs on a real pseudo-terminal here (fixtures/pty-run.py), which is resized for real with
 * TIOCSWINSZ, so the kernel delivers SIGWINCH as it would under xterm or tmux.
 *
 * Negative control: were Apache in the launcher's process group, the resizes would reach it, it
 * would log AH00492 "caught SIGWINCH, shutting down gracefully" and stop, and every assertion
 * after the resizes would fail.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { launch } from '../helpers/launcher.mjs';
import { FIXTURES, killRoot, makeWorkdir, stopAll, trackRoot, waitFor } from '../helpers/server.js';

let driver: ChildProcess | undefined;
afterEach(async () => {
  driver?.kill('SIGKILL');
  await stopAll();
});

const readPid = (root: string) => Number(readFileSync(join(root, 'httpd.pid'), 'utf8').trim());

it('keeps serving through terminal resizes, then still obeys a later signal', async () => {
  const launcher = await launch(['hello.wsgi', '--log-level', 'info'], {
    cwd: makeWorkdir(),
    wrap: ['/usr/bin/python3', join(FIXTURES, 'pty-run.py')],
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const terminal = launcher.child;
  driver = terminal;
  const { root } = launcher;
  trackRoot(root);
  const url = `${launcher.url}/`;
  // The driver's output is the terminal's screen: what the launcher wrote, and what it reports.
  const screen = launcher.stdout;
  const exited = launcher.exited.then((exit) => exit.code);

  await waitFor(() => screen().includes('Ready:'), 30_000, 'the launcher to be ready on the terminal');
  const parent = await waitFor(() => readPid(root), 5_000, 'httpd.pid');
  const sizes = [
    [30, 90],
    [40, 120],
    [25, 80],
  ];
  for (const [rows, cols] of sizes) {
    terminal.stdin?.write(`resize ${rows} ${cols}\n`);
    await waitFor(() => screen().includes(`resized ${rows} ${cols}`), 5_000, `resize to ${rows}x${cols}`);
  }

  // The marker: a graceful restart sent after the resizes. Once Apache logs it, any SIGWINCH it had
  // been sent would have been acted on and logged too.
  process.kill(parent, 'SIGUSR1');
  const log = () => readFileSync(join(root, 'error_log'), 'utf8');
  await waitFor(() => log().includes('SIGUSR1 received'), 10_000, 'Apache to log the graceful restart');
  expect(log()).not.toContain('SIGWINCH');
  expect((await fetch(url)).status).toBe(200);
  expect(readPid(root)).toBe(parent);

  // Ctrl-C on the terminal (the tty's interrupt character) still stops everything, with status 0.
  terminal.stdin?.write('interrupt\n');
  await expect(exited).resolves.toBe(0);
  await killRoot(root);
});
