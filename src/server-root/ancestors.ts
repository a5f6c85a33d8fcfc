/**
 * The directories above a server root. Whoever may rename or replace an entry of one of them can
 * swap the server root (or a directory on the way to it) for one of theirs between a check and a
 * write, and the generated apachectl sources what it finds there. So the rule apachectl applies
 * before every command (templates/apachectl.hbs, refuse_unsafe with KIND ancestor) applies when the
 * root is written too: each directory above belongs to you or to root and, when you are root, may
 * be writable by others only if it is sticky (as /tmp is). An ordinary user's may be writable by
 * others: that is most often a container volume (a Kubernetes emptyDir is mode 0777), and an
 * ordinary user is no one else's way in.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why `dir` (followed if a link, as apachectl's `stat -L` does) is unsafe above a server root of `uid`. */
function unsafeAncestor(dir: string, uid: number): string | undefined {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return undefined; // not there (yet): creating the root below it fails with its own message
  }
  if (st.uid !== uid && st.uid !== 0) {
    return `belongs to uid ${st.uid}, not to you (uid ${uid}) or root`;
  }
  const sticky = (st.mode & 0o1000) !== 0;
  if (uid === 0 && !sticky && st.mode & 0o022) {
    const who = st.mode & 0o002 ? 'anyone' : 'its group';
    return `can be written by ${who} (mode ${(st.mode & 0o7777).toString(8)}), who could swap what it holds`;
  }
  return undefined;
}

/** The first directory above absolute path `root` (nearest first) that is unsafe, and why. */
export function unsafeAncestorOf(root: string, uid: number): { dir: string; why: string } | undefined {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    const why = unsafeAncestor(dir, uid);
    if (why) {
      return { dir, why };
    }
    if (dir === dirname(dir)) {
      return undefined;
    }
  }
}
