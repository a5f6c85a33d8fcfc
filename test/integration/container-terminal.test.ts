/**
 * `docker run -it` is safe (issue 15, item 2): with a terminal, a resize sends SIGWINCH to PID 1,
 * Apache's graceful stop. The entry point then puts express-wsgi's launcher in front of Apache, which
 * swallows it; without a terminal httpd stays PID 1 (container.test.ts, pid1.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterEach, beforeAll, expect, it, jest } from '@jest/globals';

import { appDir, buildExampleImage, exampleRun, exitOf, waitForAnswer } from '../helpers/example-image.js';
import { describeWithPodman, PODMAN_GLOBAL, podmanOk, removeContainers } from '../helpers/podman.js';
import { FIXTURES, GiveUp, waitFor } from '../helpers/server.js';

jest.setTimeout(120_000);

let terminal: ChildProcess | undefined;
afterEach(async () => {
  await removeContainers();
  terminal?.kill('SIGKILL');
  terminal = undefined;
});

/** `podman run -t` on a new pseudo-terminal (fixtures/pty-run.py), as from a terminal emulator. */
async function runOnTerminal(
  what: string,
  options: { run?: readonly string[]; args?: readonly string[] } = {},
) {
  const { name, url, argv } = await exampleRun(what, { ...options, run: ['--tty', ...(options.run ?? [])] });
  const child = spawn('python3', [join(FIXTURES, 'pty-run.py'), 'podman', ...PODMAN_GLOBAL, ...argv], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  terminal = child;
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  return { name, url, child, output: () => output };
}

describeWithPodman('the example image on a terminal (podman run -t)', () => {
  beforeAll(buildExampleImage, 30 * 60_000);

  it('keeps serving through terminal resizes and SIGWINCH, and stops on SIGTERM with status 0', async () => {
    const container = await runOnTerminal('tty');
    await waitForAnswer(container);
    const pid1 = (await podmanOk(['exec', container.name, 'cat', '/proc/1/cmdline'])).split('\0');
    expect(pid1.join(' ')).toMatch(/express-wsgi.* start-server /);

    // A resize of the terminal (the kernel signals the container's foreground process group) ...
    container.child.stdin?.write('resize 40 100\n');
    await waitFor(() => container.output().includes('resized 40 100'), 10_000, 'the resize');
    // ... and SIGWINCH to PID 1 from the engine.
    await podmanOk(['kill', '--signal', 'WINCH', container.name]);
    // Apache takes SIGWINCH as graceful stop within a moment: one request after it is not enough.
    // A third signal to PID 1 that ends a restart round trip (SIGUSR1 is handled only once
    // Apache has set its handlers) proves the WINCH before it was handled and swallowed.
    await podmanOk(['kill', '--signal', 'USR1', container.name]);
    await waitFor(
      () => {
        if (container.output().includes('caught SIGWINCH')) {
          throw new GiveUp('Apache got the SIGWINCH');
        }
        return container.output().match(/resuming normal operations/g)?.length === 2;
      },
      30_000,
      'the graceful restart after the WINCH',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${container.output()}`);
    });
    expect((await fetch(container.url)).status).toBe(200);
    expect(container.output()).not.toMatch(/caught SIGWINCH|shutting down gracefully/);

    await podmanOk(['kill', '--signal', 'TERM', container.name]);
    expect(await exitOf(container.name)).toEqual({ status: 0, running: false });
  });
  it('reloads the application on SIGUSR2 (the launcher does it) and stops on SIGINT with status 0', async () => {
    const container = await runOnTerminal('tty-usr2');
    await waitForAnswer(container);
    await podmanOk(['kill', '--signal', 'USR2', container.name]);
    await waitFor(
      () => container.output().includes('reloading the application: done'),
      60_000,
      'the reload',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${container.output()}`);
    });
    expect((await fetch(container.url)).status).toBe(200);
    await podmanOk(['kill', '--signal', 'INT', container.name]);
    expect(await exitOf(container.name)).toEqual({ status: 0, running: false });
  });

  it('a broken app exits with status 1 on a terminal too, the traceback on it', async () => {
    const app = appDir({ 'broken.wsgi': 'import-error.wsgi' });
    const container = await runOnTerminal('tty-broken', {
      run: ['--volume', `${app}:/app:ro`],
      args: ['broken.wsgi'],
    });
    const exit = await exitOf(container.name).catch((error: Error) => {
      throw new Error(`${error.message}\n${container.output()}`);
    });
    expect(exit).toEqual({ status: 1, running: false });
    expect(container.output()).toContain(
      "ModuleNotFoundError: No module named 'express_wsgi_no_such_module'",
    );
    expect(container.output()).not.toMatch(/resuming normal operations/);
  });
});
