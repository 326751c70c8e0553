import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { KeyLayout, PublishedGridStore } from '@leadscore/redis-layout';
import { scorerEnv, STARTER_GRID, startScorerInProcess } from '../support/scorer-harness.js';
import { collectOutputs, freshTopics, produceEvents, type RawEvent, waitForGroupCaughtUp } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

/**
 * A grid published from the console reaches running scorers without a restart: the one that
 * polls switches at once, the one that has not polled yet switches on the first state the new
 * grid wrote (its generation fences it), idle contacts are re-evaluated, and the final scores
 * are those of the new grid.
 */
describe('a grid published at run time', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('switches running scorers, fences the one that has not polled by generation, and re-evaluates idle contacts', async () => {
    const { topics, codec, kafka } = await freshTopics('grid-publish', 4);
    const keyPrefix = ctx.uniqueName('grid-publish');
    const keys = new KeyLayout(keyPrefix);
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);

    // Version 2: the first key-page visit is worth 1000 instead of 500.
    const starterText = await readFile(STARTER_GRID, 'utf8');
    const keyPagesTiers = '      - { atLeast: 1, points: 500 }\n      - { atLeast: 2, points: 1000 }';
    expect(starterText).toContain(keyPagesTiers);
    const v2Text = starterText
      .replace(keyPagesTiers, '      - { atLeast: 1, points: 1000 }')
      .replace(/^version: 1$/m, 'version: 2');

    // Neither scorer polls during the test (10 minutes): a switch happens only when asked, or by the fence.
    const env = scorerEnv(topics, keyPrefix, { SCORER_GRID_POLL_MS: '600000' });
    const first = await startScorerInProcess(env);
    cleanup.push(() => first.stop());
    const second = await startScorerInProcess(env);
    cleanup.push(() => second.stop());
    const startGeneration = first.runningGrid()!.generation;
    expect(second.runningGrid()!.generation).toBe(startGeneration);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const now = Date.now();
    const contacts = Array.from({ length: 12 }, (_, i) => `c-${i}`);
    const events: RawEvent[] = [];
    const send = async (batch: RawEvent[]) => {
      events.push(...batch);
      await produceEvents(producer, codec, topics, batch);
      await waitForGroupCaughtUp(kafka, env['SCORER_GROUP_ID']!, [topics.behaviouralEvents, topics.contactUpdates]);
    };
    await send(
      [...contacts, 'c-idle'].map((contactId) => ({
        eventId: `${contactId}-view`,
        contactId,
        type: 'page_viewed',
        occurredAt: now - 3_600_000,
        properties: { path: '/pricing' },
      })),
    );
    await changes.waitFor((items) => items.length >= 13, 30_000, 'the v1 score changes');

    // Publish v2; only the first scorer looks.
    const published = new PublishedGridStore(redis, keys);
    const audit = { by: 'test', at: now, oldVersion: 1, newVersion: 2, gridName: 'starter' };
    expect(await published.publish({ version: 2, yaml: v2Text, publishedAt: now, publishedBy: 'test' }, audit, null)).toBe(true);
    await first.refreshGrid({ waitForQueueing: false });
    expect(first.runningGrid()).toMatchObject({ generation: startGeneration + 1, grid: { version: 2 } });
    expect(second.runningGrid()).toMatchObject({ generation: startGeneration, grid: { version: 1 } });

    // Each scorer scores its own partitions: the first under v2, the second still under v1.
    await send(
      contacts.map((contactId) => ({
        eventId: `${contactId}-reg`,
        contactId,
        type: 'webinar_registered',
        occurredAt: now - 3_000_000,
      })),
    );
    const afterRegistration = await changes.waitFor((items) => items.length >= 25, 30_000, 'the registration changes');
    const versions = new Set(afterRegistration.slice(13).map((c) => c.value.gridVersion));
    expect(versions).toEqual(new Set([1, 2])); // both scorers had partitions

    // The first leaves; the second takes its partitions and meets states stamped by v2's generation.
    await first.stop();
    await send(
      contacts.map((contactId) => ({
        eventId: `${contactId}-attend`,
        contactId,
        type: 'webinar_attended',
        occurredAt: now - 2_000_000,
      })),
    );
    expect(second.runningGrid()).toMatchObject({ generation: startGeneration + 1, grid: { version: 2 } });
    await second.refreshGrid(); // waits for the queueing its catch-up started (no poll ran: the interval is 10 minutes)
    await second.settled();
    expect(await redis.zcard(keys.regradeIndex())).toBe(0);
    expect(await redis.hget(keys.gridRecord(), 'queued')).toBe('1');
    expect(await redis.hget(keys.gridRecord(), 'generation')).toBe(String(startGeneration + 1));

    // The idle contact qualifies by the grid change alone.
    const up = await crossings.waitFor(
      (items) => items.some((c) => c.value.contactId === 'c-idle'),
      30_000,
      "c-idle's MQL crossing",
    );
    expect(
      up.filter((c) => c.value.contactId === 'c-idle').map((c) => [c.value.cause.kind, c.value.direction, c.value.gridVersion]),
    ).toEqual([['GRID_CHANGE', 'UP', 2]]);

    // Every contact ends where replay under v2 puts it.
    const replay = await replayEvents(
      compileGrid(loadGrid(v2Text, 'v2')),
      events.map((e) =>
        JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString(), properties: e.properties ?? {} }),
      ),
      Date.now(),
    );
    const expected = Object.fromEntries(replay.contacts.map((c) => [c.contactId, c.score]));
    expect(expected['c-0']).toBe(2000);
    expect(expected['c-idle']).toBe(1000);
    const settled = await changes.waitFor(
      (items) => {
        const last = new Map<string, { sequence: number; score: number }>();
        for (const { value } of items) {
          const seen = last.get(value.contactId);
          if (!seen || value.sequence > seen.sequence) last.set(value.contactId, value);
        }
        return Object.entries(expected).every(([contactId, score]) => last.get(contactId)?.score === score);
      },
      30_000,
      'every contact at its v2 score',
    );
    // nothing was counted twice: outputs may repeat (at least once, same id), but one sequence is one change
    for (const contactId of Object.keys(expected)) {
      const byId = new Map(settled.filter((c) => c.value.contactId === contactId).map((c) => [c.value.id, c.value.sequence]));
      expect(new Set(byId.values()).size).toBe(byId.size);
    }
  });
});
