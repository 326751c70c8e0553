import type { KafkaMessage } from 'kafkajs';
import type { ContactMergedValue, ScoreChangedValue, TopicNames } from '@leadscore/contracts';
import { DEFAULT_SCORE_ID } from '@leadscore/engine';
import { loadScript, PROJECT_LEADERBOARD, PROJECT_SCORE_CHANGE, type KeyLayout, type ScriptCall } from '@leadscore/redis-layout';
import { redisAll, redisOne, type RedisClient } from '@leadscore/service-kit';
import type { ChunkDecoder } from './chunk-decoder.js';
import type { ReadApiMetrics } from './metrics.js';

/** One recent score change of a contact, as the read API shows it. */
export interface RecentScoreChange {
  readonly id: string;
  /** Which score changed: `score` for a grid of one score, else the id of one of its `scores`. */
  readonly scoreId: string;
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
 * with their causes, and per score a leaderboard sorted set of latest values (a grid of one
 * score has one board; a grid with `scores`, one per score). Idempotent: a change whose
 * sequence is not above the last projected one is ignored, and the leaderboard entry is always
 * (re)written with the latest projected value and the contact's sequence, so a crash between
 * the two writes heals itself on redelivery. A contact's scores share one sequence, so one
 * guard covers them all and the recent changes list every score's changes in order.
 *
 * The two writes are in different hash slots (the contact's, the leaderboard's), so they cannot
 * be one script, and two instances projecting changes of one contact (two read API replicas, a
 * rebalance whose old owner is slow) may write the leaderboard in the other order than they
 * projected. project-leaderboard-2.lua therefore writes an entry only with a sequence above the
 * one it recorded for the contact: the leaderboard only ever moves to a newer change.
 *
 * Merged-away contacts (docs/identity.md) leave every leaderboard: their root stands for them. A
 * contact-merged message takes its contactId off, and a score change of a contact that has a
 * parent in the identity forest removes it instead of writing it (its last change, to 0, may be
 * projected after the contact-merged message). Both rely on the scorer writing the parent entry
 * before it emits a merge's outputs. A removal is recorded for good beside the sequences, so a
 * change that another instance read no parent for before the forest was linked, written late,
 * cannot list the contact again.
 */
export class ScoreChangeProjection {
  private readonly projectScoreChange: ScriptCall<typeof PROJECT_SCORE_CHANGE>;
  private readonly projectLeaderboard: ScriptCall<typeof PROJECT_LEADERBOARD>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    private readonly decoder: ChunkDecoder,
    private readonly topics: TopicNames,
    private readonly metrics: ReadApiMetrics,
    private readonly recentLength: number,
    /**
     * The scores projected: the running grid's (`score` for a grid of one score). Changes of
     * any other score id (a grid changed meanwhile) are skipped, counted as ignored.
     */
    private readonly projectedScores: () => readonly string[] = () => [DEFAULT_SCORE_ID],
  ) {
    this.projectScoreChange = loadScript(redis, PROJECT_SCORE_CHANGE);
    this.projectLeaderboard = loadScript(redis, PROJECT_LEADERBOARD);
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const scoreIds = this.projectedScores();
    if (topic === this.topics.contactMerged) {
      const merges = await this.decoder.decode<ContactMergedValue>('contactMerged', topic, partition, messages);
      const mergedAway = new Set(merges.map((m) => m.contactId));
      await Promise.all(scoreIds.map((scoreId) => this.writeBoard(scoreId, [], mergedAway)));
      return;
    }
    const projected = new Set(scoreIds);
    const decoded = await this.decoder.decode<ScoreChangedValue>('scoreChanged', topic, partition, messages);
    const changes = decoded.filter((c) => projected.has(scoreIdOf(c)));
    this.metrics.projected.inc({ outcome: 'ignored' }, decoded.length - changes.length);
    if (changes.length === 0) return;

    // issued together, awaited together: one auto-pipelined round trip, per node on a cluster
    const calls: ReturnType<typeof this.projectScoreChange>[] = [];
    for (const c of changes) {
      const entry: RecentScoreChange = {
        id: c.id,
        scoreId: scoreIdOf(c),
        sequence: c.sequence,
        previousScore: c.previousScore,
        score: c.score,
        delta: c.delta,
        cause: c.cause,
        changedRules: c.changedContributions,
        grid: { name: c.gridName, version: c.gridVersion },
        evaluatedAt: c.evaluatedAt,
      };
      calls.push(
        this.projectScoreChange(
          [this.keys.recentChanges(c.contactId), this.keys.projection(c.contactId)],
          c.sequence,
          c.score,
          JSON.stringify(entry),
          this.recentLength,
          this.keys.projectionScoreField(entry.scoreId),
        ),
      );
    }
    const results = await redisAll(calls);
    // per score and contact, its latest projected change: what that score's leaderboard should show
    const latest = new Map<string, Map<string, Listing>>(scoreIds.map((id) => [id, new Map()]));
    changes.forEach((c, i) => {
      const [projected, score, sequence] = results[i]!;
      this.metrics.projected.inc({ outcome: projected === 1 ? 'projected' : 'ignored' });
      if (score === null || sequence === null) return;
      const board = latest.get(scoreIdOf(c))!;
      const seen = board.get(c.contactId);
      if (!seen || Number(sequence) > seen.sequence) {
        board.set(c.contactId, { contactId: c.contactId, sequence: Number(sequence), score: Number(score) });
      }
    });
    const ids = [...new Set([...latest.values()].flatMap((board) => [...board.keys()]))];
    if (ids.length === 0) return;
    // every Redis call through redisAll or redisOne: a failure (a reply error too, e.g. LOADING after a restart) is retriable
    const parents = await redisOne(this.redis.hmget(this.keys.identityParents(), ...ids));
    const mergedAway = new Set(ids.filter((_, i) => parents[i] !== null));
    await Promise.all(
      [...latest].map(([scoreId, board]) =>
        this.writeBoard(
          scoreId,
          [...board.values()].filter((l) => !mergedAway.has(l.contactId)),
          new Set([...board.keys()].filter((id) => mergedAway.has(id))),
        ),
      ),
    );
  }

  /**
   * Lists contacts at their latest projected value of one score and takes merged-away contacts
   * off for good (their root is listed instead): one script call on that board's slot, which
   * refuses what is not newer than what it already holds.
   */
  private async writeBoard(scoreId: string, listings: readonly Listing[], mergedAway: ReadonlySet<string>): Promise<void> {
    if (listings.length === 0 && mergedAway.size === 0) return;
    const [, unlisted] = await redisOne(
      this.projectLeaderboard(
        [this.keys.leaderboard(scoreId), this.keys.leaderboardSequences(scoreId)],
        ...listings.flatMap((l) => [l.contactId, l.sequence, l.score]),
        ...[...mergedAway].flatMap((contactId) => [contactId, 'merged', '']),
      ),
    );
    this.metrics.unlisted.inc(unlisted);
  }
}

function scoreIdOf(change: ScoreChangedValue): string {
  return change.scoreId ?? DEFAULT_SCORE_ID;
}

/** A contact's entry on the leaderboard, as of its change `sequence`. */
interface Listing {
  readonly contactId: string;
  readonly sequence: number;
  readonly score: number;
}
