import { createHash } from 'node:crypto';
import { LIFECYCLE_STAGES, type LifecycleStage } from '@leadscore/contracts';
import {
  APPLY_CROSSING,
  KeyLayout,
  loadScript,
  StageReader,
  type ScriptCall,
  type StageHistoryEntry,
} from '@leadscore/redis-layout';
import { redisAll, type RedisClient } from '@leadscore/service-kit';

interface CrossingFields {
  readonly crossingId: string;
  readonly threshold: string;
  readonly direction: 'UP' | 'DOWN';
  readonly score: number;
}

export interface CrossingInput extends CrossingFields {
  readonly contactId: string;
}

/** An account-threshold-crossed reduced to what the stage script needs. */
export interface AccountCrossingInput extends CrossingFields {
  readonly accountId: string;
}

export interface AccountCrossingOutcome {
  readonly accountId: string;
  /** false when this crossing was already applied (a redelivery). */
  readonly firstTime: boolean;
  readonly entry: StageHistoryEntry;
}

export interface CrossingOutcome {
  readonly contactId: string;
  /** false when this crossing was already applied (a redelivery). */
  readonly firstTime: boolean;
  readonly entry: StageHistoryEntry;
}

/** The id of the stage change a crossing causes: the same crossing always gives the same id. */
export function stageChangeId(crossingId: string, to: LifecycleStage): string {
  return createHash('sha256').update(`lifecycle-stage-changed\0${crossingId}\0${to}`).digest('hex').slice(0, 32);
}

/**
 * Lifecycle stages in Redis: per contact a hash `<prefix>:stage:{contactId}` (the current stage)
 * and a capped list `<prefix>:stage-history:{contactId}` (every crossing handled, newest
 * first), in one hash slot so the script runs on Redis Cluster. The read API reads them with
 * the same `StageReader`.
 */
export class StageStore extends StageReader {
  private readonly applyCrossing: ScriptCall<typeof APPLY_CROSSING>;

  constructor(
    redis: RedisClient,
    keyPrefix: string,
    private readonly historyLength = 100,
  ) {
    super(redis, new KeyLayout(keyPrefix));
    this.applyCrossing = loadScript(redis, APPLY_CROSSING);
  }

  stageKey(contactId: string): string {
    return this.keys.stage(contactId);
  }

  historyKey(contactId: string): string {
    return this.keys.stageHistory(contactId);
  }

  /** Applies many contact crossings (in order) in one round trip. */
  async applyCrossings(crossings: readonly CrossingInput[], target: LifecycleStage, now: number): Promise<CrossingOutcome[]> {
    const outcomes = await this.apply(
      crossings.map((c) => ({ ...c, keys: [this.stageKey(c.contactId), this.historyKey(c.contactId)] as const })),
      target,
      now,
    );
    return outcomes.map((o, i) => ({ contactId: crossings[i]!.contactId, ...o }));
  }

  /**
   * Applies many account crossings (in order) in one round trip: the same script and rules as a
   * contact's (forward-only, idempotent by crossing id) on the account's own keys.
   */
  async applyAccountCrossings(
    crossings: readonly AccountCrossingInput[],
    target: LifecycleStage,
    now: number,
  ): Promise<AccountCrossingOutcome[]> {
    const outcomes = await this.apply(
      crossings.map((c) => ({
        ...c,
        keys: [this.keys.accountStage(c.accountId), this.keys.accountStageHistory(c.accountId)] as const,
      })),
      target,
      now,
    );
    return outcomes.map((o, i) => ({ accountId: crossings[i]!.accountId, ...o }));
  }

  private async apply(
    crossings: readonly (CrossingFields & { readonly keys: readonly [string, string] })[],
    target: LifecycleStage,
    now: number,
  ): Promise<{ firstTime: boolean; entry: StageHistoryEntry }[]> {
    if (crossings.length === 0) return [];
    // issued together, awaited together: one auto-pipelined round trip, per node on a cluster
    const replies = await redisAll(
      crossings.map((c) =>
        this.applyCrossing(
          [...c.keys],
          c.crossingId,
          c.direction,
          target,
          LIFECYCLE_STAGES.join(','),
          stageChangeId(c.crossingId, target),
          now,
          c.threshold,
          c.score,
          this.historyLength,
          `threshold ${c.threshold} crossed up`,
        ),
      ),
    );
    return replies.map(([status, raw]) => ({ firstTime: status !== 2, entry: JSON.parse(raw) as StageHistoryEntry }));
  }

  /** Sets a stage by hand (a CRM sync, an operator): for tests and tools; no history entry. */
  async setStage(contactId: string, stage: LifecycleStage, now: number, reason: string): Promise<void> {
    await this.redis.hset(this.stageKey(contactId), { stage, changedAt: String(now), reason });
  }
}
