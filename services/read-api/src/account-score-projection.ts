import type { KafkaMessage } from 'kafkajs';
import type { AccountScoreChangedValue } from '@leadscore/contracts';
import { loadScript, PROJECT_ACCOUNT_SCORES, type KeyLayout, type ScriptCall } from '@leadscore/redis-layout';
import { redisOne, type RedisClient } from '@leadscore/service-kit';
import type { ChunkDecoder } from './chunk-decoder.js';
import type { ReadApiMetrics } from './metrics.js';

/** What the account leaderboard keeps of an account-score-changed. */
export interface ProjectedAccountScore {
  readonly accountId: string;
  readonly sequence: number;
  readonly score: number;
}

/**
 * The read side's projection of account-score-changed: the account leaderboard, a sorted set of
 * each account's latest emitted score. Idempotent and order-proof: per account only a sequence
 * above the last one projected moves the board, so redeliveries, duplicates and an older change
 * produced late (a zombie account-service instance) change nothing. A chunk is one call of
 * project-account-scores-2.lua, which checks the sequences and writes the board atomically (the
 * board and the sequences share one hash slot): nothing to heal after a crash, and two projection
 * instances during a rebalance cannot put an older score back.
 */
export class AccountScoreProjection {
  private readonly projectAccountScores: ScriptCall<typeof PROJECT_ACCOUNT_SCORES>;

  constructor(
    redis: RedisClient,
    private readonly keys: KeyLayout,
    private readonly decoder: ChunkDecoder,
    private readonly metrics: ReadApiMetrics,
  ) {
    this.projectAccountScores = loadScript(redis, PROJECT_ACCOUNT_SCORES);
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const changes = await this.decoder.decode<AccountScoreChangedValue>('accountScoreChanged', topic, partition, messages);
    if (changes.length === 0) return;
    const latest = latestPerAccount(changes);
    // through redisOne: a Redis failure (a reply error too, e.g. LOADING after a restart) is retriable and pauses the partition
    const projected = await redisOne(
      this.projectAccountScores(
        [this.keys.accountLeaderboard(), this.keys.accountLeaderboardSequences()],
        ...latest.flatMap((c) => [c.accountId, c.sequence, c.score]),
      ),
    );
    this.metrics.accountsProjected.inc({ outcome: 'projected' }, projected);
    this.metrics.accountsProjected.inc({ outcome: 'ignored' }, changes.length - projected);
  }
}

/**
 * Per account, its change with the highest sequence, in the order the accounts first appear: what
 * projecting every change in turn would leave, sent as one triple per account. (A chunk holds
 * many changes of one busy account; only its newest can move the board.)
 */
export function latestPerAccount(changes: readonly ProjectedAccountScore[]): ProjectedAccountScore[] {
  const latest = new Map<string, ProjectedAccountScore>();
  for (const { accountId, sequence, score } of changes) {
    const seen = latest.get(accountId);
    if (!seen || sequence > seen.sequence) latest.set(accountId, { accountId, sequence, score });
  }
  return [...latest.values()];
}
