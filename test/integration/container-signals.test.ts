/**
 * What each signal to the container does when no terminal is attached, httpd being PID 1: the table
 * in examples/docker/README.md. (With a terminal, see container-terminal.test.ts.)
 */
import { afterEach, beforeAll, expect, it, jest } from '@jest/globals';

import {
  buildExampleImage,
  type Container,
  exitOf,
  runExample,
  waitForAnswer,
} from '../helpers/example-image.js';
import { describeWithPodman, podman, podmanOk, removeContainers } from '../helpers/podman.js';
import { waitFor } from '../helpers/server.js';

jest.setTimeout(120_000);
afterEach(removeContainers);

/** How many times Apache has said it is up: once at start, once more after each restart. */
async function starts(container: Container): Promise<number> {
  const logs = await podman(['logs', container.name]);
  return logs.stderr.match(/resuming normal operations/g)?.length ?? 0;
}

/** A container of the example, serving, that has just been sent `signal`. */
async function signalled(signal: string): Promise<Container> {
  const container = await runExample(signal.toLowerCase());
  await waitForAnswer(container);
  await podmanOk(['kill', '--signal', signal, container.name]);
  return container;
}

async function restarted(container: Container, times: number): Promise<void> {
  await waitFor(async () => (await starts(container)) === times + 1, 30_000, `${times} restart(s) of Apache`);
  await waitForAnswer(container);
}

describeWithPodman('signals to the example container without a terminal (httpd is PID 1)', () => {
  beforeAll(buildExampleImage, 30 * 60_000);

  it.each([
    ['SIGINT', 'stops at once'],
    ['SIGWINCH', 'stops gracefully (Apache waits for requests in flight)'],
  ])('%s %s, with status 0', async (signal) => {
    const container = await signalled(signal);
    expect(await exitOf(container.name)).toEqual({ status: 0, running: false });
  });

  it.each([
    ['SIGHUP', 'restarts Apache'],
    ['SIGUSR1', 'restarts Apache gracefully'],
  ])('%s %s, and it serves on', async (signal) => {
    const container = await signalled(signal);
    await restarted(container, 1);
  });

  it('SIGUSR2 does nothing: PID 1 has no handler for it (reload with apachectl reload-app)', async () => {
    const container = await signalled('SIGUSR2');
    // Signals reach PID 1 in order: once the USR1 after it has been acted on, so has the USR2.
    await podmanOk(['kill', '--signal', 'USR1', container.name]);
    await restarted(container, 1);
    expect((await podmanOk(['inspect', '--format', '{{.State.Running}}', container.name])).trim()).toBe(
      'true',
    );
  });
});
