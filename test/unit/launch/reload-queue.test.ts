/** SIGUSR2's queue: every state, and what moves it (src/launch/reload-queue.ts). */
import { beforeEach, describe, expect, it } from '@jest/globals';

import { type ReloadQueue, reloadQueue } from '../../../src/launch/reload-queue.js';

let ready: boolean;
let over: boolean;
let runs: { done: () => void; fail: (error: Error) => void }[];
let errors: unknown[];
let queue: ReloadQueue;

/** Lets the queue's promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => {
  ready = true;
  over = false;
  runs = [];
  errors = [];
  queue = reloadQueue({
    run: () => new Promise<void>((done, fail) => runs.push({ done, fail })),
    isReady: () => ready,
    isOver: () => over,
    onError: (error) => errors.push(error),
  });
});

describe('reloadQueue', () => {
  it('idle → running → idle: one reload when asked once', async () => {
    expect(queue.state()).toBe('idle');
    queue.ask();
    expect(queue.state()).toBe('running');
    expect(runs).toHaveLength(1);
    runs[0]?.done();
    await settle();
    expect(queue.state()).toBe('idle');
    expect(runs).toHaveLength(1);
  });

  it('running → running, again → running → idle: asked during one, it runs once after it', async () => {
    queue.ask();
    queue.ask();
    queue.ask();
    expect(queue.state()).toBe('running, again');
    expect(runs).toHaveLength(1);
    runs[0]?.done();
    await settle();
    expect(queue.state()).toBe('running');
    expect(runs).toHaveLength(2);
    runs[1]?.done();
    await settle();
    expect(queue.state()).toBe('idle');
    expect(runs).toHaveLength(2);
  });

  it('waiting: asked before Apache answers, it runs once Apache does, not before', async () => {
    ready = false;
    queue.ask();
    queue.ask();
    expect(queue.state()).toBe('waiting');
    queue.resume();
    expect(runs).toHaveLength(0);
    ready = true;
    queue.resume();
    expect(queue.state()).toBe('running');
    expect(runs).toHaveLength(1);
    queue.resume();
    expect(runs).toHaveLength(1);
  });

  it('over: asked once stopping (or Apache has exited), nothing runs, and nothing waits', () => {
    over = true;
    queue.ask();
    expect(queue.state()).toBe('idle');
    expect(runs).toHaveLength(0);
  });

  it('over while one waited: it is dropped', async () => {
    queue.ask();
    queue.ask();
    over = true;
    runs[0]?.done();
    await settle();
    expect(queue.state()).toBe('idle');
    expect(runs).toHaveLength(1);
  });

  it('a failed reload is reported and the queue goes on', async () => {
    queue.ask();
    queue.ask();
    runs[0]?.fail(new Error('no /proc'));
    await settle();
    expect(errors).toEqual([new Error('no /proc')]);
    expect(queue.state()).toBe('running');
  });
});
