import { afterAll, describe, expect, it } from 'vitest';
import { RankedBoard } from '@leadscore/read-api';
import { testContext, testRedis } from '../support/test-context.js';

/**
 * A leaderboard answer counts what it lists. The board's client is wrapped so that a projection's
 * write (an entry taken off) lands right after the first reply the board gets, the window in which
 * a count and a range read one after the other disagree. Real Redis; only that moment is arranged.
 */
describe('a leaderboard answer is one snapshot (real Redis)', () => {
  const ctx = testContext();
  const redis = testRedis();
  const writer = testRedis();
  afterAll(() => {
    redis.disconnect();
    writer.disconnect();
  });

  /**
   * `client`, except that the first reply it (or a pipeline or MULTI it starts) gets is followed by
   * `write` before the caller sees that reply.
   */
  function writingAfterFirstReply<T extends object>(client: T, write: () => Promise<unknown>): T {
    let written = false;
    const wrap = <O extends object>(on: O): O =>
      new Proxy(on, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (result instanceof Promise) {
              return result.then(async (reply: unknown) => {
                if (!written) {
                  written = true;
                  await write();
                }
                return reply;
              });
            }
            // a pipeline or MULTI: its exec() is a reply too
            return typeof result === 'object' && result !== null && 'exec' in result ? wrap(result) : result;
          };
        },
      });
    return wrap(client);
  }

  it('its total is the number of entries it lists when all fit, though an entry is taken off while it reads', async () => {
    const key = `${ctx.uniqueName('ranked')}:leaderboard`;
    await redis.zadd(key, 900, 'c-1', 700, 'c-2', 500, 'c-3');
    const board = new RankedBoard(
      writingAfterFirstReply(redis, () => writer.zrem(key, 'c-2')),
      key,
    );
    const { total, entries } = await board.top(50);
    expect(await redis.zcard(key)).toBe(2); // the write did land during the read
    expect(entries.map((e) => e.id)).toEqual(total === 3 ? ['c-1', 'c-2', 'c-3'] : ['c-1', 'c-3']);
    expect(total).toBe(entries.length);
    expect(entries.map((e) => e.rank)).toEqual(entries.map((_, i) => i + 1));
    await redis.del(key);
  });
});
