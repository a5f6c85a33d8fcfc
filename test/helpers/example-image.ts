/**
 * The example image (examples/docker) built as a user builds it, from the repository root, on the
 * stand-in base images; and containers of it on a free loopback port, removed afterwards.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  baseImages,
  containerLabel,
  withImageLock,
  containerName,
  LIMITS,
  podman,
  podmanOk,
  removeLeftoverContainers,
  scratchDir,
  TEST_IMAGES,
} from './podman.js';
import { FIXTURES, freePort, GiveUp, REPO, waitFor } from './server.js';

export const EXAMPLE_IMAGE = `${TEST_IMAGES}/example:latest`;

/**
 * Builds the image. Podman keeps the layers (--layers is its default): a second build with the same
 * package-lock.json reuses `npm ci` and the apt-get layer, and only what changed is redone.
 */
export function buildExampleImage(): Promise<string> {
  built ??= withImageLock(build);
  return built;
}
let built: Promise<string> | undefined;

async function build(): Promise<string> {
  await removeLeftoverContainers();
  const { node, debian } = await baseImages();
  await podmanOk(
    [
      'build',
      ...LIMITS,
      '-f',
      'examples/docker/Dockerfile',
      '--build-arg',
      `NODE_IMAGE=${node}`,
      '--build-arg',
      `DEBIAN_IMAGE=${debian}`,
      '--pull=never',
      '--network=host',
      '-t',
      EXAMPLE_IMAGE,
      '.',
    ],
    { cwd: REPO, timeoutMs: 15 * 60_000 },
  );
  return EXAMPLE_IMAGE;
}

export interface Container {
  readonly name: string;
  readonly url: string;
}

/**
 * `run` arguments for the example image, under a name removeContainers() removes, with port 8000
 * published on a free 127.0.0.1 port; `options.run` before the image, `options.args` after it.
 */
export async function exampleRun(
  what: string,
  options: { run?: readonly string[]; args?: readonly string[] } = {},
): Promise<Container & { argv: string[] }> {
  const name = containerName(what);
  const port = await freePort();
  const argv = [
    'run',
    '--name',
    name,
    ...containerLabel(),
    ...LIMITS,
    '--publish',
    `127.0.0.1:${port}:8000`,
    ...(options.run ?? []),
    EXAMPLE_IMAGE,
    ...(options.args ?? []),
  ];
  return { name, url: `http://127.0.0.1:${port}/`, argv };
}

/** `podman run --detach` of the example image (see exampleRun()). */
export async function runExample(
  what: string,
  options: { run?: readonly string[]; args?: readonly string[] } = {},
): Promise<Container> {
  const { argv, ...container } = await exampleRun(what, {
    ...options,
    run: ['--detach', ...(options.run ?? [])],
  });
  await podmanOk(argv);
  return container;
}

/** Waits until the container answers 200 at `url`; if it times out or exits, the error has its logs. */
export async function waitForAnswer(container: Container, timeoutMs = 60_000): Promise<void> {
  try {
    await waitFor(
      async () => {
        if ((await fetch(container.url).catch(() => undefined))?.status === 200) {
          return true;
        }
        const state = await podman(['inspect', '--format', '{{.State.Status}}', container.name]);
        if (state.stdout.trim() === 'exited') {
          throw new GiveUp(`${container.name} exited instead of answering`);
        }
        return false;
      },
      timeoutMs,
      `${container.name} to answer`,
      200,
    );
  } catch (error) {
    const logs = await podman(['logs', container.name]);
    throw new Error(`${(error as Error).message}\n${logs.stdout}${logs.stderr}`);
  }
}

/**
 * `podman top`: one row per process of the container, with its real, effective, saved and file
 * system uids as the kernel has them in the container's /proc, whatever names they have.
 */
export async function processes(name: string): Promise<{ pid: number; uids: string; args: string }[]> {
  const text = await podmanOk(['top', name, 'pid', 'args']);
  const script = 'cd /proc && for p in [0-9]*; do echo "$p $(grep "^Uid:" "$p/status" 2>/dev/null)"; done';
  const uids = new Map(
    (await podmanOk(['exec', name, 'sh', '-c', script])).split('\n').map((line) => {
      const [pid, , ...ids] = line.trim().split(/\s+/);
      return [Number(pid), ids.join(' ')] as const;
    }),
  );
  return text
    .split('\n')
    .slice(1)
    .map((line) => {
      const [pid, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), uids: uids.get(Number(pid)) ?? '', args: args.join(' ') };
    });
}

/** A scratch /app holding copies of fixtures under the names given (target name: fixture name). */
export function appDir(files: Record<string, string>): string {
  const dir = scratchDir('app');
  for (const [target, fixture] of Object.entries(files)) {
    copyFileSync(join(FIXTURES, fixture), join(dir, target));
  }
  return dir;
}

/** The container's state once it is no longer running. */
export async function exitOf(
  name: string,
  timeoutMs = 60_000,
): Promise<{ status: number; running: boolean }> {
  return waitFor(
    async () => {
      const [running, status] = (
        await podmanOk(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name])
      ).split(' ');
      return running === 'false' ? { status: Number(status), running: false } : undefined;
    },
    timeoutMs,
    `${name} to exit`,
    200,
  );
}
