/**
 * The clock, the interval timers and the pause the launcher's parts use, as parameters: the real ones here,
 * a fake in the unit tests (test/unit/launch/fakes.ts), so that a second can pass without waiting.
 */

export interface Timers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface Clock {
  now(): number;
}

export const realTimers: Timers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
};

export const realClock: Clock = { now: () => Date.now() };

/** Waits `ms`: the polling loops of src/launch/daemons.ts and src/launch/leftovers.ts. */
export type Pause = (ms: number) => Promise<void>;

export const realPause: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
