import { afterAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { eventMix } from '../support/event-mix.js';
import { storedScoresAgainstReplay } from '../support/replay-check.js';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { collectOutputs, freshTopics, produceEvents, waitForCollectorAtEnd, waitForGroupCaughtUp } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

describe('scale-out: instances share the partitions; stopping one rebalances', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('3 instances each take partitions; stopping two in turn loses and doubles nothing', { timeout: 300_000 }, async () => {
    const now = Date.now();
    const events = eventMix({ seed: 7, contacts: 400, events: 6_000, now }).map((e) => ({ ...e, onBehaviouralTopic: true }));
    const { topics, codec, kafka } = await freshTopics('scale', 6);
    const keyPrefix = ctx.uniqueName('scale');
    const env = scorerEnv(topics, keyPrefix, { SCORER_SESSION_TIMEOUT_MS: '6000' });
    const groupId = env.SCORER_GROUP_ID!;
    const inputs = [topics.behaviouralEvents, topics.contactUpdates];

    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);
    const scorers = [0, 1, 2].map(() => new ScorerProcess(env));
    cleanup.push(() => Promise.all(scorers.map((s) => s.kill())));
    await Promise.all(scorers.map((s) => s.start()));
    await Promise.all(scorers.map((s) => s.waitReady()));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    // Phase 1: all three share the 6 partitions, once the group is stable with all of them.
    await waitForStableGroup(kafka, groupId, 3);
    await produceEvents(producer, codec, topics, events.slice(0, 2_000));
    await waitForGroupCaughtUp(kafka, groupId, inputs);
    const perScorer = await Promise.all(scorers.map(async (s) => consumed(await s.metrics())));
    console.info(`consumed per scorer: ${perScorer.join(', ')}`);
    for (const n of perScorer) expect(n).toBeGreaterThan(0);

    // Phase 2: one stops gracefully (SIGTERM) mid-stream; the others take over its partitions.
    const producing2 = produceEvents(producer, codec, topics, events.slice(2_000, 4_000));
    expect(await scorers[0]!.stop()).toBe(0);
    await producing2;
    await waitForGroupCaughtUp(kafka, groupId, inputs);

    // Phase 3: a second one stops; the last one carries everything.
    const producing3 = produceEvents(producer, codec, topics, events.slice(4_000));
    expect(await scorers[1]!.stop()).toBe(0);
    await producing3;
    await waitForGroupCaughtUp(kafka, groupId, inputs);
    await waitForCollectorAtEnd(kafka, changes, topics.scoreChanged);
    await waitForCollectorAtEnd(kafka, crossings, topics.thresholdCrossed);

    const { replay, mismatches } = await storedScoresAgainstReplay(events, keyPrefix, cleanup);
    expect(mismatches).toEqual([]);

    // Nothing doubled: a graceful rebalance re-emits nothing (redelivered events are duplicates by eventId).
    const ids = changes.items.map((i) => i.value.id);
    expect(new Set(ids).size).toBe(ids.length);
    const expectedCrossings = replay.contacts.reduce((n, c) => n + c.crossings.length, 0);
    expect(crossings.items.length).toBe(expectedCrossings);
    expect(expectedCrossings).toBeGreaterThan(20);
  });
});

async function waitForStableGroup(kafka: Kafka, groupId: string, members: number, timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      if (groups[0]?.state === 'Stable' && groups[0].members.length === members) return;
      if (Date.now() > deadline)
        throw new Error(`group ${groupId} not stable with ${members} members: ${groups[0]?.state}, ${groups[0]?.members.length}`);
      await new Promise((r) => setTimeout(r, 200)); // poll interval
    }
  } finally {
    await admin.disconnect();
  }
}

function consumed(metrics: string): number {
  return [...metrics.matchAll(/^leadscore_events_consumed_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
