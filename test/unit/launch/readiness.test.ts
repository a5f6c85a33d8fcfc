/** Start-up's end: answered, timed out, or exited first (src/launch/readiness.ts). */
import { describe, expect, it } from '@jest/globals';

import { awaitReadiness } from '../../../src/launch/readiness.js';
import { fakeTime } from './fakes.js';

/** A probe that knocks each time the test calls `knock`, and answers once `answers` is set. */
function fakeProbe() {
  let until: (() => boolean) | undefined;
  let settle: ((answered: boolean) => void) | undefined;
  const probe = {
    answers: false,
    knocks: 0,
    run: (stop: () => boolean) =>
      new Promise<boolean>((resolve) => {
        until = stop;
        settle = resolve;
      }),
    /** One attempt, as waitForHttp makes every 10 ms; whether the probe has finished. */
    knock: (): boolean => {
      probe.knocks++;
      if (until?.()) {
        settle?.(false);
        return true;
      }
      if (probe.answers) {
        settle?.(true);
        return true;
      }
      return false;
    },
  };
  return probe;
}

/** Waiting with a 5 s --ready-timeout on a fake clock and probe. */
function start(isExited = () => false) {
  const time = fakeTime();
  const probe = fakeProbe();
  const waiting = awaitReadiness({ probe: probe.run, clock: time.clock, timeoutMs: 5000, isExited });
  return { time, probe, waiting };
}

describe('awaitReadiness', () => {
  it('is answered when Apache answers before the deadline', async () => {
    const { time, probe, waiting } = start();
    time.advance(4000);
    expect(probe.knock()).toBe(false);
    probe.answers = true;
    expect(probe.knock()).toBe(true);
    await expect(waiting.outcome).resolves.toBe('answered');
    expect(waiting.timedOut()).toBe(false);
  });

  it('times out once the deadline has passed, and says so before the outcome settles', async () => {
    const { time, probe, waiting } = start();
    time.advance(5000);
    expect(probe.knock()).toBe(false);
    time.advance(1);
    expect(probe.knock()).toBe(true);
    expect(waiting.timedOut()).toBe(true);
    await expect(waiting.outcome).resolves.toBe('timed out');
  });

  it('gives up without a timeout when Apache exits first, however late it is', async () => {
    let exited = false;
    const { time, probe, waiting } = start(() => exited);
    expect(probe.knock()).toBe(false);
    exited = true;
    time.advance(60_000);
    expect(probe.knock()).toBe(true);
    await expect(waiting.outcome).resolves.toBe('exited');
    expect(waiting.timedOut()).toBe(false);
  });
});
