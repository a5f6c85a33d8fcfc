/**
 * Podman for the container tests: whether it can run here (else one line saying why, and the tests
 * skip), the stand-in base images (no image registry is reachable from these machines), and
 * containers that are removed afterwards whatever happens.
 *
 * The base images are made once and kept in podman's storage under fixed tags, with the key of what
 * they were made from in a label: a later run reuses them, a changed input (mirror, Node, CA bundle)
 * makes them again.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';

import { describe } from '@jest/globals';
import tmp from 'tmp';

import { GiveUp, run, type RunOptions, type RunResult, waitFor } from './server.js';

export const TEST_IMAGES = 'localhost/express-wsgi-test';
export const DEBIAN_IMAGE = `${TEST_IMAGES}/debian:bookworm-slim`;
export const NODE_IMAGE = `${TEST_IMAGES}/node:20-bookworm-slim`;
const KEY_LABEL = 'express-wsgi-test.key';
/** Every container the tests start carries it, so that leftovers of a killed run can be found. */
export const CONTAINER_LABEL = 'express-wsgi-test.container';

/**
 * cgroups v1 here: crun refuses hybrid mode, runc works. The processes lack CAP_SYS_RESOURCE, so
 * podman's default rlimits (raised above ours) fail: containers get explicit, lower ones.
 */
export const PODMAN_GLOBAL = ['--runtime', 'runc'];
export const LIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const path = join(dir || '.', command);
    try {
      if (statSync(path).isFile()) {
        return path;
      }
    } catch {
      // not there
    }
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim();
  return (stderr || String(error)).split('\n')[0] ?? '';
}

/** Why podman cannot run the container tests here, or undefined when it can. */
function whyNot(): string | undefined {
  if (process.platform !== 'linux') {
    return `containers need Linux (this is ${process.platform})`;
  }
  const podman = which('podman');
  if (!podman) {
    return 'no podman on PATH (scripts/bootstrap.sh --test installs it on Debian)';
  }
  const opts = { stdio: 'pipe' as const, timeout: 30_000 };
  if (process.getuid?.() !== 0) {
    // Rootless podman maps the container's uids from /etc/subuid and /etc/subgid; without a range
    // it maps only the user's own uid, and the image's user 10001 (and apt's _apt) cannot exist.
    const user = userInfo().username;
    if (!hasSubordinateIds('/etc/subuid', user) || !hasSubordinateIds('/etc/subgid', user)) {
      return `rootless podman needs subordinate uids and gids for ${user} (/etc/subuid, /etc/subgid: 65536 of them)`;
    }
    try {
      execFileSync(podman, ['unshare', 'true'], opts);
    } catch (error) {
      return `rootless podman cannot make a user namespace here: ${firstLine(error)}`;
    }
  }
  try {
    execFileSync(podman, [...PODMAN_GLOBAL, 'info', '--format', '{{.Host.OCIRuntime.Name}}'], opts);
  } catch (error) {
    return `podman cannot run here: ${firstLine(error)}`;
  }
  if (!which('mmdebstrap') && !imageKeyOf(podman, DEBIAN_IMAGE)) {
    return `no mmdebstrap to make the stand-in image ${DEBIAN_IMAGE}`;
  }
  return undefined;
}

/** Whether `file` gives `user` (by name or uid) a range of over 10001 ids (the image's user). */
function hasSubordinateIds(file: string, user: string): boolean {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((line) => {
    const [owner, , count] = line.trim().split(':');
    return (owner === user || owner === String(process.getuid?.())) && Number(count) > 10001;
  });
}

