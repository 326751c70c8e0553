import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import type { ContactMergedValue, ScoreChangedValue, TopicNames, AvroCodec } from '@leadscore/contracts';
import { applyEvent, emptyState, encodeState, type CompiledGrid, type ContactState } from '@leadscore/engine';
import { loadReadApiConfig, ReadApiService } from '@leadscore/read-api';
import { KeyLayout, SEALED_STATE_PREFIX } from '@leadscore/redis-layout';
import { loadGridFile } from '@leadscore/service-kit';
import { serviceEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { freshTopics } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

/** A state built by the engine from page views of the pricing page (500 points each, 1000 at most). */
function stateOf(grid: CompiledGrid, contactId: string, pricingViews: number): ContactState {
  let state = emptyState();
  for (let i = 0; i < pricingViews; i += 1) {
    const event = {
      eventId: `${contactId}-pv-${i}`,
      contactId,
      type: 'page_viewed',
      occurredAt: NOW - DAY + i * 1000,
      properties: { path: '/pricing' },
    };
    state = applyEvent(grid, state, event, event.occurredAt).state;
  }
  return state;
}

function scoreChanged(contactId: string, sequence: number, previousScore: number, score: number): ScoreChangedValue {
  return {
    id: `sc-${contactId}-${sequence}`,
    contactId,
    sequence,
    previousScore,
    score,
    delta: score - previousScore,
    gridName: 'starter',
    gridVersion: 1,
    cause: { kind: 'EVENT', eventId: `e-${contactId}-${sequence}` },
    changedContributions: [],
    evaluatedAt: NOW - DAY,
  };
}

/** Polls until `done` holds (bounded; a readiness condition, not a sleep standing in for one). */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100)); // poll interval
  }
}

