import { reevaluate, type CompiledGrid, type ReevaluationCause, type ScoreChange } from '@leadscore/engine';
import type { ContactStateStore } from './contact-state-store.js';
import { ContactUpdater, type ContactUpdaterDeps } from './contact-updater.js';
import type { ScorerMetrics } from './metrics.js';

export interface ReevaluationSweeperDeps extends ContactUpdaterDeps {
  /**
   * `decay`: contacts whose windowed counts expire by now (the decay index, which every commit
   * keeps). `grid-change`: the contacts GridSwitch queued on the grid-change index when a new
   * grid started; each leaves that index once its outputs were produced.
   */
  readonly cause: ReevaluationCause['kind'];
  readonly store: ContactStateStore;
  readonly metrics: ScorerMetrics;
  readonly now: () => number;
  readonly batchSize: number;
  /** How long a claim keeps other sweepers off a contact (ms). */
  readonly leaseMs?: number;
}

/**
 * Re-evaluation without an event: windowed rules make scores fall as days pass (decay), and a
 * new grid re-scores every contact stored under the old one (grid change). Every instance may
 * run sweepers: contacts are claimed from their index with a lease (so two instances rarely take
 * the same one), and each update goes through the same compare-and-set commit as event scoring
 * (so when they do, nothing is applied twice; a contact scored by an event meanwhile is re-read).
 */
export class ReevaluationSweeper {
  private readonly updater: ContactUpdater;
  private previousGrid: CompiledGrid | undefined;

  constructor(private readonly deps: ReevaluationSweeperDeps) {
    this.updater = new ContactUpdater(deps);
  }

  /** Grid change: the grid that ran before the switch (changed contributions carry its points); unknown, the new grid's. */
  setPreviousGrid(grid: CompiledGrid | undefined): void {
    this.previousGrid = grid;
  }

  /** Re-evaluates the contacts due by now: how many were claimed, and the score changes emitted. */
  async sweepOnce(): Promise<{ claimed: number; changes: ScoreChange[] }> {
    const { store, batchSize, leaseMs = 60_000, metrics, cause } = this.deps;
    const now = this.deps.now();
    const due = await store.claimDue(now, batchSize, leaseMs, cause === 'decay' ? 'decay' : 'regrade');
    if (due.length === 0) return { claimed: 0, changes: [] };
    (cause === 'decay' ? metrics.decayEvaluations : metrics.gridChangeEvaluations).inc(due.length);
    const options = this.previousGrid ? { previousGrid: this.previousGrid } : {};
    const sealed: string[] = [];
    const changes = await this.updater.update(
      due,
      now,
      new Map(),
      (contactId, stored, grid) => {
        if (cause === 'grid-change' && stored.raw === '') return { state: null, changes: [] }; // gone since it was queued
        const evaluation = reevaluate(grid, contactId, stored.state, now, { kind: cause }, options);
        // Always commit, even an unchanged state: the commit re-indexes the contact's next
        // expiry (or drops it from the decay index), which ends a decay lease.
        return { state: evaluation.state, changes: evaluation.outputs };
      },
      // Nothing redelivers a decay sweep as Kafka redelivers events: a commit that owes outputs
      // keeps its contact due when the lease ends, so when this sweeper dies (or Kafka refuses
      // the outputs) before they are produced, the next sweep of that contact produces them from
      // its outbox, ids unchanged. (A grid change keeps its contacts queued until produced.)
      {
        ...(cause === 'decay' ? { owedDueBy: now + leaseMs } : {}),
        onSealed: (contactId) => sealed.push(contactId),
      },
    );
    // merged away: nothing is re-evaluated under them again (their root is indexed for itself)
    await store.dropFromIndexes(sealed);
    if (cause === 'grid-change') await store.doneRegrade(due);
    return { claimed: due.length, changes };
  }

  /** Sweeps until nothing is due, at most `maxRounds` claims, while `keepGoing` says so. */
  async sweepAll({ maxRounds = 1000, keepGoing = () => true }: { maxRounds?: number; keepGoing?: () => boolean } = {}): Promise<
    ScoreChange[]
  > {
    const all: ScoreChange[] = [];
    for (let round = 0; round < maxRounds && keepGoing(); round += 1) {
      const { claimed, changes } = await this.sweepOnce();
      all.push(...changes);
      if (claimed === 0) break;
    }
    return all;
  }
}
