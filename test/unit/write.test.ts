/**
 * writeServerRoot and checkServerRoot on real temp directories: modes whatever the umask,
 * atomic replacement of generated files, user edits kept, and a server root that someone else
 * could have prepared refused without touching it.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { Accounts } from '../../src/config.js';
import { render, type RenderedFile } from '../../src/render/render.js';
import type { ServerConfig } from '../../src/config.js';
import { resolve } from '../../src/resolve/index.js';
import {
  checkKeptFile,
  checkNoForeignFiles,
  checkServerRoot,
  writeServerRoot,
} from '../../src/server-root/write.js';
import { lockServerRoot } from '../../src/server-root/server-lock.js';
import {
  fakeAccounts,
  fakeContext,
  fakeDiscovery,
  options,
  refusalOf,
  removeDir,
  tempDir,
} from './helpers/fakes.js';

const uid = process.getuid?.() ?? 0;

let dir: string;
let accounts: Accounts;
let counter = 0;

beforeAll(() => {
  dir = tempDir('ew-write-');
  accounts = fakeAccounts(dir);
});

afterAll(() => removeDir(dir));

/** A fresh server root path in the temp directory (not created), with its config and files. */
function setup(raw: Record<string, unknown> = {}): {
  root: string;
  config: ServerConfig;
  files: RenderedFile[];
} {
  const root = join(dir, `root-${++counter}`);
  const config = resolve(
    options({ 'server-root': root, ...raw }),
    fakeDiscovery(),
    fakeContext(accounts, dir),
  );
  return { root, config, files: render(config) };
}

const mode = (path: string) => lstatSync(path).mode & 0o777;