function imageKeyOf(podman: string, image: string): string | undefined {
  try {
    const format = `{{index .Labels "${KEY_LABEL}"}}`;
    return execFileSync(podman, ['image', 'inspect', '--format', format, image], { stdio: 'pipe' })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

export const PODMAN_SKIP = whyNot();

/** describe() when podman can run here; otherwise the block is skipped, with one line saying why. */
export function describeWithPodman(name: string, body: () => void): void {
  if (PODMAN_SKIP) {
    process.stderr.write(`express-wsgi: skipping the container tests: ${PODMAN_SKIP}\n`);
    describe.skip(name, body);
  } else {
    describe(name, body);
  }
}

/** `podman ARGS` to completion, never rejecting (see run()). */
export function podman(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('podman', [...PODMAN_GLOBAL, ...args], { explainFailures: true, ...options });
}

/** `podman ARGS`, failing with podman's own words unless it exits 0; returns its stdout trimmed. */
export async function podmanOk(args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await podman(args, options);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout.trim();
}

const scratchDirs: tmp.DirResult[] = [];

/** A scratch directory (mode 0755, so that the container's uid 10001 can read what is put there). */
export function scratchDir(prefix: string): string {
  const dir = tmp.dirSync({ prefix: `express-wsgi-${prefix}-`, unsafeCleanup: true });
  chmodSync(dir.name, 0o755);
  scratchDirs.push(dir);
  return dir.name;
}

const sha256 = (...parts: (string | Buffer)[]) => {
  const hash = createHash('sha256');
  parts.forEach((part) => hash.update(part).update('\0'));
  return hash.digest('hex').slice(0, 16);
};

/**
 * The Debian mirror this machine's apt uses for bookworm (one-line and deb822 sources), so that
 * the stand-in image comes from where the machine's own packages come from.
 */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  try {
    files.push(...readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)));
  } catch {
    // no such directory
  }
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    for (const line of text.split('\n')) {
      const words = line
        .replace(/#.*/, '')
        .replace(/\[[^\]]*\]/, '')
        .trim()
        .split(/\s+/);
      if (words[0] === 'deb' && words[2] === 'bookworm' && words[1]) {
        return words[1];
      }
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string) =>
        (new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1] ?? '').trim().split(/\s+/);
      const uri = field('URIs')[0];
      if (field('Types').includes('deb') && field('Suites').includes('bookworm') && uri) {
        return uri;
      }
    }
  }
  return 'http://deb.debian.org/debian';
}

/** One maker of images at a time, across the jest workers of this user. */
export async function withImageLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `/tmp/express-wsgi-podman-images-${process.getuid?.() ?? 0}.lock`;
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
        writeFileSync(join(lock, 'pid'), String(process.pid));
        return true;
      } catch {
        const owner = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }));
        if (owner && !existsSync(`/proc/${owner}`)) {
          rmSync(lock, { recursive: true, force: true });
        }
        return false;
      }
    },
    15 * 60_000,
    'the lock on the stand-in base images',
    500,
  );
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function makeDebianImage(key: string, mirror: string): Promise<void> {
  const dir = scratchDir('rootfs');
  const rootfs = join(dir, 'rootfs.tar');
  // Like debian:bookworm-slim: Essential and apt only, and no package lists left in the image.
  const made = await run(
    'mmdebstrap',
    ['--variant=minbase', '--quiet', '--aptopt=Acquire::Retries "3"', 'bookworm', rootfs, mirror],
    {
      timeoutMs: 10 * 60_000,
      explainFailures: true,
    },
  );
  if (made.code !== 0) {
    throw new GiveUp(`mmdebstrap could not make a bookworm root file system from ${mirror}:\n${made.stderr}`);
  }
  await podmanOk(
    ['import', '--change', `LABEL ${KEY_LABEL}=${key}`, '--change', 'CMD ["bash"]', rootfs, DEBIAN_IMAGE],
    {
      timeoutMs: 5 * 60_000,
    },
  );
}

/**
 * The certificate authorities this machine trusts: NODE_EXTRA_CA_CERTS's, else the system bundle
 * (where a proxy's CA goes too), so that a run without the variable set builds the same image.
 */
