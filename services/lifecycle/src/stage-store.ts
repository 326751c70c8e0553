import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LifecycleStage } from '@leadscore/contracts';
import { redisAll, type RedisClient } from '@leadscore/service-kit';
import { isLifecycleStage, LIFECYCLE_STAGES } from './stages.js';

/** Bump when the Lua script changes: two versions of the code never run each other's scripts. */
const SCRIPT_VERSION = 'v1';
const APPLY = `leadscoreApplyCrossing_${SCRIPT_VERSION}`;

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

export interface CrossingInput {
  readonly contactId: string;
  readonly crossingId: string;
  readonly threshold: string;
  readonly direction: 'UP' | 'DOWN';
  readonly score: number;
}

export interface CrossingOutcome {
  readonly contactId: string;
  /** false when this crossing was already applied (a redelivery). */
  readonly firstTime: boolean;
  readonly entry: StageHistoryEntry;
}

type Scripted = {
  [APPLY](stageKey: string, historyKey: string, ...argv: (string | number)[]): Promise<unknown>;
};

/** The id of the stage change a crossing causes: the same crossing always gives the same id. */
export function stageChangeId(crossingId: string, to: LifecycleStage): string {
  return createHash('sha256').update(`lifecycle-stage-changed\0${crossingId}\0${to}`).digest('hex').slice(0, 32);
}

/**
 * Lifecycle stages in Redis: per contact a hash `<prefix>:stage:{contactId}` (the current stage)
 * and a capped list `<prefix>:stage-history:{contactId}` (every crossing handled, newest
 * first), in one hash slot so the script runs on Redis Cluster. The read API reads them too.
 */
export class StageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly historyLength = 100,
  ) {
    if (!(APPLY in redis)) {
      redis.defineCommand(APPLY, {
        numberOfKeys: 2,
        lua: readFileSync(new URL('./lua/apply-crossing-2.lua', import.meta.url), 'utf8'),
      });
    }
  }

  stageKey(contactId: string): string {
    return `${this.keyPrefix}:stage:{${contactId}}`;
  }

  historyKey(contactId: string): string {
    return `${this.keyPrefix}:stage-history:{${contactId}}`;
  }

  /** Applies many crossings (in order) in one round trip. */
  async applyCrossings(crossings: readonly CrossingInput[], target: LifecycleStage, now: number): Promise<CrossingOutcome[]> {
    if (crossings.length === 0) return [];
    const scripted = this.redis as unknown as Scripted;
    // issued together, awaited together: one auto-pipelined round trip, per node on a cluster
    const replies = await redisAll(
      crossings.map((c) =>
        scripted[APPLY](
          this.stageKey(c.contactId),
          this.historyKey(c.contactId),
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
    return crossings.map((c, i) => {
      const [status, raw] = replies[i] as [number, string];
      return { contactId: c.contactId, firstTime: status !== 2, entry: JSON.parse(raw) as StageHistoryEntry };
    });
  }

  /** Sets a stage by hand (a CRM sync, an operator): for tests and tools; no history entry. */
  async setStage(contactId: string, stage: LifecycleStage, now: number, reason: string): Promise<void> {
    await this.redis.hset(this.stageKey(contactId), { stage, changedAt: String(now), reason });
  }

  /** The contact's current stage, or null when it never had one. */
  async readStage(contactId: string): Promise<ContactStage | null> {
    const fields = await this.redis.hgetall(this.stageKey(contactId));
    if (!isLifecycleStage(fields['stage'])) return null;
    return {
      stage: fields['stage'],
      changedAt: Number(fields['changedAt'] ?? 0),
      changeId: fields['changeId'] ?? null,
      causeId: fields['causeId'] ?? null,
      reason: fields['reason'] ?? null,
    };
  }

  /** The newest `limit` history entries, newest first. */
  async readHistory(contactId: string, limit = 20): Promise<StageHistoryEntry[]> {
    const raws = await this.redis.lrange(this.historyKey(contactId), 0, limit - 1);
    return raws.map((raw) => JSON.parse(raw) as StageHistoryEntry);
  }
}
