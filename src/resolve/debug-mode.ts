/**
 * Debug mode (--debug-mode, implied by each --enable-* debugging option of the services feature):
 * one Apache process with one thread and the app embedded. The core decides the mode, MPM and
 * capacity from it; the services feature adds the debugging tools.
 */
import { badValue } from '../errors.js';
import type { Options } from '../options/schema.js';

/** Debug mode: --debug-mode, or any debugging tool that needs the app in one process. */
export function debugModeOf(
  opts: Pick<
    Options,
    'debugMode' | 'enableDebugger' | 'enableCoverage' | 'enableProfiler' | 'enableRecorder' | 'enableGdb'
  >,
): boolean {
  return (
    opts.debugMode ||
    opts.enableDebugger ||
    opts.enableCoverage ||
    opts.enableProfiler ||
    opts.enableRecorder ||
    opts.enableGdb
  );
}

/**
 * The MPMs debug mode may use, in order: worker, then prefork (event misbehaves with one thread),
 * or those of --server-mpm that are not event.
 */
export function debugMpmPreference(wanted: readonly string[]): string[] {
  if (!wanted.length) {
    return ['worker', 'prefork'];
  }
  const usable = wanted.filter((m) => m !== 'event');
  if (!usable.length) {
    throw badValue(
      'server-mpm',
      wanted.join(','),
      'worker or prefork in debug mode: the event MPM misbehaves with a single thread',
    );
  }
  return usable;
}
