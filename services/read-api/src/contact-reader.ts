import { ErrorCode } from '@leadscore/errors';
import { ServiceError, type RedisClient } from '@leadscore/service-kit';
import { DEFAULT_SCORE_ID, decodeState, scoreAt, type CompiledGrid, type Contribution, type Grade } from '@leadscore/engine';
import {
  IdentityReader,
  isSealedState,
  StageReader,
  type ContactStage,
  type KeyLayout,
  type StageHistoryEntry,
} from '@leadscore/redis-layout';
import { RankedBoard } from './ranked-board.js';
import type { RecentScoreChange } from './score-change-projection.js';

export interface ContactView {
  /** The id asked for, kept even when it was merged away. */
  readonly contactId: string;
  /**
   * Only when `contactId` was merged away (docs/identity.md): the root it now resolves to. Every
   * other field is then the root's: its score, breakdown, thresholds, stage and changes.
   */
  readonly mergedInto?: string;
  readonly score: number;
  /** Rules with a non-zero count or points, in grid order (as `leadscore replay` prints them). */
  readonly breakdown: readonly Contribution[];
  readonly thresholdsReached: readonly { name: string; at: number }[];
  readonly lifecycle: { readonly stage: ContactStage | null; readonly history: readonly StageHistoryEntry[] };
  readonly recentChanges: readonly RecentScoreChange[];
  readonly grid: { readonly name: string; readonly version: number };
  /** The "now" the score was computed at (windowed rules depend on it). */
  readonly evaluatedAt: number;
  /**
   * A grid with several scores (docs/grid-authoring.md): every score with its groups, its own
   * rules' breakdown and thresholds reached; `score`, `breakdown` and `thresholdsReached` above
   * are then the first score's value, every rule, and the first score's thresholds.
   */
  readonly scores?: readonly ScoreView[];
  /** A grid with a grade matrix: the contact's cell (such as A1) and whether it qualifies. */
  readonly grade?: Grade;
}

/** One of a contact's scores, as the read API shows it. */
export interface ScoreView {
  readonly id: string;
  readonly label: string;
  readonly score: number;
  readonly groups: readonly { readonly id: string; readonly label: string; readonly value: number }[];
  /** Its rules (directly or through a group) with a non-zero count or points, in grid order. */
  readonly breakdown: readonly Contribution[];
  readonly thresholdsReached: readonly { name: string; at: number }[];
}

export interface LeaderboardEntry {
  readonly rank: number;
  readonly contactId: string;
  readonly score: number;
}

/** Which contact answers for an id: itself, or the root it was merged into. */
export interface Answering {
  /** The contact whose state, stage and changes answer. */
  readonly root: string;
  /** Set when the id asked for was merged away (then equal to `root`). */
  readonly mergedInto?: string;
}

/**
 * Answers the read API's questions. The score and breakdown are computed at request time by the
 * engine from the scorer's state (`scoreAt(grid, state, now)`): the same function the scorer and
 * `leadscore replay` use, so they cannot disagree. Stage and history come from the lifecycle
 * service's keys (read-only), recent changes and the leaderboard from the score-changed projection.
 * An id merged into another answers with its root's figures (docs/identity.md): its own state key
 * then holds a sealed value, which is never decoded as a state.
 */
