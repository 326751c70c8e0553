import { afterAll, describe, expect, it } from 'vitest';
import type { ContactMergedValue } from '@leadscore/contracts';
import { isSealedState, KeyLayout } from '@leadscore/redis-layout';
import { mergeMix } from '../support/event-mix.js';
import { storedScoresAgainstReplay } from '../support/replay-check.js';
import { scorerEnv, startScorerInProcess } from '../support/scorer-harness.js';
import {
  collectOutputs,
  freshTopics,
  produceEvents,
  TopicCollector,
  waitForCollectorAtEnd,
  waitForGroupCaughtUp,
  type RawEvent,
} from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

/**
 * The streaming merge (docs/identity.md "The streaming merge") against the real servers: an
 * anonymous visitor's history counts for the known contact at the merge, later events of the
 * visitor count for it too, chains resolve, a repeated merge is a no-op, and merges racing with
 * both sides' events across partitions and two scorers end as replay says.
 */
describe('streaming merge (real Kafka, registry, Redis)', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('an anonymous history makes the known contact MQL at the merge; later visits, chains and repeats follow', async () => {
    const { topics, codec, kafka } = await freshTopics('merge', 6);
    const keyPrefix = ctx.uniqueName('merge');
    const env = scorerEnv(topics, keyPrefix);
    const scorer = await startScorerInProcess(env);
    cleanup.push(() => scorer.stop());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const merged = await new TopicCollector<ContactMergedValue>(kafka, codec, 'contactMerged', topics.contactMerged).start();
    cleanup.push(() => merged.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const at = Date.now() - 3_600_000;
    const send = (events: RawEvent[]) =>
      produceEvents(
        producer,
        codec,
        topics,
        events.map((e) => ({ ...e, onBehaviouralTopic: true })),
      );
    const history: RawEvent[] = [];
    const step = async (events: RawEvent[]) => {
      history.push(...events);
      await send(events);
      await waitForGroupCaughtUp(kafka, env['SCORER_GROUP_ID']!, [topics.behaviouralEvents, topics.contactUpdates]);
    };

    // the visitor reads the pricing page twice while anonymous: 1000 points under its cookie id
    await step([
      { eventId: 'p-1', contactId: 'anon-7', type: 'page_viewed', occurredAt: at, properties: { path: '/pricing' } },
      { eventId: 'p-2', contactId: 'anon-7', type: 'page_viewed', occurredAt: at + 1, properties: { path: '/solutions' } },
      { eventId: 'w-1', contactId: 'c-42', type: 'webinar_registered', occurredAt: at + 2, properties: {} },
    ]);
    const before = changes.items.find((c) => c.value.contactId === 'c-42')!.value.score;
    expect(before).toBeLessThan(1000);
    // identify: the known contact absorbs the visitor's history at once
    await step([
      { eventId: 'm-1', contactId: 'c-42', type: 'contact_merged', occurredAt: at + 3, properties: { mergedFrom: 'anon-7' } },
    ]);
    const mergeChanges = () => changes.items.filter((c) => c.value.cause.kind === 'MERGE').map((c) => c.value);
    await changes.waitFor(() => mergeChanges().length >= 2, 60_000, 'both sides of the merge');
    const known = mergeChanges().find((c) => c.contactId === 'c-42')!;
    expect(known).toMatchObject({ score: before + 1000, previousScore: before, cause: { kind: 'MERGE', eventId: 'm-1' } });
    expect(mergeChanges().find((c) => c.contactId === 'anon-7')).toMatchObject({
      score: 0,
      previousScore: 1000,
      cause: { kind: 'MERGE', eventId: 'm-1' },
    });
    const mql = await crossings.waitFor(
      (items) => items.some((x) => x.value.contactId === 'c-42' && x.value.direction === 'UP'),
      60_000,
      'c-42 crossing MQL',
    );
    expect(mql.find((x) => x.value.contactId === 'c-42')!.value.cause).toEqual({ kind: 'MERGE', eventId: 'm-1' });
    const told = await merged.waitFor((items) => items.length >= 1, 60_000, 'the contact-merged output');
    expect(told[0]!.value).toMatchObject({ contactId: 'anon-7', mergedInto: 'c-42', mergeEventId: 'm-1' });
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const keys = new KeyLayout(keyPrefix);
    expect(isSealedState((await redis.get(keys.contactState('anon-7')))!)).toBe(true);

    // a later event of the visitor's cookie counts for the known contact; a repeated merge changes nothing
    const outputsBefore = changes.items.length;
    await step([
      { eventId: 'd-1', contactId: 'anon-7', type: 'demo_requested', occurredAt: at + 4, properties: {} },
      { eventId: 'm-1', contactId: 'c-42', type: 'contact_merged', occurredAt: at + 3, properties: { mergedFrom: 'anon-7' } },
      { eventId: 'm-1b', contactId: 'anon-7', type: 'contact_merged', occurredAt: at + 5, properties: { mergedFrom: 'c-42' } },
    ]);
    const later = await changes.waitFor((items) => items.length > outputsBefore, 60_000, 'the late event scored');
    expect(later.slice(outputsBefore).map((c) => [c.value.contactId, c.value.cause.kind, c.value.cause.eventId])).toEqual([
      ['c-42', 'EVENT', 'd-1'],
    ]);

    // a chain: c-42 (with the visitor) merged into c-99; the visitor's next event counts for c-99
    await step([
      { eventId: 'e-1', contactId: 'c-99', type: 'email_opened', occurredAt: at + 6, properties: {} },
      { eventId: 'm-2', contactId: 'c-99', type: 'contact_merged', occurredAt: at + 7, properties: { mergedFrom: 'c-42' } },
      { eventId: 'p-3', contactId: 'anon-7', type: 'page_viewed', occurredAt: at + 8, properties: { path: '/blog' } },
      { eventId: 'f-1', contactId: 'c-42', type: 'form_submitted', occurredAt: at + 9, properties: { formType: 'contact' } },
    ]);
    await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged, 60_000);
    await waitForCollectorAtEnd(kafka, merged, topics.contactMerged, 60_000);
    expect(merged.items.map((m) => [m.value.contactId, m.value.mergedInto])).toEqual([
      ['anon-7', 'c-42'],
      ['c-42', 'c-99'],
    ]);
    const { replay, mismatches } = await storedScoresAgainstReplay(history, keyPrefix, cleanup);
    expect(mismatches).toEqual([]);
    expect(replay.contacts.find((c) => c.contactId === 'anon-7')!.mergedInto).toBe('c-99');
    expect(replay.contacts.find((c) => c.contactId === 'c-99')!.score).toBeGreaterThan(before + 1000);
    // the last score emitted per id is replay's (0 for the merged-away ones)
    const last = new Map(changes.items.map((c) => [c.value.contactId, c.value.score]));
    expect(replay.contacts.map((c) => [c.contactId, last.get(c.contactId) ?? 0])).toEqual(
      replay.contacts.map((c) => [c.contactId, c.score]),
    );
  });

  it('merges racing with both sides’ events over 6 partitions and two scorers end as replay says', async () => {
    const { topics, codec, kafka } = await freshTopics('merge-race', 6);
    const keyPrefix = ctx.uniqueName('merge-race');
    const env = scorerEnv(topics, keyPrefix, { SCORER_CHUNK_SIZE: '20' });
    const first = await startScorerInProcess(env);
    cleanup.push(() => first.stop());
    const second = await startScorerInProcess(env);
    cleanup.push(() => second.stop());
    const { changes } = await collectOutputs(kafka, codec, topics, cleanup);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const events = mergeMix({ seed: 11, contacts: 300, events: 6_000, now: Date.now() });
    // everything at once: each partition's scorer meets the merges and the other side's events in its own order
    await produceEvents(producer, codec, topics, events);
    await waitForGroupCaughtUp(kafka, env['SCORER_GROUP_ID']!, [topics.behaviouralEvents, topics.contactUpdates], 180_000);
    await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged, 120_000);

    const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup);
    expect(replay.contacts.filter((c) => c.mergedInto !== undefined).length).toBeGreaterThanOrEqual(150);
    expect(mismatches).toEqual([]);
    // per contact, first sightings have increasing sequences, and the last score emitted is replay's
    const seen = new Set<string>();
    const lastSeq = new Map<string, number>();
    const last = new Map<string, number>();
    const disorder: string[] = [];
    for (const { value } of changes.items) {
      if (seen.has(value.id)) continue;
      seen.add(value.id);
      if (value.sequence <= (lastSeq.get(value.contactId) ?? 0)) disorder.push(`${value.contactId}#${value.sequence}`);
      lastSeq.set(value.contactId, value.sequence);
      last.set(value.contactId, value.score);
    }
    expect(disorder).toEqual([]);
    const lastMismatch = replay.contacts.filter((c) => (last.get(c.contactId) ?? 0) !== c.score).map((c) => c.contactId);
    expect(lastMismatch).toEqual([]);
  });
});
