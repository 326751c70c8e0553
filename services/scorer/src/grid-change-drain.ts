import type { Logger } from 'pino';
import type { ContactStateStore } from './contact-state-store.js';
import type { LiveGrid } from './live-grid.js';
import type { ScorerMetrics } from './metrics.js';
import type { ReevaluationSweeper } from './reevaluation-sweeper.js';

export interface GridChangeDrainDeps {
  readonly live: LiveGrid;
  /** The grid-change ReevaluationSweeper. */
  readonly regrade: ReevaluationSweeper;
  readonly store: ContactStateStore;
  readonly metrics: ScorerMetrics;
  readonly logger: Logger;
}

/**
 * The scorer's side of a grid change (see GridSwitch and LiveGrid): records the running grid
 * once, then drains the grid-change index — what this scorer queued, what other scorers queued,
 * and what a failed round left.
 */
export class GridChangeDrain {
  /** The grid switch was recorded (and its queueing done, or left to another scorer). */
  private recorded = false;

  constructor(private readonly deps: GridChangeDrainDeps) {}

  /** Records the running grid once; when it is new (or its queueing unfinished), queues every contact (LiveGrid logs it). */
  async recordGrid(): Promise<void> {
    if (this.recorded) return;
    await this.deps.live.start();
    this.recorded = true;
  }

  /** Re-evaluates the queued contacts while `keepGoing` says so (recording the grid first, if start-up could not). */
  async drain(keepGoing: () => boolean): Promise<void> {
    const { regrade, store, metrics, logger } = this.deps;
    await this.recordGrid();
    const changes = await regrade.sweepAll({ maxRounds: Infinity, keepGoing });
    if (changes.length > 0) logger.info({ changes: changes.length }, 'grid-change re-evaluation emitted score changes');
    metrics.gridChangePending.set(await store.regradePending());
  }
}
