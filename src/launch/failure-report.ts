/**
 * What the launcher says when Apache is gone: a kill from outside (the OOM killer, kill -9), a
 * failed start or run with what the error log says (or a full disk, when Apache could not even log
 * it), and the processes that outlived Apache and had to be killed.
 */
import { dirname } from 'node:path';

import { err as errLine } from '../log.js';
import { apacheErrors, diskFullReason } from './exit-reason.js';
import { tailSince } from './log-tail.js';

export interface Outcome {
  readonly pid: number | undefined;
  /** The signal Apache died of, if it did. */
  readonly signal: string | undefined;
  readonly status: number;
  /** Whether the launcher sent that signal itself. */
  readonly sent: (signal: string) => boolean;
  /** Whether the launcher was stopping the server (then a failure status is no news). */
  readonly stopping: boolean;
  /** PIDs of the server killed because they outlived Apache (src/launch/leftovers.ts). */
  readonly leftovers: readonly number[];
}

export interface Where {
  readonly serverRoot: string;
  /** The error log file, unless the log goes to the terminal; and its size when Apache started. */
  readonly errorLog: string | undefined;
  readonly logOffset: number;
}

/** Writing and reading, as parameters for the unit tests. */
export interface ReportIo {
  readonly err: (text: string) => void;
  readonly tail: (path: string, offset: number, maxLines?: number) => string[];
  readonly diskFull: (errors: readonly string[], dirs: readonly string[]) => string | undefined;
}

const realIo: ReportIo = { err: errLine, tail: tailSince, diskFull: diskFullReason };

export function reportOutcome(outcome: Outcome, where: Where, io: ReportIo = realIo): void {
  const { pid, signal, status } = outcome;
  // Killed from outside (OOM killer, kill -9): say so; its logs cannot explain it.
  if (signal && !outcome.sent(signal)) {
    io.err(`express-wsgi: Apache (pid ${pid}) was killed by ${signal}; exiting with status ${status}.`);
  } else if (status !== 0 && !outcome.stopping) {
    explainExit(status, where, io);
  }
  if (outcome.leftovers.length) {
    const count = outcome.leftovers.length === 1 ? '1 process' : `${outcome.leftovers.length} processes`;
    io.err(
      `express-wsgi: killed ${count} of the server that outlived Apache (pid ${outcome.leftovers.join(', ')}).`,
    );
  }
}

/** One sentence when a full disk explains what Apache failed at since `logOffset` (issue 11, item 10). */
export function diskFullExplains(
  { serverRoot, errorLog, logOffset }: Where,
  io: ReportIo = realIo,
): string | undefined {
  return io.diskFull(apacheErrors(errorLog ? io.tail(errorLog, logOffset, 1000) : []), [
    serverRoot,
    ...(errorLog ? [dirname(errorLog)] : []),
  ]);
}

function explainExit(status: number, where: Where, io: ReportIo): void {
  const { errorLog, logOffset } = where;
  const disk = diskFullExplains(where, io);
  if (disk) {
    io.err(`express-wsgi: Apache exited with status ${status}: ${disk}`);
  }
  if (!errorLog) {
    return;
  }
  const lines = io.tail(errorLog, logOffset);
  if (lines.length) {
    io.err(`express-wsgi: Apache exited with status ${status}. The error log (${errorLog}) says:`);
    io.err(lines.map((l) => `  ${l}`).join('\n'));
  } else {
    io.err(
      `express-wsgi: Apache exited with status ${status}; what it said is above (its log: ${errorLog}).`,
    );
  }
}
