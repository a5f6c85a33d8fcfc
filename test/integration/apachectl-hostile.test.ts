/**
 * The generated apachectl against a hostile or odd environment: what an adversarial pass found
 * after its start path was rewritten to run fewer programs (one stat for every path it checks).
 * Each case failed before its fix.
 */
import {
  appendFileSync,
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from '@jest/globals';

import {
  get,
  makeWorkdir,
  processesOf,
  run,
  setUpApachectl,
  startAndAnswer,
  startServer,
  stopAll,
  waitFor,
} from '../helpers/server.js';

afterEach(stopAll);

const asRoot = process.getuid?.() === 0;

const setUp = (root?: string) => setUpApachectl([], root);

const pidOf = (root: string) => readFileSync(join(root, 'httpd.pid'), 'utf8').trim();

describe('the environment apachectl runs in', () => {
  test('an HTTPD_EXE exported by the caller is not believed: stop still stops Apache', async () => {
    const { cwd, root, url, apachectl } = await setUp();
    await startAndAnswer(apachectl, cwd, url);
    const stop = await run(apachectl, ['stop'], {
      cwd,
      env: { ...process.env, HTTPD_EXE: '/usr/bin/false' },
    });
    expect(stop.stdout + stop.stderr).not.toContain('not running');
    expect(stop.code).toBe(0);
    await waitFor(() => processesOf(root).length === 0, 20_000, 'every process of the server root to exit');
  });

  test('envvars setting NL, IFS and set -e breaks neither start-server nor graceful', async () => {
    const { cwd, root, apachectl } = await setUp();
    appendFileSync(join(root, 'envvars'), 'NL=:\nIFS=:\nset -e\n');
    // start-server on the same root (envvars is kept): apachectl must still take the launcher's
    // lock for its own.
    const server = await startServer(['hello.wsgi'], { cwd });
    expect(server.root).toBe(root);
    expect((await get(server.url)).status).toBe(200);
    const graceful = await run(apachectl, ['graceful'], { cwd });
    expect(graceful.stderr).toBe('');
    expect(graceful.code).toBe(0);
  });

  test("a pid file with blanks or a second line is not taken for Apache's", async () => {
    const { cwd, root, url, apachectl } = await setUp();
    await startAndAnswer(apachectl, cwd, url);
    const pid = pidOf(root);
    try {
      writeFileSync(join(root, 'httpd.pid'), `  ${pid}\ngarbage\n`);
      const graceful = await run(apachectl, ['graceful'], { cwd });
      // Refused as another Apache of this root holding it, as with any pid file naming no Apache:
      // not handed to httpd, which would fail reading it (AH00058).
      expect(graceful.code).toBe(1);
      expect(graceful.stderr).toContain('is in use by a running Apache of this server root');
      expect(graceful.stderr).not.toContain('AH00058');
    } finally {
      writeFileSync(join(root, 'httpd.pid'), `${pid}\n`);
      await run(apachectl, ['stop'], { cwd });
    }
  });

  (asRoot ? test : test.skip)(
    'without /proc mounted, configtest and --help still work (as root: unshare)',
    async () => {
      const { cwd, apachectl } = await setUp();
      const inside = await run(
        'unshare',
        ['-m', 'sh', '-c', `umount -l /proc && "$0" configtest && "$0" --help`, apachectl],
        {
          cwd,
        },
      );
      expect(inside.stderr).toContain('Syntax OK');
      expect(inside.stdout).toContain('usage:');
      expect(inside.code).toBe(0);
    },
  );
});

// Apache's server root and the scripts apachectl sources are checked where they are, but another
// account that may write a directory above them could swap them between the check and the use.
(asRoot ? describe : describe.skip)('the directories above the server root, as root', () => {
  async function under(parentMode: number, parentOwner: number) {
    const base = makeWorkdir();
    const parent = join(base, 'parent');
    mkdirSync(parent);
    const set = await setUp(join(parent, 'root'));
    chmodSync(parent, parentMode);
    chownSync(parent, parentOwner, parentOwner);
    return { ...set, parent };
  }

  test('one that another account owns is refused, naming it', async () => {
    const { cwd, apachectl, parent } = await under(0o755, 65534);
    const r = await run(apachectl, ['configtest'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${parent} belongs to uid 65534, not to you (uid 0) or root; refusing to use it.`,
    );
  });

  test('one that its group may write is refused', async () => {
    const { cwd, apachectl, parent } = await under(0o775, 0);
    const r = await run(apachectl, ['start'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${parent} can be written by its group (mode 775), who could swap what it holds`,
    );
  });

  test('a sticky one that anyone may write, as /tmp, is fine', async () => {
    const { cwd, apachectl } = await under(0o1777, 0);
    const r = await run(apachectl, ['configtest'], { cwd });
    expect(r.stderr).toContain('Syntax OK');
    expect(r.code).toBe(0);
  });

  /** A server root below `base`/link, a symbolic link to `base`/`target` (made, and root's). */
  async function throughLink(target: string) {
    const base = makeWorkdir();
    const real = join(base, target);
    mkdirSync(real, { recursive: true });
    const link = join(base, 'link');
    symlinkSync(real, link);
    return { ...(await setUp(join(link, 'root'))), base, link };
  }

  test("a root's symbolic link (as /var/run) to a safe directory is fine", async () => {
    const { cwd, apachectl } = await throughLink('real');
    const r = await run(apachectl, ['configtest'], { cwd });
    expect(r.stderr).toContain('Syntax OK');
    expect(r.code).toBe(0);
  });

  test('a symbolic link that another account owns is refused, naming it: theirs to repoint', async () => {
    const { cwd, apachectl, link } = await throughLink('real');
    lchownSync(link, 65534, 65534);
    const r = await run(apachectl, ['start'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${link} is a symbolic link of uid 65534, not of you (uid 0) or root, who could repoint it; refusing to use it.`,
    );
  });

  test("a link leading below another account's directory is refused as that path would be", async () => {
    const { cwd, apachectl, base } = await throughLink('theirs/rootowned');
    const theirs = join(base, 'theirs');
    chownSync(theirs, 65534, 65534);
    const r = await run(apachectl, ['start'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${theirs} belongs to uid 65534, not to you (uid 0) or root; refusing to use it.`,
    );
  });
});