function caBundle(): string | undefined {
  return [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find(
    (f) => f && existsSync(f),
  );
}

/**
 * node:20-bookworm-slim's stand-in: the Debian image plus this machine's Node and npm, where the
 * official image has them. The npm registry is reached here through a proxy with its own CA, in
 * this machine's bundle: the image carries the bundle and names it in NODE_EXTRA_CA_CERTS. That is
 * this machine's business, so it lives here and not in the example's Dockerfile.
 */
async function makeNodeImage(key: string): Promise<void> {
  const context = scratchDir('node-image');
  copyFileSync(process.execPath, join(context, 'node'));
  cpSync(npmRoot(), join(context, 'npm'), { recursive: true, verbatimSymlinks: true });
  const bundle = caBundle();
  if (bundle) {
    copyFileSync(bundle, join(context, 'ca.crt'));
  }
  writeFileSync(
    join(context, 'Containerfile'),
    [
      `FROM ${DEBIAN_IMAGE}`,
      `LABEL ${KEY_LABEL}=${key}`,
      'COPY node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
      ...(bundle
        ? [
            'COPY ca.crt /usr/local/share/express-wsgi-test/ca.crt',
            'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/express-wsgi-test/ca.crt',
          ]
        : []),
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  await podmanOk(['build', ...LIMITS, '--pull=never', '--network=none', '-t', NODE_IMAGE, context], {
    timeoutMs: 5 * 60_000,
  });
}

/** The npm that came with this machine's Node (…/lib/node_modules/npm next to …/bin/node). */
function npmRoot(): string {
  const candidates = [join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm')];
  const npm = which('npm');
  if (npm) {
    // …/lib/node_modules/npm/bin/npm-cli.js, which bin/npm links to
    candidates.push(dirname(dirname(execFileSync('readlink', ['-f', npm]).toString().trim())));
  }
  const found = candidates.find((c) => existsSync(join(c, 'bin', 'npm-cli.js')));
  if (!found) {
    throw new GiveUp(`no npm found next to ${process.execPath}`);
  }
  return found;
}

/**
 * The two stand-in base images, made if missing or made from other inputs; their tags. The caller
 * holds withImageLock().
 */
export async function baseImages(): Promise<{ debian: string; node: string }> {
  const mirror = debianMirror();
  const debianKey = sha256('mmdebstrap --variant=minbase bookworm', mirror, '1');
  if (imageKeyOf('podman', DEBIAN_IMAGE) !== debianKey) {
    await makeDebianImage(debianKey, mirror);
  }
  const debianId = await podmanOk(['image', 'inspect', '--format', '{{.Id}}', DEBIAN_IMAGE]);
  const bundle = caBundle();
  const node = statSync(process.execPath);
  const nodeKey = sha256(
    debianId,
    process.version,
    `${node.size} ${node.mtimeMs}`,
    readFileSync(join(npmRoot(), 'package.json')),
    bundle && existsSync(bundle) ? readFileSync(bundle) : '',
  );
  if (imageKeyOf('podman', NODE_IMAGE) !== nodeKey) {
    await makeNodeImage(nodeKey);
  }
  return { debian: DEBIAN_IMAGE, node: NODE_IMAGE };
}

const containers = new Set<string>();
let started = 0;

/** A name for a container the tests start; removeContainers() removes it (running or not). */
export function containerName(what: string): string {
  const name = `express-wsgi-test-${what}-${process.pid}-${started++}`;
  containers.add(name);
  return name;
}

/** `--label` arguments for such a container: it says which process started it. */
export const containerLabel = () => ['--label', `${CONTAINER_LABEL}=${process.pid}`];

/** Removes the containers of test runs that were killed before they could remove their own. */
export async function removeLeftoverContainers(): Promise<void> {
  const format = `{{.Names}} {{index .Labels "${CONTAINER_LABEL}"}}`;
  const listed = await podmanOk(['ps', '--all', '--filter', `label=${CONTAINER_LABEL}`, '--format', format]);
  for (const [name, pid] of listed.split('\n').map((line) => line.trim().split(' '))) {
    if (name && pid && Number(pid) !== process.pid && !existsSync(`/proc/${pid}`)) {
      await podman(['rm', '--force', '--time', '0', '--ignore', name], { timeoutMs: 60_000 });
    }
  }
}

/** `podman rm -f` of every container named by containerName(), and the scratch directories. */
export async function removeContainers(): Promise<void> {
  for (const name of containers) {
    await podman(['rm', '--force', '--time', '0', '--ignore', name], { timeoutMs: 60_000 });
  }
  containers.clear();
  for (const dir of scratchDirs.splice(0)) {
    dir.removeCallback();
  }
}
