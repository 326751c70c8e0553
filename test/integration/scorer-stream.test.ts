import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, decodeState, loadGrid, scoreAt } from '@leadscore/engine';
import { readFileSync } from 'node:fs';
import { KeyLayout } from '@leadscore/redis-layout';
import type { ScorerService } from '@leadscore/scorer';
import { collectOutputs, freshTopics, produceEvents, type RawEvent } from '../support/streams.js';
import { scorerEnv, startScorerInProcess, STARTER_GRID } from '../support/scorer-harness.js';
import { pollUntil } from '../support/poll-until.js';
import { testContext, testRedis } from '../support/test-context.js';

const DAY = 86_400_000;

describe('streaming scorer (real Kafka, registry, Redis)', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('scores the spec seed example: 1500, one MQL up-crossing, increasing sequences, no output for changes-nothing events', async () => {
    const { topics, codec, kafka } = await freshTopics('seed');
    const keyPrefix = ctx.uniqueName('seed');
    const scorer: ScorerService = await startScorerInProcess(scorerEnv(topics, keyPrefix));
    cleanup.push(() => scorer.stop());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);

    const t0 = Date.now() - 5 * DAY;
    const seed: RawEvent[] = [
      { eventId: 's1', contactId: 'c-seed', type: 'page_viewed', occurredAt: t0, properties: { path: '/pricing' } },
      { eventId: 's2', contactId: 'c-seed', type: 'page_viewed', occurredAt: t0 + DAY, properties: { path: '/pricing' } },
      { eventId: 's3', contactId: 'c-seed', type: 'page_viewed', occurredAt: t0 + 2 * DAY, properties: { path: '/pricing' } },
      {
        eventId: 's4',
        contactId: 'c-seed',
        type: 'asset_downloaded',
        occurredAt: t0 + 3 * DAY,
        properties: { velocity: 'high' },
      },
      { eventId: 's2', contactId: 'c-seed', type: 'page_viewed', occurredAt: t0 + DAY, properties: { path: '/pricing' } }, // duplicate
      { eventId: 's5', contactId: 'c-seed', type: 'email_unsubscribed', occurredAt: t0 + 4 * DAY },
    ];
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await produceEvents(producer, codec, topics, seed);

    const got = await changes.waitFor((items) => items.some((i) => i.value.score === 1500), 60_000, 'the final score 1500');
    const scores = got.map((i) => i.value.score);
    // /pricing 1 → 500, 2 → 1000, 3rd visit changes nothing, asset +1000 → 2000, duplicate nothing, unsubscribe → 1500
    expect(scores).toEqual([500, 1000, 2000, 1500]);
    expect(got.map((i) => i.value.sequence)).toEqual([1, 2, 3, 4]);
    expect(got.every((i) => i.key === 'c-seed' && i.value.gridName === 'starter' && i.value.gridVersion === 1)).toBe(true);
    expect(got[3]!.value.cause).toEqual({ kind: 'EVENT', eventId: 's5' });
    expect(got[3]!.value.changedContributions).toEqual([
      { ruleId: 'opt-out', label: 'Unsubscribed from all emails', count: 1, points: -500, previousPoints: 0 },
    ]);

    const up = await crossings.waitFor((items) => items.length >= 1, 30_000, 'the MQL crossing');
    expect(up.map((c) => [c.value.threshold, c.value.direction, c.value.score, c.value.sequence])).toEqual([
      ['MQL', 'UP', 1000, 2],
    ]);

    // The Redis state scores the same as the engine says; the outbox, produced, is cleared by the
    // next round trip or, the stream gone quiet, by the idle flush.
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const keys = new KeyLayout(keyPrefix);
    const raw = await redis.get(keys.contactState('c-seed'));
    const grid = compileGrid(loadGrid(readFileSync(STARTER_GRID, 'utf8')));
    expect(scoreAt(grid, decodeState(raw!), Date.now()).score).toBe(1500);
    await pollUntil(async () => (await redis.exists(keys.outbox('c-seed'))) === 0, 'the outbox cleared');
  });
});
