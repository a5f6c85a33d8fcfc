/**
 * Start-up's end: Apache answers HTTP (src/launch/probe.ts), or --ready-timeout passes first, or
 * Apache exits before either.
 */
import type { Clock } from './timers.js';

export type Readiness = 'answered' | 'timed out' | 'exited';

export interface ReadinessOptions {
  /** Knocks until Apache answers (true) or `until` holds (false). */
  readonly probe: (until: () => boolean) => Promise<boolean>;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly isExited: () => boolean;
}

export interface Waiting {
  readonly outcome: Promise<Readiness>;
  /** Whether the deadline passed: known as soon as the probe gives up, before `outcome` settles. */
  timedOut(): boolean;
}

export function awaitReadiness(options: ReadinessOptions): Waiting {
  const deadline = options.clock.now() + options.timeoutMs;
  let timedOut = false;
  const outcome = options
    .probe(() => options.isExited() || (timedOut = options.clock.now() > deadline))
    .then((answered): Readiness => (answered ? 'answered' : timedOut ? 'timed out' : 'exited'));
  return { outcome, timedOut: () => timedOut };
}
