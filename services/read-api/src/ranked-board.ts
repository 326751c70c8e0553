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

  /**
   * The count and the entries are read in one MULTI: read one after the other, a projection
   * writing between them gave a total that disagreed with the entries listed (an id taken off
   * between the two reads was missing from the entries and still counted).
   */
  async top(limit: number): Promise<{ total: number; entries: RankedEntry[] }> {
    const transaction = this.redis.multi().zcard(this.key);
    if (limit > 0) transaction.zrevrange(this.key, 0, limit - 1, 'WITHSCORES');
    const replies = await transaction.exec();
    const [total, flat] = (replies ?? []).map(([error, reply]) => {
      if (error) throw error;
      return reply;
    }) as [number, string[] | undefined];
    const entries: RankedEntry[] = [];
    const ranked = flat ?? [];
    for (let i = 0; i + 1 < ranked.length; i += 2)
      entries.push({ rank: i / 2 + 1, id: ranked[i]!, score: Number(ranked[i + 1]) });
    return { total, entries };
  }
}
