import type { KafkaMessage } from 'kafkajs';
import type { ContactMergedValue, ScoreChangedValue, TopicNames } from '@leadscore/contracts';
import { loadScript, PROJECT_SCORE_CHANGE, type KeyLayout, type ScriptCall } from '@leadscore/redis-layout';
import { redisAll, type RedisClient } from '@leadscore/service-kit';
import type { ChunkDecoder } from './chunk-decoder.js';
import type { ReadApiMetrics } from './metrics.js';

/** One recent score change of a contact, as the read API shows it. */
export interface RecentScoreChange {
  readonly id: string;
  readonly sequence: number;
  readonly previousScore: number;
  readonly score: number;
  readonly delta: number;
  readonly cause: { readonly kind: 'EVENT' | 'DECAY' | 'GRID_CHANGE' | 'MERGE'; readonly eventId: string | null };
  readonly changedRules: readonly {
    ruleId: string;
    label: string | null;
    count: number;
    points: number;
    previousPoints: number;
  }[];
  readonly grid: { readonly name: string; readonly version: number };
  readonly evaluatedAt: number;
}

/**
 * The read side's projection of score-changed: per contact a capped list of recent changes
 * with their causes, and a leaderboard sorted set of latest scores. Idempotent: a change whose
 * sequence is not above the last projected one is ignored, and the leaderboard entry is always
 * (re)written with the latest projected score, so a crash between the two writes heals itself
 * on redelivery.
 *
 * Merged-away contacts (docs/identity.md) leave the leaderboard: their root stands for them. A
 * contact-merged message takes its contactId off, and a score change of a contact that has a
 * parent in the identity forest removes it instead of writing it (its last change, to 0, may be
 * projected after the contact-merged message). Both rely on the scorer writing the parent entry
 * before it emits a merge's outputs.
 */
export class ScoreChangeProjection {
  private readonly projectScoreChange: ScriptCall<typeof PROJECT_SCORE_CHANGE>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    private readonly decoder: ChunkDecoder,
    private readonly topics: TopicNames,
    private readonly metrics: ReadApiMetrics,
    private readonly recentLength: number,
  ) {
    this.projectScoreChange = loadScript(redis, PROJECT_SCORE_CHANGE);
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    if (topic === this.topics.contactMerged) {
      const merges = await this.decoder.decode<ContactMergedValue>('contactMerged', topic, partition, messages);
      await this.unlist(new Set(merges.map((m) => m.contactId)));
      return;
    }
    const changes = await this.decoder.decode<ScoreChangedValue>('scoreChanged', topic, partition, messages);
    if (changes.length === 0) return;

    // issued together, awaited together: one auto-pipelined round trip, per node on a cluster
    const projected: Promise<[projected: number, score: string | null]>[] = [];
    for (const c of changes) {
      const entry: RecentScoreChange = {
        id: c.id,
        sequence: c.sequence,
        previousScore: c.previousScore,
        score: c.score,
        delta: c.delta,
        cause: c.cause,
        changedRules: c.changedContributions,
        grid: { name: c.gridName, version: c.gridVersion },
        evaluatedAt: c.evaluatedAt,
      };
      projected.push(
        this.projectScoreChange(
          [this.keys.recentChanges(c.contactId), this.keys.projection(c.contactId)],
          c.sequence,
          c.score,
          JSON.stringify(entry),
          this.recentLength,
        ),
      );
    }
    const results = await redisAll(projected);
    const latest = new Map<string, number>();
    changes.forEach((c, i) => {
      const [projected, score] = results[i]!;
      this.metrics.projected.inc({ outcome: projected === 1 ? 'projected' : 'ignored' });
      if (score !== null) latest.set(c.contactId, Number(score));
    });
    if (latest.size === 0) return;
    const ids = [...latest.keys()];
    const parents = await this.redis.hmget(this.keys.identityParents(), ...ids);
    const mergedAway = new Set(ids.filter((_, i) => parents[i] !== null));
    const listed = [...latest].filter(([contactId]) => !mergedAway.has(contactId));
    await redisAll(listed.map(([contactId, score]) => this.redis.zadd(this.keys.leaderboard(), score, contactId)));
    await this.unlist(mergedAway);
  }

  /** Takes merged-away contacts off the leaderboard (their root is listed instead). */
  private async unlist(contactIds: ReadonlySet<string>): Promise<void> {
    if (contactIds.size === 0) return;
    const removed = await this.redis.zrem(this.keys.leaderboard(), ...contactIds);
    this.metrics.unlisted.inc(removed);
  }
}
