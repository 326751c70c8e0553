import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicNames } from '@leadscore/contracts';
import { ErrorCode, isRetriable } from '@leadscore/errors';
import { KeyLayout, PROJECT_ACCOUNT_SCORES, PROJECT_LEADERBOARD, PROJECT_SCORE_CHANGE } from '@leadscore/redis-layout';
import type { RedisClient } from '@leadscore/service-kit';
import { AccountScoreProjection, ReadApiMetrics, ScoreChangeProjection, type ChunkDecoder } from '../src/index.js';

/** What ioredis rejects with while a restarted Redis loads its data: a reply error, no retriable flag of its own. */
const loading = () => Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' });

/**
 * A client whose scripts and HMGET answer from `answers` (by script command name, or `hmget`);
 * an answer that is a function is called, so it may reject.
 */
function fakeRedis(answers: Record<string, () => Promise<unknown>>): RedisClient {
  const client: Record<string, unknown> = {
    defineCommand(name: string) {
      client[name] = () => answers[name]!();
    },
    hmget: () => answers['hmget']!(),
  };
  return client as unknown as RedisClient;
}

const decoderOf = (values: unknown[]) => ({ decode: async () => values }) as unknown as ChunkDecoder;
const topics = topicNames('ls');
const keys = new KeyLayout('ls');

/**
 * The projections' Redis failures must be retriable, whatever ioredis rejects with: the consumer
 * then pauses the partition and retries it (service-kit's chunk loop), where an error it does not
 * know as retriable would crash the consumer.
 */
describe('the read API projections when Redis fails', () => {
  const change = {
    id: 'sc-1',
    contactId: 'c-1',
    sequence: 1,
    previousScore: 0,
    score: 500,
    delta: 500,
    cause: { kind: 'EVENT', eventId: 'e-1' },
  };

  it("fail retriably (REDIS_UNAVAILABLE) when the contact leaderboard's identity read is refused", async () => {
    const redis = fakeRedis({
      [PROJECT_SCORE_CHANGE.commandName]: async () => [1, '500', '1'],
      hmget: () => Promise.reject(loading()),
      [PROJECT_LEADERBOARD.commandName]: async () => [1, 0],
    });
    const projection = new ScoreChangeProjection(redis, keys, decoderOf([change]), topics, new ReadApiMetrics(), 10);
    const failure = await projection.handle(topics.scoreChanged, 0, [] as KafkaMessage[]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(isRetriable(failure)).toBe(true);
  });

  it('fail retriably when the contact leaderboard write is refused (a score change, and a contact-merged)', async () => {
    const redis = fakeRedis({
      [PROJECT_SCORE_CHANGE.commandName]: async () => [1, '500', '1'],
      hmget: async () => [null],
      [PROJECT_LEADERBOARD.commandName]: () => Promise.reject(loading()),
    });
    const merged = { id: 'm-1:c-2', contactId: 'c-2', mergedInto: 'c-1', mergeEventId: 'm-1', occurredAt: 0, emittedAt: 0 };
    for (const [topic, values] of [
      [topics.scoreChanged, [change]],
      [topics.contactMerged, [merged]],
    ] as const) {
      const projection = new ScoreChangeProjection(redis, keys, decoderOf([...values]), topics, new ReadApiMetrics(), 10);
      const failure = await projection.handle(topic, 0, [] as KafkaMessage[]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(isRetriable(failure), topic).toBe(true);
    }
  });

  it("fail retriably when the account leaderboard's script is refused", async () => {
    const redis = fakeRedis({ [PROJECT_ACCOUNT_SCORES.commandName]: () => Promise.reject(loading()) });
    const projection = new AccountScoreProjection(
      redis,
      keys,
      decoderOf([{ accountId: 'acme', sequence: 1, score: 100 }]),
      new ReadApiMetrics(),
    );
    const failure = await projection.handle('t', 0, [] as KafkaMessage[]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(isRetriable(failure)).toBe(true);
  });
});