describe('read API for merged-away contacts (real Redis, Kafka and registry)', () => {
  const ctx = testContext();
  const redis = testRedis();
  const cleanup: (() => Promise<unknown>)[] = [];
  let keys: KeyLayout;
  let grid: CompiledGrid;
  let base: string;
  let topics: TopicNames;
  let codec: AvroCodec;
  let producer: Producer;

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const produce = async (topic: string, key: string, value: Buffer) => {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  };
  const board = async () => (await get('/leaderboard?limit=50')).body as { total: number; contacts: unknown[] };

  beforeAll(async () => {
    let kafka;
    ({ topics, codec, kafka } = await freshTopics('read-merged', 2));
    const keyPrefix = ctx.uniqueName('read-merged');
    keys = new KeyLayout(keyPrefix);
    grid = await loadGridFile(STARTER_GRID);
    const config = loadReadApiConfig({
      ...serviceEnv(topics, keyPrefix),
      READ_API_GROUP_ID: `${keyPrefix}-group`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      PROVISION: 'false',
    });
    const service = new ReadApiService({ config, logger: pino({ level: 'silent' }), now: () => NOW }, grid);
    cleanup.push(() => service.stop());
    await service.start();
    base = `http://127.0.0.1:${service.httpPort}`;
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
  });
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    redis.disconnect();
  });

  it('answers a merged-away id, sealed or only linked, with its root (a chain A → B → C answers C); others as before', async () => {
    const c = stateOf(grid, 'c-known', 2); // 1000: an MQL
    await redis.set(keys.contactState('c-known'), encodeState(c));
    await redis.hset(keys.stage('c-known'), { stage: 'MARKETING_QUALIFIED', changedAt: String(NOW - 1000), reason: 'MQL up' });
    // A was merged into B, then B into C: both sealed, each parent the root of its moment
    await redis.set(keys.contactState('anon-a'), SEALED_STATE_PREFIX + encodeState(stateOf(grid, 'anon-a', 1)));
    await redis.set(keys.contactState('anon-b'), SEALED_STATE_PREFIX + encodeState(stateOf(grid, 'anon-b', 1)));
    await redis.hset(keys.identityParents(), { 'anon-a': 'anon-b', 'anon-b': 'c-known' });
    // linked into C but not sealed yet (its state is still a plain state)
    await redis.set(keys.contactState('anon-e'), encodeState(stateOf(grid, 'anon-e', 1)));
    await redis.hset(keys.identityParents(), { 'anon-e': 'c-known' });
    // a contact that never merged
    await redis.set(keys.contactState('c-alone'), encodeState(stateOf(grid, 'c-alone', 1)));
    // C's projected changes, which the merged-away ids answer with
    await produce(topics.scoreChanged, 'c-known', await codec.encode('scoreChanged', scoreChanged('c-known', 1, 0, 1000)));
    await pollUntil(
      () => get('/contacts/c-known/score-changes'),
      (r) => (r.body['changes'] as unknown[]).length === 1,
      "C's change projected",
    );

    const root = await get('/contacts/c-known');
    expect(root.status).toBe(200);
    expect(root.body).not.toHaveProperty('mergedInto');
    expect(root.body).toMatchObject({
      contactId: 'c-known',
      score: 1000,
      thresholdsReached: [{ name: 'MQL', at: 1000 }],
      lifecycle: { stage: { stage: 'MARKETING_QUALIFIED' } },
    });
    expect(root.body['recentChanges']).toMatchObject([{ id: 'sc-c-known-1', score: 1000 }]);

    for (const asked of ['anon-a', 'anon-b', 'anon-e']) {
      const answer = await get(`/contacts/${asked}`);
      expect(answer.status, asked).toBe(200);
      // every figure is C's; the asked id stays visible
      expect(answer.body, asked).toEqual({ ...root.body, contactId: asked, mergedInto: 'c-known' });
      const changes = await get(`/contacts/${asked}/score-changes`);
      expect(changes.body, asked).toEqual({
        contactId: asked,
        mergedInto: 'c-known',
        changes: (await get('/contacts/c-known/score-changes')).body['changes'],
      });
    }

    const alone = await get('/contacts/c-alone');
    expect(alone.status).toBe(200);
    expect(alone.body).not.toHaveProperty('mergedInto');
    expect(alone.body).toMatchObject({ contactId: 'c-alone', score: 500, thresholdsReached: [] });
    expect((await get('/contacts/nobody')).status).toBe(404);
  });

  it('answers 503 "being merged" for a sealed id whose root is not written yet, never decoding the sealed value', async () => {
    await redis.set(keys.contactState('anon-sealing'), SEALED_STATE_PREFIX + encodeState(stateOf(grid, 'anon-sealing', 1)));
    const answer = await get('/contacts/anon-sealing');
    expect(answer.status).toBe(503);
    expect(answer.body['error']).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/being merged/) });
    expect((await get('/contacts/anon-sealing/score-changes')).status).toBe(503);
    // once the forest names its root, it answers for the root
    await redis.hset(keys.identityParents(), { 'anon-sealing': 'c-known' });
    expect((await get('/contacts/anon-sealing')).body).toMatchObject({
      contactId: 'anon-sealing',
      mergedInto: 'c-known',
      score: 1000,
    });
  });

  it('takes merged-away ids off the leaderboard: on their contact-merged message, and on a score change after the merge', async () => {
    for (const [id, score] of [
      ['lb-root', 1000],
      ['lb-s', 500],
      ['lb-t', 300],
      ['lb-other', 700],
    ] as const) {
      await produce(topics.scoreChanged, id, await codec.encode('scoreChanged', scoreChanged(id, 1, 0, score)));
    }
    const before = await pollUntil(board, (b) => b.total >= 4 + 1, 'four contacts listed');
    expect(before.contacts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contactId: 'lb-s', score: 500 }),
        expect.objectContaining({ contactId: 'lb-t', score: 300 }),
      ]),
    );

    // lb-s merged into lb-root: its score change to 0 (after the forest was linked) is projected
    await redis.hset(keys.identityParents(), { 'lb-s': 'lb-root', 'lb-t': 'lb-root' });
    const drop: ScoreChangedValue = { ...scoreChanged('lb-s', 2, 500, 0), cause: { kind: 'MERGE', eventId: 'm-1' } };
    await produce(topics.scoreChanged, 'lb-s', await codec.encode('scoreChanged', drop));
    // lb-t merged into lb-root: only its contact-merged message (no score change reaches the projection)
    const merged: ContactMergedValue = {
      id: 'm-2:lb-t',
      contactId: 'lb-t',
      mergedInto: 'lb-root',
      mergeEventId: 'm-2',
      occurredAt: NOW - 1000,
      emittedAt: NOW,
    };
    await produce(topics.contactMerged, 'lb-t', await codec.encode('contactMerged', merged));

    const after = await pollUntil(
      board,
      (b) => !b.contacts.some((e) => ['lb-s', 'lb-t'].includes((e as { contactId: string }).contactId)),
      'the merged-away ids unlisted',
    );
    const ids = after.contacts.map((e) => (e as { contactId: string }).contactId);
    expect(ids).toEqual(expect.arrayContaining(['lb-root', 'lb-other']));
    expect(after.total).toBe(before.total - 2);
    // the recent changes are still projected (asked for lb-s, the read API answers lb-root's anyway)
    expect(
      (await redis.lrange(keys.recentChanges('lb-s'), 0, 0)).map((raw) => JSON.parse(raw) as { sequence: number }),
    ).toMatchObject([{ sequence: 2 }]);
  });
});
