import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeadLetterValue, ScoreChangedValue } from '@leadscore/contracts';
import { loadReadApiConfig, ReadApiService } from '@leadscore/read-api';
import { loadGridFile } from '@leadscore/service-kit';
import { serviceEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

describe('read API projection of score changes', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('projects score changes into the leaderboard and dead-letters what does not decode, with its origin', async () => {
    const { topics, codec, kafka } = await freshTopics('read-api', 2);
    const keyPrefix = ctx.uniqueName('read-api');
    const config = loadReadApiConfig({
      ...serviceEnv(topics, keyPrefix),
      READ_API_GROUP_ID: `${keyPrefix}-group`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      PROVISION: 'false',
    });
    const service = new ReadApiService({ config, logger: pino({ level: 'silent' }) }, await loadGridFile(STARTER_GRID));
    cleanup.push(() => service.stop());
    await service.start();
    const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
    cleanup.push(() => deadLetters.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const change: ScoreChangedValue = {
      id: 'sc-1',
      contactId: 'c-projected',
      sequence: 1,
      previousScore: 0,
      score: 1500,
      delta: 1500,
      gridName: 'starter',
      gridVersion: 1,
      cause: { kind: 'EVENT', eventId: 'e-1' },
      changedContributions: [],
      evaluatedAt: Date.now(),
    };
    await producer.send({ topic: topics.scoreChanged, acks: -1, messages: [{ key: 'c-bad', value: Buffer.from('not avro') }] });
    await producer.send({
      topic: topics.scoreChanged,
      acks: -1,
      messages: [{ key: change.contactId, value: await codec.encode('scoreChanged', change) }],
    });

    await deadLetters.waitFor((items) => items.length >= 1, 30_000, 'a dead letter');
    expect(deadLetters.items).toHaveLength(1);
    expect(deadLetters.items[0]!.value).toMatchObject({
      reason: 'UNDECODABLE',
      sourceTopic: topics.scoreChanged,
      failedBy: 'read-api',
    });

    const leaderboard = `http://127.0.0.1:${service.httpPort}/leaderboard?limit=5`;
    const deadline = Date.now() + 30_000;
    let board: { contacts: unknown[] } = { contacts: [] };
    while (board.contacts.length === 0) {
      if (Date.now() > deadline) throw new Error('the score change never reached the leaderboard');
      board = (await (await fetch(leaderboard)).json()) as typeof board;
      if (board.contacts.length === 0) await new Promise((r) => setTimeout(r, 200)); // poll interval
    }
    expect(board.contacts).toEqual([{ rank: 1, contactId: 'c-projected', score: 1500 }]);
  });
});
