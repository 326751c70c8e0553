import type { Logger } from 'pino';
import type { ScoreChange } from '@leadscore/engine';
import { errorFields } from '@leadscore/service-kit';

export interface SweepSchedulerOptions {
  /** Drains the grid-change index while `keepGoing` says so (it is false once stopping). */
  readonly drainGridChanges: (keepGoing: () => boolean) => Promise<void>;
  /** Re-evaluates the contacts whose decay is due, at most `maxRounds` claims. */
  readonly sweepDecay: (options?: { maxRounds?: number }) => Promise<ScoreChange[]>;
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** Claims per background decay sweep: a backlog is worked off over several intervals. */
const BACKGROUND_DECAY_ROUNDS = 50;

/**
 * When the scorer's sweeps run. One slot: at most one sweep at a time (the start-up grid-change
 * drain, a background round, or `sweepNow`), so two never claim the same contacts from one
 * process. Each interval, a background round drains the grid-change index, then sweeps decay; it
 * is skipped while the slot is taken. A failed round is logged and retried at the next interval.
 */
export class SweepScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;

  constructor(private readonly options: SweepSchedulerOptions) {}

  /** Drains the grid-change index now, in the background, and starts the interval. */
  start(): void {
    this.occupy(this.drain(), 'grid-change re-evaluation failed; retried next interval');
    this.timer = setInterval(() => this.sweepInBackground(), this.options.intervalMs);
  }

  /** Stops the interval and waits for the running sweep (a drain stops after its current claim). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Sweeps decay now, until nothing is due, after any sweep in progress; returns the changes it
   * emitted, or rejects with its failure. It holds the slot, so no background round runs beside it.
   */
  async sweepNow(): Promise<ScoreChange[]> {
    while (this.running) await this.running.catch(() => undefined);
    const sweep = this.options.sweepDecay();
    this.running = sweep.catch(() => undefined).finally(() => (this.running = undefined));
    return sweep;
  }

  /** Drains the grid-change index now in the background (a grid switched at run time), unless a sweep runs. */
  drainSoon(): void {
    if (this.running || this.stopping) return;
    this.occupy(this.drain(), 'grid-change re-evaluation failed; retried next interval');
  }

  /** Resolves once no sweep is running (the start-up drain included). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private sweepInBackground(): void {
    if (this.running) return;
    const round = this.drain().then(() => this.options.sweepDecay({ maxRounds: BACKGROUND_DECAY_ROUNDS }));
    this.occupy(round, 'sweep failed; retried next interval');
  }

  private drain(): Promise<void> {
    return this.options.drainGridChanges(() => !this.stopping);
  }

  /** Takes the slot until `sweep` settles; its failure is logged, not thrown. */
  private occupy(sweep: Promise<unknown>, failure: string): void {
    this.running = sweep
      .catch((error: unknown) => this.options.logger.warn(errorFields(error), failure))
      .finally(() => (this.running = undefined));
  }
}
