import { reevaluate, type CompiledGrid, type ScoreChange } from '@leadscore/engine';
import type { ContactStateStore } from './contact-state-store.js';
import { ContactUpdater, type ContactUpdaterDeps } from './contact-updater.js';

export interface RegradeSweeperDeps extends ContactUpdaterDeps {
  readonly grid: CompiledGrid;
  readonly store: ContactStateStore;
  readonly now: () => number;
  readonly batchSize: number;
  /** How long a claim keeps other sweepers off a contact (ms). */
  readonly leaseMs?: number;
}

/**
 * Drains the grid-change index that GridSwitch fills: each contact is re-evaluated with the new
 * grid (cause `grid-change`; changed contributions carry the previous grid's points) through
 * the same compare-and-set commit as events, so a contact scored by an event meanwhile is simply
 * re-read. Claims use leases as the decay sweeper's do; a contact leaves the index only after
 * its outputs were produced.
 */
export class RegradeSweeper {
  private readonly updater: ContactUpdater;
  private previousGrid: CompiledGrid | undefined;

  constructor(private readonly deps: RegradeSweeperDeps) {
    this.updater = new ContactUpdater(deps);
  }

  /** The grid that ran before the switch (for changed contributions); unknown: compared under the new grid. */
  setPreviousGrid(grid: CompiledGrid | undefined): void {
    this.previousGrid = grid;
  }

  async sweepOnce(): Promise<{ claimed: number; changes: ScoreChange[] }> {
    const { store, grid, batchSize, leaseMs = 60_000, metrics } = this.deps;
    const now = this.deps.now();
    const due = await store.claimDue(now, batchSize, leaseMs, 'regrade');
    if (due.length === 0) return { claimed: 0, changes: [] };
    metrics.gridChangeEvaluations.inc(due.length);
    const previousGrid = this.previousGrid;
    const changes = await this.updater.update(due, now, new Map(), (contactId, stored) => {
      if (stored.raw === '') return { state: null, changes: [] }; // gone since it was queued
      const evaluation = reevaluate(grid, contactId, stored.state, now, { kind: 'grid-change' }, previousGrid ? { previousGrid } : {});
      // Commit even an unchanged state: the commit re-indexes the next expiry under the new grid.
      return { state: evaluation.state, changes: evaluation.output ? [evaluation.output] : [] };
    });
    await store.doneRegrade(due);
    return { claimed: due.length, changes };
  }

  /** Sweeps until the index is empty, or `keepGoing` says stop. */
  async sweepAll(keepGoing: () => boolean = () => true): Promise<ScoreChange[]> {
    const all: ScoreChange[] = [];
    while (keepGoing()) {
      const { claimed, changes } = await this.sweepOnce();
      all.push(...changes);
      if (claimed === 0) break;
    }
    return all;
  }
}