/** Every entry under `path` (not following symlinks): type, mode and content, to compare before/after. */
function tree(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string) => {
    const st = lstatSync(p);
    const m = (st.mode & 0o777).toString(8);
    if (st.isSymbolicLink()) {
      out[rel] = `link ${m} -> ${readlinkSync(p)}`;
    } else if (st.isDirectory()) {
      out[rel] = `dir ${m}`;
      for (const name of readdirSync(p).sort()) {
        walk(join(p, name), `${rel}/${name}`);
      }
    } else {
      out[rel] = `file ${m} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(path, '.');
  return out;
}

/** The UsageError `fn` throws. */
const refusal = (fn: () => unknown) => refusalOf(fn, 'expected a UsageError');

function withUmask<T>(mask: number, fn: () => T): T {
  const previous = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}

describe('a new server root', () => {
  function expectExactModes(root: string, files: readonly RenderedFile[]) {
    expect(mode(root)).toBe(0o755);
    expect(files.map((f) => basename(f.path))).toEqual(
      expect.arrayContaining(['httpd.conf', 'apachectl', 'envvars', 'rewrite.conf']),
    );
    for (const file of files) {
      expect([basename(file.path), mode(file.path)]).toEqual([basename(file.path), file.mode]);
      expect(readFileSync(file.path, 'utf8')).toBe(file.content);
    }
    expect(mode(join(root, 'httpd.conf'))).toBe(0o644);
    expect(mode(join(root, 'apachectl'))).toBe(0o755);
    expect(mode(join(root, 'envvars'))).toBe(0o644);
    expect(mode(join(root, 'rewrite.conf'))).toBe(0o644);
  }

  it('is created 0755 with every file at its own mode', () => {
    const { root, config, files } = setup();
    writeServerRoot(config, files, uid);
    expectExactModes(root, files);
    expect(statSync(config.paths.documentRoot).isDirectory()).toBe(true);
  });

  it('gets the same modes under umask 077', () => {
    const { root, config, files } = setup();
    withUmask(0o077, () => writeServerRoot(config, files, uid));
    expectExactModes(root, files);
  });

  it('gets a 0755 document root of its own under umask 077', () => {
    const { config, files } = setup();
    expect(config.paths.ownDocumentRoot).toBe(true);
    withUmask(0o077, () => writeServerRoot(config, files, uid));
    // Apache's children (www-data when started as root) must be able to read it.
    expect(mode(config.paths.documentRoot)).toBe(0o755);
  });
});

describe('a rerun', () => {
  it('replaces generated files atomically and keeps the edited envvars and rewrite.conf', () => {
    const first = setup();
    writeServerRoot(first.config, first.files, uid);
    const { root } = first;
    writeFileSync(join(root, 'envvars'), 'export MY_SETTING=1\n');
    writeFileSync(join(root, 'rewrite.conf'), 'RewriteRule ^/old$ /new [R]\n');
    writeFileSync(join(root, 'httpd.conf'), '# edited by hand\n');
    chmodSync(join(root, 'httpd.conf'), 0o600);
    const inodeBefore = lstatSync(join(root, 'httpd.conf')).ino;

    // Same root, different settings: the generated files must change.
    const config = resolve(
      options({ 'server-root': root, port: 8123 }),
      fakeDiscovery(),
      fakeContext(accounts, dir),
    );
    const files = render(config);
    const httpdConf = files.find((f) => f.path === join(root, 'httpd.conf'));
    expect(httpdConf?.content).toContain('8123');
    writeServerRoot(config, files, uid);

    expect(readFileSync(join(root, 'httpd.conf'), 'utf8')).toBe(httpdConf?.content);
    expect(mode(join(root, 'httpd.conf'))).toBe(0o644);
    // A rename puts a new inode in place; rewriting in place would keep the old one.
    expect(lstatSync(join(root, 'httpd.conf')).ino).not.toBe(inodeBefore);
    expect(readFileSync(join(root, 'envvars'), 'utf8')).toBe('export MY_SETTING=1\n');
    expect(readFileSync(join(root, 'rewrite.conf'), 'utf8')).toBe('RewriteRule ^/old$ /new [R]\n');
    const leftovers = readdirSync(root).filter((name) => name.startsWith('.') || name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('leaves a file that already holds what would be written, and rewrites one whose mode differs', () => {
    const { root, config, files } = setup();
    writeServerRoot(config, files, uid);
    const conf = join(root, 'httpd.conf');
    const apachectl = files.find((f) => basename(f.path) === 'apachectl');
    const inode = lstatSync(conf).ino;
    chmodSync(apachectl?.path ?? '', 0o700);
    const apachectlInode = lstatSync(apachectl?.path ?? '').ino;
    writeServerRoot(config, files, uid);
    expect(lstatSync(conf).ino).toBe(inode);
    expect(lstatSync(apachectl?.path ?? '').ino).not.toBe(apachectlInode);
    expect(mode(apachectl?.path ?? '')).toBe(apachectl?.mode);
  });

  it('is not stopped by a temp file a killed earlier run left behind', () => {
    // In a container the CLI often gets the same pid each time, so a stale name can recur.
    const { root, config, files } = setup();
    writeServerRoot(config, files, uid);
    const stale = join(root, `.httpd.conf.${process.pid}.tmp`);
    writeFileSync(stale, 'half written');
    writeServerRoot(config, files, uid);
    expect(readdirSync(root).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(root, 'httpd.conf'), 'utf8')).toBe(
      files.find((f) => basename(f.path) === 'httpd.conf')?.content,
    );
  });
  it("removes only temp files of its own making, never the user's files that look alike", () => {
    const { root, config, files } = setup();
    writeServerRoot(config, files, uid);
    const ours = ['.httpd.conf.-4242-AbCdEf012345-tmp', '.envvars.4242-3.tmp'];
    const theirs = ['.envvars.backup-tmp', '.httpd.conf.my-notes-tmp', '.envvars.saved.tmp'];
    for (const name of [...ours, ...theirs]) {
      writeFileSync(join(root, name), 'x');
    }
    // A directory named as tmp would name a file: left alone, and no reason to fail.
    mkdirSync(join(root, '.apachectl.-4242-AbCdEf012345-tmp'));
    writeServerRoot(config, files, uid);
    const dotted = readdirSync(root).filter((name) => name.startsWith('.') && name !== '.lock');
    expect(dotted.sort()).toEqual([...theirs, '.apachectl.-4242-AbCdEf012345-tmp'].sort());
  });
});

describe('refusals', () => {
  /** A directory with a file in it, as a previous run might have left. */
  function prepared(path: string, dirMode = 0o755): string {
    mkdirSync(path);
    writeFileSync(join(path, 'httpd.conf'), '# Generated by express-wsgi 0.0.1; an earlier run\n');
    chmodSync(path, dirMode);
    return path;
  }

  function expectRefused(
    root: string,
    watch: string,
    write: () => unknown,
    check: () => unknown,
    reason: RegExp,
  ) {
    const before = tree(watch);
    for (const attempt of [write, check]) {
      const message = refusal(attempt);
      expect(message).toContain('--server-root');
      expect(message).toContain(JSON.stringify(root));
      expect(message).toMatch(reason);
    }
    expect(tree(watch)).toEqual(before);
  }

  it('refuses a symbolic link to a directory', () => {
    const { root, config, files } = setup();
    const target = prepared(`${root}-target`);
    symlinkSync(target, root);
    const before = tree(target);
    expectRefused(
      root,
      root,
      () => writeServerRoot(config, files, uid),
      () => checkServerRoot(root, uid),
      /symbolic link/,
    );
    expect(tree(target)).toEqual(before);
  });

  it('refuses a file', () => {
    const { root, config, files } = setup();
    writeFileSync(root, 'a file, not a directory\n');
    expectRefused(
      root,
      root,
      () => writeServerRoot(config, files, uid),
      () => checkServerRoot(root, uid),
      /is not a directory/,
    );
  });

  it.each([
    ['0775', /can be written by its group \(mode 775\)/],
    ['0777', /can be written by anyone \(mode 777\)/],
    ['0757', /can be written by anyone \(mode 757\)/],
  ])('refuses a directory with mode %s', (dirMode, reason) => {
    const { root, config, files } = setup();
    prepared(root, parseInt(dirMode, 8));
    expectRefused(
      root,
      root,
      () => writeServerRoot(config, files, uid),
      () => checkServerRoot(root, uid),
      reason,
    );
  });

  it('refuses a directory that belongs to another uid', () => {
    const { root, config, files } = setup();
    prepared(root);
    const other = uid + 1;
    expectRefused(
      root,
      root,
      () => writeServerRoot(config, files, other),
      () => checkServerRoot(root, other),
      new RegExp(`belongs to uid ${uid}, not to you \\(uid ${other}\\)`),
    );
  });

  // The directories above, by apachectl's rule (src/server-root/ancestors.ts): setup-server refuses
  // what the generated apachectl would refuse at its first command, before writing anything.
  describe('the directories above it', () => {
    /** A parent directory (mode `parentMode`) with a server root path below it, not created. */
    function below(parentMode: number) {
      const parent = join(dir, `parent-${++counter}`);
      mkdirSync(parent);
      chmodSync(parent, parentMode);
      const root = join(parent, 'root');
      const config = resolve(options({ 'server-root': root }), fakeDiscovery(), fakeContext(accounts, dir));
      return { parent, root, config, files: render(config) };
    }

    it('refuses one that belongs to another uid (not root), naming it, and writes nothing', () => {
      const { parent, root, config, files } = below(0o755);
      // Root can give the parent away; an ordinary user plays another account checking theirs.
      const [owner, me] = uid === 0 ? [65534, 0] : [uid, uid + 1];
      if (uid === 0) {
        chownSync(parent, owner, owner);
      }
      expectRefused(
        root,
        parent,
        () => writeServerRoot(config, files, me),
        () => checkServerRoot(root, me),
        new RegExp(`is below "${parent}", which belongs to uid ${owner}, not to you \\(uid ${me}\\) or root`),
      );
    });

    (uid === 0 ? it : it.skip)('as root, refuses one that others may write, unless sticky', () => {
      for (const [parentMode, who] of [
        [0o777, 'anyone'],
        [0o775, 'its group'],
      ] as const) {
        const { parent, root, config, files } = below(parentMode);
        expectRefused(
          root,
          parent,
          () => writeServerRoot(config, files, uid),
          () => checkServerRoot(root, uid),
          new RegExp(`which can be written by ${who} \\(mode ${parentMode.toString(8)}\\), who could swap`),
        );
      }
      const sticky = below(0o1777);
      writeServerRoot(sticky.config, sticky.files, uid);
      expect(statSync(join(sticky.root, 'httpd.conf')).isFile()).toBe(true);
    });

    (uid === 0 ? it.skip : it)('as an ordinary user, takes one that others may write (a volume)', () => {
      const { root, config, files } = below(0o777);
      writeServerRoot(config, files, uid);
      expect(statSync(join(root, 'httpd.conf')).isFile()).toBe(true);
    });

    it('advises what the reason asks for: owners, or who may write', () => {
      const owned = below(0o755);
      const me = uid === 0 ? 0 : uid + 1;
      if (uid === 0) {
        chownSync(owned.parent, 65534, 65534);
      }
      expect(refusal(() => checkServerRoot(owned.root, me))).toMatch(
        /Give a --server-root whose directories above belong to you or root\.$/,
      );
      if (uid === 0) {
        const writable = below(0o775);
        expect(refusal(() => checkServerRoot(writable.root, 0))).toMatch(
          /Give a --server-root whose directories above belong to you or root and that no group or others may write \(unless sticky, as \/tmp\)\.$/,
        );
      }
    });

    /** A server root below `link`, a symbolic link to `target` made in the directory `at`. */
    function throughLink(at: string, target: string) {
      const link = join(at, `link-${++counter}`);
      symlinkSync(target, link);
      const root = join(link, 'root');
      const config = resolve(options({ 'server-root': root }), fakeDiscovery(), fakeContext(accounts, dir));
      return { link, root, config, files: render(config) };
    }

    it("takes a symbolic link of yours (or root's, as /var/run) leading to a safe directory", () => {
      const { root, config, files } = throughLink(dir, below(0o755).parent);
      checkServerRoot(root, uid);
      writeServerRoot(config, files, uid);
      expect(statSync(join(root, 'httpd.conf')).isFile()).toBe(true);
    });

    (uid === 0 ? it : it.skip)(
      'as root, refuses a symbolic link another account owns (in a sticky /tmp, theirs to repoint)',
      () => {
        const sticky = below(0o1777).parent;
        const { link, root, config, files } = throughLink(sticky, below(0o755).parent);
        lchownSync(link, 65534, 65534);
        expectRefused(
          root,
          sticky,
          () => writeServerRoot(config, files, uid),
          () => checkServerRoot(root, uid),
          new RegExp(
            `is below "${link}", which is a symbolic link of uid 65534, not of you \\(uid 0\\) or root, who could repoint it`,
          ),
        );
      },
    );

    (uid === 0 ? it : it.skip)(
      "as root, refuses a root's link leading below another account's directory, as that path would be",
      () => {
        const theirs = below(0o755).parent;
        const rootOwned = join(theirs, 'rootowned');
        mkdirSync(rootOwned);
        chownSync(theirs, 65534, 65534);
        // Spelled out, the path is refused; through a link, the same directory must be too.
        expect(refusal(() => checkServerRoot(join(rootOwned, 'root'), uid))).toContain(
          `which belongs to uid 65534`,
        );
        const { link, root, config, files } = throughLink(below(0o755).parent, rootOwned);
        expectRefused(
          root,
          theirs,
          () => writeServerRoot(config, files, uid),
          () => checkServerRoot(root, uid),
          new RegExp(
            `is below "${link}", which leads to "${rootOwned}", whose "${theirs}" belongs to uid 65534`,
          ),
        );
      },
    );
  });

  describe('an --envvars-script', () => {
    /** A script of mode `mode` in a fresh directory of mode `dirMode`, with a server root to set up. */
    function withScript(mode: number, dirMode = 0o755) {
      const scripts = join(dir, `scripts-${++counter}`);
      mkdirSync(scripts);
      const script = join(scripts, 'env.sh');
      writeFileSync(script, 'export ANSWER=42\n');
      chmodSync(script, mode);
      chmodSync(scripts, dirMode);
      const made = setup({ 'envvars-script': script });
      return { ...made, script, scripts };
    }

    /** Refused by writeServerRoot and by lockServerRoot (which runs first) alike, creating nothing. */
    function expectScriptRefused(made: ReturnType<typeof withScript>, me: number, reason: RegExp) {
      for (const attempt of [
        () => writeServerRoot(made.config, made.files, me),
        () => lockServerRoot(made.config, me, 'setup-server'),
      ]) {
        const message = refusal(attempt);
        expect(message).toMatch(/^--envvars-script: /);
        expect(message).toContain(JSON.stringify(made.script));
        expect(message).toMatch(reason);
      }
      expect(existsSync(made.root)).toBe(false);
    }

    it('refuses one anyone may write, before anything is written', () => {
      expectScriptRefused(withScript(0o666), uid, /can be written by anyone \(mode 666\)/);
    });

    it('refuses one of another account (not root)', () => {
      const made = withScript(0o644);
      const [owner, me] = uid === 0 ? [65534, 0] : [uid, uid + 1];
      if (uid === 0) {
        chownSync(made.script, owner, owner);
      }
      expectScriptRefused(
        made,
        me,
        new RegExp(`belongs to uid ${owner}, not to you \\(uid ${me}\\) or root`),
      );
    });

    (uid === 0 ? it : it.skip)('as root, refuses one below a directory its group may write', () => {
      const made = withScript(0o644, 0o775);
      expectScriptRefused(
        made,
        uid,
        new RegExp(`is below "${made.scripts}", which can be written by its group \\(mode 775\\)`),
      );
    });

    it('takes a safe one', () => {
      const { root, config, files } = withScript(0o644);
      writeServerRoot(config, files, uid);
      expect(readFileSync(join(root, 'apachectl'), 'utf8')).toContain('env.sh');
    });
  });

  it('refuses a directory holding files express-wsgi did not write (say, /etc), changing nothing', () => {
    const { root, config, files } = setup();
    mkdirSync(root);
    writeFileSync(join(root, 'httpd.conf'), '# your own Apache configuration\n');
    writeFileSync(join(root, 'notes.txt'), 'mine\n');
    expectRefused(
      root,
      root,
      () => writeServerRoot(config, files, uid),
      () => checkNoForeignFiles(root),
      /holds files express-wsgi did not write \(httpd\.conf, notes\.txt\); give a new or empty directory/,
    );
  });

  it('accepts a directory holding only subdirectories and the files a user may prepare', () => {
    const { root, config, files } = setup();
    mkdirSync(join(root, 'logs'), { recursive: true });
    writeFileSync(join(root, 'envvars'), 'export A=b\n', { mode: 0o644 });
    expect(() => checkNoForeignFiles(root)).not.toThrow();
    writeServerRoot(config, files, uid);
    expect(readFileSync(join(root, 'envvars'), 'utf8')).toBe('export A=b\n');
  });

  it('accepts a missing root and an existing 0755 one of ours', () => {
    const { root } = setup();
    expect(() => checkServerRoot(root, uid)).not.toThrow();
    prepared(root);
    expect(() => checkServerRoot(root, uid)).not.toThrow();
    chmodSync(root, 0o700);
    expect(() => checkServerRoot(root, uid)).not.toThrow();
  });

  it.each([
    ['mode 0666', 0o666, false, /can be written by anyone \(mode 666\)/],
    ['mode 0620', 0o620, false, /can be written by its group \(mode 620\)/],
    ['owned by nobody', 0o644, true, /belongs to uid 65534/],
  ])('refuses a kept envvars with %s before writing anything', (_what, fileMode, nobody, reason) => {
    const { root, config, files } = setup();
    writeServerRoot(config, files, uid);
    const envvars = join(root, 'envvars');
    chmodSync(envvars, fileMode);
    if (nobody) {
      if (uid !== 0) {
        return; // only root can give a file away
      }
      chownSync(envvars, 65534, 65534);
    }
    const before = tree(root);
    expect(refusal(() => writeServerRoot(config, files, uid))).toMatch(reason);
    expect(refusal(() => checkKeptFile(envvars, uid))).toContain(JSON.stringify(envvars));
    expect(tree(root)).toEqual(before);
  });
});
