import { reevaluate, type CompiledGrid, type ScoreChange } from '@leadscore/engine';
import type { ContactStateStore } from './contact-state-store.js';
import { ContactUpdater, type ContactUpdaterDeps } from './contact-updater.js';

export interface DecaySweeperDeps extends ContactUpdaterDeps {
  readonly grid: CompiledGrid;
  readonly store: ContactStateStore;
  readonly now: () => number;
  readonly batchSize: number;
  /** How long a claim keeps other sweepers off a contact (ms). */
  readonly leaseMs?: number;
}

/**
 * Time-driven re-evaluation: windowed rules make scores fall as days pass, with no event to
 * notice it. Every instance may run a sweeper: contacts are claimed from the decay index with a
 * lease (so two instances rarely take the same one), and each update goes through the same
 * compare-and-set commit as event scoring (so when they do, nothing is applied twice).
 */
export class DecaySweeper {
  private readonly updater: ContactUpdater;

  constructor(private readonly deps: DecaySweeperDeps) {
    this.updater = new ContactUpdater(deps);
  }

  /** Re-evaluates the contacts due by now: how many were claimed, and the score changes emitted (cause: decay). */
  async sweepOnce(): Promise<{ claimed: number; changes: ScoreChange[] }> {
    const { store, grid, batchSize, leaseMs = 60_000, metrics } = this.deps;
    const now = this.deps.now();
    const due = await store.claimDue(now, batchSize, leaseMs);
    if (due.length === 0) return { claimed: 0, changes: [] };
    metrics.decayEvaluations.inc(due.length);
    const changes = await this.updater.update(due, now, new Map(), (contactId, stored) => {
      const evaluation = reevaluate(grid, contactId, stored.state, now, { kind: 'decay' });
      // Always commit, even an unchanged state: the commit re-indexes the contact's next expiry
      // (or drops it from the index), which ends its lease.
      return { state: evaluation.state, changes: evaluation.output ? [evaluation.output] : [] };
    });
    return { claimed: due.length, changes };
  }

  /** Sweeps until nothing is due (at most `maxRounds` claims). */
  async sweepAll(maxRounds = 1000): Promise<ScoreChange[]> {
    const all: ScoreChange[] = [];
    for (let round = 0; round < maxRounds; round += 1) {
      const { claimed, changes } = await this.sweepOnce();
      all.push(...changes);
      if (claimed === 0) break;
    }
    return all;
  }
}
