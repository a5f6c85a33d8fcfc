/** The launcher's exit status, the shell's way (tini, dumb-init): the child's code, or 128 + N. */
import { constants } from 'node:os';

import type { StopSignal } from './early-signals.js';

/** What a shell reports for a process that signal `signal` ended. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** The shell's convention: the child's code, or 128 + N when it died of signal N. */
export function exitStatus(exitCode: number | undefined, signal: string | undefined): number {
  if (typeof exitCode === 'number') {
    return exitCode;
  }
  const number = signal ? constants.signals[signal as keyof typeof constants.signals] : undefined;
  return number ? 128 + number : 1;
}

/**
 * The launcher's status: Apache's, as a shell reports it; 1 for a server that never became ready,
 * whatever status its stop gave; and 128+N for start-up stopped by signal N before Apache
 * answered, whether Apache had its handlers yet (and exited 0) or not (and died of the signal).
 */
export function launcherStatus(
  result: { exitCode?: number; signal?: string },
  how: { timedOut: boolean; stopBeforeReady?: StopSignal },
): number {
  if (how.stopBeforeReady) {
    return signalStatus(how.stopBeforeReady);
  }
  const stopped = exitStatus(result.exitCode, result.signal);
  return how.timedOut && stopped === 0 ? 1 : stopped;
}
