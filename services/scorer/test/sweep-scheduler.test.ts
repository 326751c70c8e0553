import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScoreChange } from '@leadscore/engine';
import { SweepScheduler } from '../src/sweep-scheduler.js';

const INTERVAL_MS = 1_000;

/** A sweep the test ends by hand, so it can look at the scheduler while the sweep runs. */
class HeldSweep<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** Fake sweeps: each call is recorded and held until the test ends it (or ends at once). */
class FakeSweeps {
  readonly calls: string[] = [];
  readonly held: HeldSweep<unknown>[] = [];
  holdNext = false;
  drainKeepGoing?: () => boolean;

  private run<T>(name: string, value: T): Promise<T> {
    this.calls.push(name);
    if (!this.holdNext) return Promise.resolve(value);
    const held = new HeldSweep<T>();
    this.held.push(held as HeldSweep<unknown>);
    return held.promise;
  }

  scheduler(): SweepScheduler {
    return new SweepScheduler({
      drainGridChanges: (keepGoing) => {
        this.drainKeepGoing = keepGoing;
        return this.run('drain', undefined);
      },
      sweepDecay: (options) => this.run(`decay(${options?.maxRounds ?? 'all'})`, [] as ScoreChange[]),
      intervalMs: INTERVAL_MS,
      logger: pino({ level: 'silent' }),
    });
  }
}

/** Lets the promise callbacks queued so far run (fake timers do not fake microtasks). */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('SweepScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('drains the grid-change index at start, then each interval drains and sweeps a bounded decay round', async () => {
    const sweeps = new FakeSweeps();
    const scheduler = sweeps.scheduler();
    scheduler.start();
    await scheduler.settled();
    expect(sweeps.calls).toEqual(['drain']);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain', 'drain', 'decay(50)']);
    await scheduler.stop();
  });

  it('runs one sweep at a time: an interval that finds the slot taken is skipped', async () => {
    const sweeps = new FakeSweeps();
    sweeps.holdNext = true;
    const scheduler = sweeps.scheduler();
    scheduler.start(); // the start-up drain holds the slot
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain']);
    sweeps.holdNext = false;
    sweeps.held[0]!.resolve(undefined);
    await scheduler.settled();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain', 'drain', 'decay(50)']);
    await scheduler.stop();
  });

  it('sweepNow waits for the running sweep, then sweeps decay until nothing is due', async () => {
    const sweeps = new FakeSweeps();
    sweeps.holdNext = true;
    const scheduler = sweeps.scheduler();
    scheduler.start();
    const now = scheduler.sweepNow();
    await flush();
    expect(sweeps.calls).toEqual(['drain']);
    sweeps.holdNext = false;
    sweeps.held[0]!.resolve(undefined);
    expect(await now).toEqual([]);
    expect(sweeps.calls).toEqual(['drain', 'decay(all)']);
    await scheduler.stop();
  });

  it('sweepNow holds the slot: no background round starts beside it, and its failure reaches the caller', async () => {
    const sweeps = new FakeSweeps();
    const scheduler = sweeps.scheduler();
    scheduler.start();
    await scheduler.settled();
    sweeps.holdNext = true;
    const now = scheduler.sweepNow();
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain', 'decay(all)']);
    sweeps.held[0]!.reject(new Error('sweeper died'));
    await expect(now).rejects.toThrow('sweeper died');
    await scheduler.settled(); // the slot is free again
    await scheduler.stop();
  });

  it('a failed background round is retried at the next interval', async () => {
    const sweeps = new FakeSweeps();
    sweeps.holdNext = true;
    const scheduler = sweeps.scheduler();
    scheduler.start();
    sweeps.held[0]!.reject(new Error('Redis down'));
    await scheduler.settled(); // logged, not thrown
    sweeps.holdNext = false;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain', 'drain', 'decay(50)']);
    await scheduler.stop();
  });

  it('stop stops the timer, tells a running drain to stop, and waits for it', async () => {
    const sweeps = new FakeSweeps();
    sweeps.holdNext = true;
    const scheduler = sweeps.scheduler();
    scheduler.start();
    expect(sweeps.drainKeepGoing?.()).toBe(true);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await flush();
    expect(sweeps.drainKeepGoing?.()).toBe(false);
    expect(stopped).toBe(false);
    sweeps.held[0]!.resolve(undefined);
    await stopping;
    await vi.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(sweeps.calls).toEqual(['drain']);
  });
});
