/**
 * Why Apache exited with a failure, in plain words (issue 11, item 10). At log level info a failed
 * restart is followed by a dozen lines of mod_wsgi chatter, so the last lines of the error log
 * need not show the cause; and with the disk full, Apache may not have been able to log it at all.
 */
import { statfsSync } from 'node:fs';

// [date] [module:level] [pid N(:tid M)] message
const ENTRY = /^\[[^\]]*\] \[[\w-]*:(emerg|alert|crit|error)\] \[pid [^\]]*\] (?:\[client [^\]]*\] )?(.*)$/;

/** The messages of Apache's own errors (levels error and worse) among `lines`. */
export function apacheErrors(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const message = ENTRY.exec(line)?.[2];
    return message ? [message] : [];
  });
}

const ENOSPC = /\(28\)No space left on device: (?:AH\d+: )?(.*)$/;

function full(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail === 0;
  } catch {
    return false;
  }
}

/**
 * One sentence when a full disk explains the failure: from Apache's own ENOSPC error (which names
 * the file it could not write), else from a full file system under one of `dirs` (where Apache
 * could not even log why).
 */
export function diskFullReason(errors: readonly string[], dirs: readonly string[]): string | undefined {
  for (const message of errors) {
    const what = ENOSPC.exec(message)?.[1];
    if (what) {
      // "apache2       : Failed creating pid file /root/httpd.pid.Xy12Ab": the process name padding is noise.
      const said = what.replace(/^\S+\s*: /, '');
      return `the disk is full (ENOSPC, no space left on device): Apache says "${said}".`;
    }
  }
  const dir = dirs.find(full);
  return dir
    ? `the disk is full (ENOSPC, no space left on device): the file system holding ${dir} has no space left, so Apache could not write there.`
    : undefined;
}
