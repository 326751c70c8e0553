import { readFileSync } from 'node:fs';
import type { KafkaMessage, Message } from 'kafkajs';
import type { AvroCodec, PartitionedSender, ScoreChangedValue, TopicNames } from '@leadscore/contracts';
import { deadLetterFor, isRetriable, redisAll, ServiceError, type RedisClient } from '@leadscore/service-kit';
import type { ReadApiMetrics } from './metrics.js';
import type { ReadKeys } from './read-keys.js';

/** Bump when the Lua script changes: two versions of the code never run each other's scripts. */
const SCRIPT_VERSION = 'v1';
const PROJECT = `leadscoreProjectScoreChange_${SCRIPT_VERSION}`;

/** One recent score change of a contact, as the read API shows it. */
export interface RecentScoreChange {
  readonly id: string;
  readonly sequence: number;
  readonly previousScore: number;
  readonly score: number;
  readonly delta: number;
  readonly cause: { readonly kind: 'EVENT' | 'DECAY' | 'GRID_CHANGE'; readonly eventId: string | null };
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

type Scripted = Record<
  typeof PROJECT,
  (recentKey: string, projectionKey: string, sequence: number, score: number, entry: string, keep: number) => Promise<unknown>
>;

/**
 * The read side's projection of score-changed: per contact a capped list of recent changes
 * with their causes, and a leaderboard sorted set of latest scores. Idempotent: a change whose
 * sequence is not above the last projected one is ignored, and the leaderboard entry is always
 * (re)written with the latest projected score, so a crash between the two writes heals itself
 * on redelivery.
 */
export class ScoreChangeProjection {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ReadKeys,
    private readonly codec: AvroCodec,
    private readonly sender: PartitionedSender,
    private readonly topics: TopicNames,
    private readonly metrics: ReadApiMetrics,
    private readonly recentLength: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(PROJECT in redis)) {
      redis.defineCommand(PROJECT, {
        numberOfKeys: 2,
        lua: readFileSync(new URL('./lua/project-score-change-2.lua', import.meta.url), 'utf8'),
      });
    }
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const changes: ScoreChangedValue[] = [];
    const deadLetters: Message[] = [];
    for (const message of messages) {
      try {
        changes.push(await this.codec.decode<ScoreChangedValue>('scoreChanged', message.value ?? null));
      } catch (error) {
        if (isRetriable(error)) throw error;
        const e = error as { code?: string; message: string };
        deadLetters.push(
          await deadLetterFor(
            this.codec,
            'read-api',
            { topic, partition, message },
            e.code ?? 'UNDECODABLE',
            e.message,
            this.now(),
          ),
        );
      }
    }
    if (deadLetters.length > 0) {
      try {
        await this.sender.sendBatch([{ topic: this.topics.deadLetters, messages: deadLetters }]);
      } catch (error) {
        throw new ServiceError('PUBLISH_FAILED', `producing dead letters failed: ${(error as Error).message}`, true, {
          cause: error,
        });
      }
      this.metrics.deadLettered.inc(deadLetters.length);
    }
    if (changes.length === 0) return;

    const scripted = this.redis as unknown as Scripted;
    // issued together, awaited together: one auto-pipelined round trip, per node on a cluster
    const projected: Promise<unknown>[] = [];
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
        scripted[PROJECT](
          this.keys.recent(c.contactId),
          this.keys.projection(c.contactId),
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
      const [projected, score] = results[i] as [number, string | null];
      this.metrics.projected.inc({ outcome: projected === 1 ? 'projected' : 'ignored' });
      if (score !== null) latest.set(c.contactId, Number(score));
    });
    await redisAll([...latest].map(([contactId, score]) => this.redis.zadd(this.keys.leaderboard(), score, contactId)));
  }
}
