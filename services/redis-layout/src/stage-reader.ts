import { isLifecycleStage, type LifecycleStage } from '@leadscore/contracts';
import type { RedisClient } from '@leadscore/service-kit';
import type { KeyLayout } from './key-layout.js';

/** One line of a contact's stage history (newest first in Redis). */
export interface StageHistoryEntry {
  readonly crossingId: string;
  readonly threshold: string;
  readonly direction: 'UP' | 'DOWN';
  readonly score: number;
  readonly recordedAt: number;
  readonly from: LifecycleStage | null;
  /** `moved`: the crossing moved the stage; the others recorded it only. */
  readonly outcome: 'moved' | 'already-at-or-beyond' | 'not-demoted';
  readonly to?: LifecycleStage;
  readonly changeId?: string;
  readonly reason?: string;
}

export interface ContactStage {
  readonly stage: LifecycleStage;
  readonly changedAt: number;
  readonly changeId: string | null;
  readonly causeId: string | null;
  readonly reason: string | null;
}

/**
 * Reads the lifecycle stages the lifecycle service writes, of contacts and of accounts
 * (`KeyLayout.stage` / `accountStage`, a hash: stage, changedAt, changeId, causeId, reason;
 * `KeyLayout.stageHistory` / `accountStageHistory`, a capped list of JSON entries, newest first). Read-only: it loads no script, so a reader (the read API) never
 * carries the writer's.
 */
export class StageReader {
  constructor(
    protected readonly redis: RedisClient,
    protected readonly keys: KeyLayout,
  ) {}

  /** The contact's current stage, or null when it never had one. */
  readStage(contactId: string): Promise<ContactStage | null> {
    return this.stageAt(this.keys.stage(contactId));
  }

  /** The contact's newest `limit` history entries, newest first. */
  readHistory(contactId: string, limit = 20): Promise<StageHistoryEntry[]> {
    return this.historyAt(this.keys.stageHistory(contactId), limit);
  }

  /** The account's current stage (`KeyLayout.accountStage`), or null when it never had one. */
  readAccountStage(accountId: string): Promise<ContactStage | null> {
    return this.stageAt(this.keys.accountStage(accountId));
  }

  /** The account's newest `limit` history entries, newest first. */
  readAccountHistory(accountId: string, limit = 20): Promise<StageHistoryEntry[]> {
    return this.historyAt(this.keys.accountStageHistory(accountId), limit);
  }

  private async stageAt(key: string): Promise<ContactStage | null> {
    const fields = await this.redis.hgetall(key);
    if (!isLifecycleStage(fields['stage'])) return null;
    return {
      stage: fields['stage'],
      changedAt: Number(fields['changedAt'] ?? 0),
      changeId: fields['changeId'] ?? null,
      causeId: fields['causeId'] ?? null,
      reason: fields['reason'] ?? null,
    };
  }

  private async historyAt(key: string, limit: number): Promise<StageHistoryEntry[]> {
    const raws = await this.redis.lrange(key, 0, limit - 1);
    return raws.map((raw) => JSON.parse(raw) as StageHistoryEntry);
  }
}
