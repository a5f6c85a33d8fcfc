/**
 * The directories above a server root. Whoever may rename or replace an entry of one of them can
 * swap the server root (or a directory on the way to it) for one of theirs between a check and a
 * write, and the generated apachectl sources what it finds there. So the rule apachectl applies
 * before every command (templates/apachectl.hbs, refuse_unsafe with KIND ancestor) applies when the
 * root is written too: each directory above belongs to you or to root and, when you are root, may
 * be writable by others only if it is sticky (as /tmp is). An ordinary user's may be writable by
 * others: that is most often a container volume (a Kubernetes emptyDir is mode 0777), and an
 * ordinary user is no one else's way in.
 *
 * A symbolic link on the way is a name its owner may repoint (in a sticky /tmp, only its owner
 * may replace it), and what it leads to has directories above it of its own: so a link must
 * belong to you or root too, and the directories above where it leads pass the same rule.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

import { UsageError } from '../errors.js';
import { unsafeBecause } from './unsafe.js';

/** What is wrong with a directory above, and what to give instead. */
export interface UnsafeAncestor {
  readonly dir: string;
  readonly why: string;
  /** What the directories above a path must be, for the advice of the message. */
  readonly want: string;
}

const OWNED = 'belong to you or root';
const UNWRITABLE = 'belong to you or root and that no group or others may write (unless sticky, as /tmp)';

const ownerProblem = (owner: number, uid: number) =>
  owner !== uid && owner !== 0 ? `not to you (uid ${uid}) or root` : undefined;

/** Why `dir` (followed if a link, as apachectl's `stat -L` does) is unsafe above a server root of `uid`. */
function unsafeAncestor(dir: string, uid: number): UnsafeAncestor | undefined {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return undefined; // not there (yet): creating the root below it fails with its own message
  }
  const notOurs = ownerProblem(st.uid, uid);
  if (notOurs) {
    return { dir, why: `belongs to uid ${st.uid}, ${notOurs}`, want: OWNED };
  }
  const sticky = (st.mode & 0o1000) !== 0;
  if (uid === 0 && !sticky && st.mode & 0o022) {
    const who = st.mode & 0o002 ? 'anyone' : 'its group';
    const why = `can be written by ${who} (mode ${(st.mode & 0o7777).toString(8)}), who could swap what it holds`;
    return { dir, why, want: UNWRITABLE };
  }
  return undefined;
}

/** For a symbolic link `dir`: its own owner, then the directories above (and at) where it leads. */
function unsafeLink(dir: string, uid: number): UnsafeAncestor | undefined {
  let link;
  let real;
  try {
    link = lstatSync(dir);
    if (!link.isSymbolicLink()) {
      return undefined;
    }
    real = realpathSync(dir);
  } catch {
    return undefined; // leads nowhere (yet): as for a directory not there
  }
  if (ownerProblem(link.uid, uid)) {
    const why = `is a symbolic link of uid ${link.uid}, not of you (uid ${uid}) or root, who could repoint it`;
    return { dir, why, want: OWNED };
  }
  for (let at = real; ; at = dirname(at)) {
    const why = unsafeAncestor(at, uid);
    if (why) {
      return { ...why, dir, why: `leads to ${JSON.stringify(real)}, whose ${JSON.stringify(at)} ${why.why}` };
    }
    if (at === dirname(at)) {
      return undefined;
    }
  }
}

/** The first directory above absolute path `root` (nearest first) that is unsafe, and why. */
export function unsafeAncestorOf(root: string, uid: number): UnsafeAncestor | undefined {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    const why = unsafeAncestor(dir, uid) ?? unsafeLink(dir, uid);
    if (why) {
      return why;
    }
    if (dir === dirname(dir)) {
      return undefined;
    }
  }
}

/**
 * Refuses an --envvars-script that the generated apachectl would refuse before sourcing it (as a
 * kept file, with the directories above it: refuse_unsafe_server_root), so that setup-server fails
 * here, before anything is written, rather than every apachectl command later.
 */
export function checkEnvvarsScript(script: string | undefined, uid: number): void {
  if (!script) {
    return;
  }
  const problem = unsafeBecause(script, uid, 'file');
  if (problem) {
    throw new UsageError(
      `--envvars-script: ${JSON.stringify(script)} ${problem}; apachectl, which sources it, would refuse it. ` +
        'Give a regular file of yours or root that no group or others may write.',
    );
  }
  const above = unsafeAncestorOf(script, uid);
  if (above) {
    throw new UsageError(
      `--envvars-script: ${JSON.stringify(script)} is below ${JSON.stringify(above.dir)}, which ${above.why}; ` +
        `apachectl, which sources it, would refuse it. Give a script whose directories above ${above.want}.`,
    );
  }
}
