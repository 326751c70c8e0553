import type { RedisClient } from '@leadscore/service-kit';

/** One row of a leaderboard: its 1-based rank, the id ranked and its score. */
export interface RankedEntry {
  readonly rank: number;
  readonly id: string;
  readonly score: number;
}

/** What a leaderboard route reads: how many are ranked, and the first `limit` of them. */
export interface Leaderboard {
  size(): Promise<number>;
  top(limit: number): Promise<{ total: number; entries: RankedEntry[] }>;
}

/**
 * A leaderboard kept as one Redis sorted set (the contacts' and the accounts' boards, written by
 * the read API's projections): highest score first, ties by id, descending (ZREVRANGE's order).
 */
export class RankedBoard implements Leaderboard {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  size(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  async top(limit: number): Promise<{ total: number; entries: RankedEntry[] }> {
    const total = await this.redis.zcard(this.key);
    const flat = limit > 0 ? await this.redis.zrevrange(this.key, 0, limit - 1, 'WITHSCORES') : [];
    const entries: RankedEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ rank: i / 2 + 1, id: flat[i]!, score: Number(flat[i + 1]) });
    return { total, entries };
  }
}
