import { afterAll, describe, expect, it } from 'vitest';
import type { ScoreChangedValue, ThresholdCrossedValue } from '@leadscore/contracts';
import { scorerEnv, startScorerInProcess } from '../support/scorer-harness.js';
import { freshTopics, produceEvents, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const DAY = 86_400_000;

describe('time decay (windowed rules) without new events', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('the sweeper emits score-changed and threshold-crossed (cause DECAY) when an email open leaves its 180-day window', async () => {
    const { topics, codec, kafka } = await freshTopics('decay', 2);
    // The scorer's clock is injected: today is 2026-06-30 12:00 UTC, then the test moves it.
    let clock = Date.UTC(2026, 5, 30, 12);
    const scorer = await startScorerInProcess(scorerEnv(topics, ctx.uniqueName('decay'), { SWEEP_INTERVAL_MS: '200' }), () => clock);
    cleanup.push(() => scorer.stop());
    const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
    const crossings = await new TopicCollector<ThresholdCrossedValue>(kafka, codec, 'thresholdCrossed', topics.thresholdCrossed).start();
    cleanup.push(() => changes.stop(), () => crossings.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    // 2 key-page visits (1000) + one open on the oldest day still in the 180-day window (+10),
    // with 3 emails sent: when the open expires, "unengaged" (-20) applies: 1010 → 980, below MQL.
    const openDay = clock - 179 * DAY;
    await produceEvents(producer, codec, topics, [
      { eventId: 'v1', contactId: 'c-decay', type: 'page_viewed', occurredAt: clock - 3 * DAY, properties: { path: '/pricing' } },
      { eventId: 'v2', contactId: 'c-decay', type: 'page_viewed', occurredAt: clock - 2 * DAY, properties: { path: '/solutions' } },
      { eventId: 'o1', contactId: 'c-decay', type: 'email_opened', occurredAt: openDay },
      ...[1, 2, 3].map((i) => ({ eventId: `s${i}`, contactId: 'c-decay', type: 'email_sent', occurredAt: openDay - i * 1000 })),
    ]);
    await changes.waitFor((items) => items.at(-1)?.value.score === 1010, 30_000, 'score 1010');
    const before = changes.items.length;

    // Still the same UTC day tomorrow minus a minute: nothing expires, nothing is emitted.
    clock = Date.UTC(2026, 6, 1) - 60_000;
    expect(await scorer.sweepNow()).toEqual([]);

    // Midnight: the open's day leaves the window. The background sweeper (every 200 ms) notices
    // with no new event; a sweep right after it finds nothing more to do.
    clock = Date.UTC(2026, 6, 1);
    const decayed = await changes.waitFor((items) => items.length > before, 30_000, 'a decay score change');
    expect(await scorer.sweepNow()).toEqual([]);
    expect(decayed.at(-1)!.value).toMatchObject({ contactId: 'c-decay', previousScore: 1010, score: 980, cause: { kind: 'DECAY', eventId: null } });
    const down = await crossings.waitFor((items) => items.some((c) => c.value.direction === 'DOWN'), 30_000, 'MQL down');
    expect(down.map((c) => [c.value.threshold, c.value.direction, c.value.cause.kind])).toEqual([
      ['MQL', 'UP', 'EVENT'],
      ['MQL', 'DOWN', 'DECAY'],
    ]);

    // Swept once: nothing more to expire for this contact, so later sweeps emit nothing.
    clock += 30 * DAY;
    expect(await scorer.sweepNow()).toEqual([]);
    expect(changes.items.length).toBe(before + 1);
  });

  it('a sweep that dies after its commit, before producing, is made good by the next sweep: the decay outputs come out once, late', async () => {
    const { topics, codec, kafka } = await freshTopics('decay-owed', 2);
    let clock = Date.UTC(2026, 5, 30, 12);
    // Dies once, inside the window the protocol must survive: the state committed, nothing produced.
    let dieAfterCommit = false;
    const crashPoint = (name: string) => {
      if (name !== 'after-state-commit' || !dieAfterCommit) return;
      dieAfterCommit = false;
      throw new Error('sweeper died after the state commit');
    };
    // no background sweeps (the longest interval): this test decides when a sweep runs
    const env = scorerEnv(topics, ctx.uniqueName('decay-owed'), { SWEEP_INTERVAL_MS: String(24 * 3600 * 1000) });
    const scorer = await startScorerInProcess(env, () => clock, { crashPoint });
    cleanup.push(() => scorer.stop());
    const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
    const crossings = await new TopicCollector<ThresholdCrossedValue>(kafka, codec, 'thresholdCrossed', topics.thresholdCrossed).start();
    cleanup.push(() => changes.stop(), () => crossings.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const openDay = clock - 179 * DAY;
    await produceEvents(producer, codec, topics, [
      { eventId: 'v1', contactId: 'c-owed', type: 'page_viewed', occurredAt: clock - 3 * DAY, properties: { path: '/pricing' } },
      { eventId: 'v2', contactId: 'c-owed', type: 'page_viewed', occurredAt: clock - 2 * DAY, properties: { path: '/solutions' } },
      { eventId: 'o1', contactId: 'c-owed', type: 'email_opened', occurredAt: openDay },
      ...[1, 2, 3].map((i) => ({ eventId: `s${i}`, contactId: 'c-owed', type: 'email_sent', occurredAt: openDay - i * 1000 })),
    ]);
    await changes.waitFor((items) => items.at(-1)?.value.score === 1010, 30_000, 'score 1010');
    const before = changes.items.length;

    clock = Date.UTC(2026, 6, 1);
    dieAfterCommit = true;
    await expect(scorer.sweepNow()).rejects.toThrow('sweeper died after the state commit');
    // Within the dead sweeper's lease (60 s) nobody takes the contact; once it ends, a sweep
    // produces what the commit owed (its outbox) and re-indexes the contact.
    clock += 59_000;
    expect(await scorer.sweepNow()).toEqual([]);
    clock += 1_000;
    await scorer.sweepNow();
    const decayed = await changes.waitFor((items) => items.length > before, 30_000, 'the owed decay score change');
    expect(decayed.at(-1)!.value).toMatchObject({ contactId: 'c-owed', previousScore: 1010, score: 980, cause: { kind: 'DECAY', eventId: null } });
    const down = await crossings.waitFor((items) => items.some((c) => c.value.direction === 'DOWN'), 30_000, 'MQL down');
    expect(down.map((c) => [c.value.threshold, c.value.direction, c.value.cause.kind])).toEqual([
      ['MQL', 'UP', 'EVENT'],
      ['MQL', 'DOWN', 'DECAY'],
    ]);

    // Made good once: a later sweep finds nothing owed and nothing due.
    clock += 30 * DAY;
    expect(await scorer.sweepNow()).toEqual([]);
    expect(changes.items.length).toBe(before + 1);
  });
});
