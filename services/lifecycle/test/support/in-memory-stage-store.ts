import { LIFECYCLE_STAGES, type LifecycleStage } from '@leadscore/contracts';
import type { ContactStage, StageHistoryEntry } from '@leadscore/redis-layout';
import type { CrossingStore } from '../../src/lifecycle-workflow.js';
import {
  stageChangeId,
  type AccountCrossingInput,
  type AccountCrossingOutcome,
  type CrossingInput,
  type CrossingOutcome,
} from '../../src/stage-store.js';

/**
 * StageStore's applyCrossings in memory, with the semantics of apply-crossing-2.lua (pinned to
 * it by test/integration/store-fakes.test.ts): a crossing id already in the (capped) history is
 * a redelivery and changes nothing; an up-crossing moves the contact to the target unless it is
 * there or beyond; a down-crossing never demotes; every new crossing is recorded, newest first.
 */
export class InMemoryStageStore implements CrossingStore {
  readonly stages = new Map<string, ContactStage>();
  readonly histories = new Map<string, StageHistoryEntry[]>();
  /** Accounts' stages and histories, apart from contacts' (their own keys in Redis). */
  readonly accountStages = new Map<string, ContactStage>();
  readonly accountHistories = new Map<string, StageHistoryEntry[]>();

  constructor(private readonly historyLength = 100) {}

  async applyCrossings(crossings: readonly CrossingInput[], target: LifecycleStage, now: number): Promise<CrossingOutcome[]> {
    return crossings.map((c) => ({
      contactId: c.contactId,
      ...this.applyOne(c.contactId, c, target, now, this.stages, this.histories),
    }));
  }

  async applyAccountCrossings(
    crossings: readonly AccountCrossingInput[],
    target: LifecycleStage,
    now: number,
  ): Promise<AccountCrossingOutcome[]> {
    return crossings.map((c) => ({
      accountId: c.accountId,
      ...this.applyOne(c.accountId, c, target, now, this.accountStages, this.accountHistories),
    }));
  }

  /** StageStore.setStage: a stage set by hand, no history entry. */
  async setStage(contactId: string, stage: LifecycleStage, now: number, reason: string): Promise<void> {
    this.stages.set(contactId, { stage, changedAt: now, changeId: null, causeId: null, reason });
  }

  async readStage(contactId: string): Promise<ContactStage | null> {
    return this.stages.get(contactId) ?? null;
  }

  async readHistory(contactId: string, limit = 20): Promise<StageHistoryEntry[]> {
    return (this.histories.get(contactId) ?? []).slice(0, limit);
  }

  private applyOne(
    id: string,
    c: Omit<CrossingInput, 'contactId'>,
    target: LifecycleStage,
    now: number,
    stages: Map<string, ContactStage>,
    histories: Map<string, StageHistoryEntry[]>,
  ): Omit<CrossingOutcome, 'contactId'> {
    const history = histories.get(id) ?? [];
    const earlier = history.find((entry) => entry.crossingId === c.crossingId);
    if (earlier) return { firstTime: false, entry: earlier };

    const current = stages.get(id)?.stage;
    const currentRank = current === undefined ? -1 : LIFECYCLE_STAGES.indexOf(current);
    const base = {
      crossingId: c.crossingId,
      threshold: c.threshold,
      direction: c.direction,
      score: c.score,
      recordedAt: now,
      from: current ?? null,
    };
    let entry: StageHistoryEntry;
    if (c.direction === 'UP' && currentRank < LIFECYCLE_STAGES.indexOf(target)) {
      const changeId = stageChangeId(c.crossingId, target);
      const reason = `threshold ${c.threshold} crossed up`;
      stages.set(id, { stage: target, changedAt: now, changeId, causeId: c.crossingId, reason });
      entry = { ...base, outcome: 'moved', to: target, changeId, reason };
    } else {
      entry = { ...base, outcome: c.direction === 'UP' ? 'already-at-or-beyond' : 'not-demoted' };
    }
    histories.set(id, [entry, ...history].slice(0, this.historyLength));
    return { firstTime: true, entry };
  }
}
