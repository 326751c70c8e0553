import type { RedisClient } from '@leadscore/service-kit';
import { decodeState, scoreAt, type CompiledGrid, type Contribution } from '@leadscore/engine';
import { StageReader, type ContactStage, type KeyLayout, type StageHistoryEntry } from '@leadscore/redis-layout';
import type { RecentScoreChange } from './score-change-projection.js';

export interface ContactView {
  readonly contactId: string;
  readonly score: number;
  /** Rules with a non-zero count or points, in grid order (as `leadscore replay` prints them). */
  readonly breakdown: readonly Contribution[];
  readonly thresholdsReached: readonly { name: string; at: number }[];
  readonly lifecycle: { readonly stage: ContactStage | null; readonly history: readonly StageHistoryEntry[] };
  readonly recentChanges: readonly RecentScoreChange[];
  readonly grid: { readonly name: string; readonly version: number };
  /** The "now" the score was computed at (windowed rules depend on it). */
  readonly evaluatedAt: number;
}

export interface LeaderboardEntry {
  readonly rank: number;
  readonly contactId: string;
  readonly score: number;
}

/**
 * Answers the read API's questions. The score and breakdown are computed at request time by the
 * engine from the scorer's state (`scoreAt(grid, state, now)`): the same function the scorer and
 * `leadscore replay` use, so they cannot disagree. Stage and history come from the lifecycle
 * service's keys (read-only), recent changes and the leaderboard from the score-changed projection.
 */
export class ContactReader {
  private readonly stages: StageReader;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    grid: CompiledGrid | { current(): CompiledGrid },
  ) {
    this.stages = new StageReader(redis, keys);
    this.gridNow = 'current' in grid ? () => grid.current() : () => grid;
  }

  /** The grid scores are computed with: fixed, or the one the scorers run now (RunningGridFollower). */
  private readonly gridNow: () => CompiledGrid;

  private get grid(): CompiledGrid {
    return this.gridNow();
  }

  /** null when the scorer never stored a state for the contact. */
  async contact(contactId: string, now: number, recentLimit = 10, historyLimit = 10): Promise<ContactView | null> {
    const raw = await this.redis.get(this.keys.contactState(contactId));
    if (raw === null) return null;
    const [stage, history, recentChanges] = await Promise.all([
      this.stages.readStage(contactId),
      this.stages.readHistory(contactId, historyLimit),
      this.recentChanges(contactId, recentLimit),
    ]);
    const { score, contributions } = scoreAt(this.grid, decodeState(raw), now);
    return {
      contactId,
      score,
      breakdown: contributions.filter((c) => c.count !== 0 || c.points !== 0),
      thresholdsReached: this.grid.thresholds.filter((t) => score >= t.at).map((t) => ({ name: t.name, at: t.at })),
      lifecycle: { stage, history },
      recentChanges,
      grid: { name: this.grid.name, version: this.grid.version },
      evaluatedAt: now,
    };
  }

  async exists(contactId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.contactState(contactId))) === 1;
  }

  async recentChanges(contactId: string, limit: number): Promise<RecentScoreChange[]> {
    const raws = await this.redis.lrange(this.keys.recentChanges(contactId), 0, limit - 1);
    return raws.map((raw) => JSON.parse(raw) as RecentScoreChange);
  }

  /** Contacts by their latest emitted score, highest first (ties: contactId, descending). */
  async leaderboard(limit: number): Promise<{ total: number; contacts: LeaderboardEntry[] }> {
    const total = await this.redis.zcard(this.keys.leaderboard());
    const flat = limit > 0 ? await this.redis.zrevrange(this.keys.leaderboard(), 0, limit - 1, 'WITHSCORES') : [];
    const contacts: LeaderboardEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      contacts.push({ rank: i / 2 + 1, contactId: flat[i]!, score: Number(flat[i + 1]) });
    return { total, contacts };
  }

  async leaderboardSize(): Promise<number> {
    return this.redis.zcard(this.keys.leaderboard());
  }
}