export class ContactReader {
  private readonly stages: StageReader;
  private readonly identity: IdentityReader;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    grid: CompiledGrid | { current(): CompiledGrid },
  ) {
    this.stages = new StageReader(redis, keys);
    this.identity = new IdentityReader(redis, keys);
    this.gridNow = 'current' in grid ? () => grid.current() : () => grid;
  }

  /** The grid scores are computed with: fixed, or the one the scorers run now (RunningGridFollower). */
  private readonly gridNow: () => CompiledGrid;

  private get grid(): CompiledGrid {
    return this.gridNow();
  }

  /**
   * The contact that answers for `contactId`; null when neither it nor (merged away) its root has
   * a stored state. A merged-away id answers exactly what its root answers.
   *
   * @throws ServiceError UNAVAILABLE (retriable, HTTP 503) when a sealed state has no root yet in
   *   the identity forest: a merge being applied; asked again shortly, it answers for the root
   */
  async answering(contactId: string): Promise<Answering | null> {
    const resolved = await this.resolve(contactId);
    return resolved && (resolved.mergedInto ? { root: resolved.root, mergedInto: resolved.mergedInto } : { root: resolved.root });
  }

  /** null when the scorer never stored a state for the contact (nor for its root, when merged away). */
  async contact(contactId: string, now: number, recentLimit = 10, historyLimit = 10): Promise<ContactView | null> {
    const resolved = await this.resolve(contactId);
    if (resolved === null) return null;
    const { root, raw } = resolved;
    const [stage, history, recentChanges] = await Promise.all([
      this.stages.readStage(root),
      this.stages.readHistory(root, historyLimit),
      this.recentChanges(root, recentLimit),
    ]);
    const grid = this.grid;
    const { score, contributions, scores, grade } = scoreAt(grid, decodeState(raw), now);
    const counted = (c: Contribution) => c.count !== 0 || c.points !== 0;
    const several = grid.multiScore
      ? {
          scores: scores.map((s, i) => ({
            id: s.id,
            label: s.label,
            score: s.score,
            groups: s.groups,
            breakdown: s.rules.map((r) => contributions[r] as Contribution).filter(counted),
            thresholdsReached: reached(grid.scores[i]?.thresholds ?? [], s.score),
          })),
          ...(grade !== null && { grade }),
        }
      : {};
    return {
      contactId,
      ...(resolved.mergedInto ? { mergedInto: resolved.mergedInto } : {}),
      score,
      breakdown: contributions.filter(counted),
      thresholdsReached: reached(grid.thresholds, score),
      lifecycle: { stage, history },
      recentChanges,
      grid: { name: grid.name, version: grid.version },
      evaluatedAt: now,
      ...several,
    };
  }

  /** The answering contact with its (unsealed) state value. */
  private async resolve(contactId: string): Promise<(Answering & { raw: string }) | null> {
    const [raw, root] = await Promise.all([this.redis.get(this.keys.contactState(contactId)), this.identity.rootOf(contactId)]);
    if (root === contactId) {
      if (raw === null) return null;
      if (isSealedState(raw)) throw mergeInProgress();
      return { root, raw };
    }
    const rootRaw = await this.redis.get(this.keys.contactState(root));
    if (rootRaw === null) return null;
    if (isSealedState(rootRaw)) throw mergeInProgress();
    return { root, mergedInto: root, raw: rootRaw };
  }

  async recentChanges(contactId: string, limit: number): Promise<RecentScoreChange[]> {
    const raws = await this.redis.lrange(this.keys.recentChanges(contactId), 0, limit - 1);
    return raws.map((raw) => {
      const entry = JSON.parse(raw) as RecentScoreChange;
      // entries projected before changes carried their score: all were the one score's
      return entry.scoreId === undefined ? { ...entry, scoreId: DEFAULT_SCORE_ID } : entry;
    });
  }

  /** The scores a leaderboard ranks, the first one by default: the running grid's score ids. */
  scoreIds(): string[] {
    return this.grid.scores.map((score) => score.id);
  }

  /**
   * Contacts by their latest emitted value of one score (the grid's first by default), highest
   * first (ties: contactId, descending).
   */
  async leaderboard(limit: number, scoreId = this.scoreIds()[0]!): Promise<{ total: number; contacts: LeaderboardEntry[] }> {
    const { total, entries } = await this.board(scoreId).top(limit);
    return { total, contacts: entries.map(({ rank, id, score }) => ({ rank, contactId: id, score })) };
  }

  async leaderboardSize(scoreId = this.scoreIds()[0]!): Promise<number> {
    return this.board(scoreId).size();
  }

  private board(scoreId: string): RankedBoard {
    return new RankedBoard(this.redis, this.keys.leaderboard(scoreId));
  }
}

/** The thresholds a score is at or above. */
function reached(thresholds: readonly { name: string; at: number }[], score: number): { name: string; at: number }[] {
  return thresholds.filter((t) => score >= t.at).map((t) => ({ name: t.name, at: t.at }));
}

/**
 * A sealed state the forest names no root beyond (yet): a merge is being applied, or the root was
 * merged away between our two reads. Either way the next request answers.
 */
function mergeInProgress(): ServiceError {
  return new ServiceError(ErrorCode.Unavailable, 'the contact is being merged into another; retry shortly');
}
