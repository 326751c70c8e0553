import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { scorerEnv, STARTER_GRID, startScorerInProcess } from '../support/scorer-harness.js';
import { collectOutputs, freshTopics, produceEvents, type RawEvent, waitForGroupCaughtUp } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

/** Contacts that do nothing after a grid change are re-scored at the switch, not at their next event. */
describe('grid change', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('re-evaluates every stored contact once (cause GRID_CHANGE) when the scorer starts with a new grid, and not again on a restart', async () => {
    const { topics, codec, kafka } = await freshTopics('grid-change', 2);
    const keyPrefix = ctx.uniqueName('grid-change');
    const { changes, crossings } = await collectOutputs(kafka, codec, topics, cleanup);

    // Version 2 of the starter grid: the first key-page visit is worth 1000 instead of 500.
    const starterText = await readFile(STARTER_GRID, 'utf8');
    const keyPagesTiers = '      - { atLeast: 1, points: 500 }\n      - { atLeast: 2, points: 1000 }';
    expect(starterText.indexOf(keyPagesTiers)).toBeGreaterThan(starterText.indexOf('id: key-pages'));
    const v2Text = starterText
      .replace(keyPagesTiers, '      - { atLeast: 1, points: 1000 }')
      .replace(/^version: 1$/m, 'version: 2');
    const v2File = join(await mkdtemp(join(tmpdir(), 'leadscore-grid-')), 'starter-v2.yaml');
    await writeFile(v2File, v2Text);

    const env = scorerEnv(topics, keyPrefix);
    const v1 = await startScorerInProcess(env);
    cleanup.push(() => v1.stop());
    const now = Date.now();
    const events: RawEvent[] = [
      {
        eventId: 'one-1',
        contactId: 'c-one',
        type: 'page_viewed',
        occurredAt: now - 3_600_000,
        properties: { path: '/pricing' },
      },
      {
        eventId: 'two-1',
        contactId: 'c-two',
        type: 'page_viewed',
        occurredAt: now - 3_600_000,
        properties: { path: '/pricing' },
      },
      {
        eventId: 'two-2',
        contactId: 'c-two',
        type: 'page_viewed',
        occurredAt: now - 3_000_000,
        properties: { path: '/solutions' },
      },
      { eventId: 'three-1', contactId: 'c-three', type: 'webinar_registered', occurredAt: now - 3_600_000 },
    ];
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await produceEvents(producer, codec, topics, events);
    await waitForGroupCaughtUp(kafka, env['SCORER_GROUP_ID']!, [topics.behaviouralEvents, topics.contactUpdates]);
    await changes.waitFor((items) => items.length >= 3, 30_000, 'the v1 score changes');
    expect(Object.fromEntries(changes.items.map((c) => [c.value.contactId, c.value.score]))).toEqual({
      'c-one': 500,
      'c-two': 1000,
      'c-three': 200,
    });
    expect((await v1.metrics.gridChangeEvaluations.get()).values[0]?.value ?? 0).toBe(0); // a new prefix: nobody to re-evaluate
    await v1.stop();

    // The switch: no new event, yet c-one now qualifies.
    const v2 = await startScorerInProcess({ ...env, GRID_FILE: v2File });
    cleanup.push(() => v2.stop());
    await v2.settled();
    expect((await v2.metrics.gridChangeEvaluations.get()).values[0]?.value).toBe(3);
    const regraded = await changes.waitFor(
      (items) => items.some((c) => c.value.cause.kind === 'GRID_CHANGE'),
      30_000,
      'a GRID_CHANGE score change',
    );
    const byGridChange = regraded.filter((c) => c.value.cause.kind === 'GRID_CHANGE').map((c) => c.value);
    expect(byGridChange).toHaveLength(1); // c-two and c-three score the same under v2: no output
    expect(byGridChange[0]).toMatchObject({
      contactId: 'c-one',
      previousScore: 500,
      score: 1000,
      delta: 500,
      gridVersion: 2,
      sequence: 2,
    });
    // the changed contribution reports the old grid's points
    expect(byGridChange[0]!.changedContributions).toEqual([
      expect.objectContaining({ ruleId: 'key-pages', count: 1, previousPoints: 500, points: 1000 }),
    ]);
    const up = await crossings.waitFor(
      (items) => items.some((c) => c.value.cause.kind === 'GRID_CHANGE'),
      30_000,
      'an MQL crossing by grid change',
    );
    expect(
      up
        .filter((c) => c.value.cause.kind === 'GRID_CHANGE')
        .map((c) => [c.value.contactId, c.value.threshold, c.value.direction, c.value.gridVersion]),
    ).toEqual([['c-one', 'MQL', 'UP', 2]]);

    // what replay says of the same events under v2
    const replay = await replayEvents(
      compileGrid(loadGrid(v2Text, v2File)),
      events.map((e) =>
        JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString(), properties: e.properties ?? {} }),
      ),
      Date.now(),
    );
    expect(Object.fromEntries(replay.contacts.map((c) => [c.contactId, c.score]))).toEqual({
      'c-one': 1000,
      'c-two': 1000,
      'c-three': 200,
    });

    // The same grid again (a restart): nothing to re-evaluate, the index is empty.
    await v2.stop();
    const again = await startScorerInProcess({ ...env, GRID_FILE: v2File });
    cleanup.push(() => again.stop());
    await again.settled();
    expect((await again.metrics.gridChangeEvaluations.get()).values[0]?.value ?? 0).toBe(0);
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    expect(await redis.zcard(`${keyPrefix}:regrade`)).toBe(0);
    expect(await redis.hget(`${keyPrefix}:grid`, 'version')).toBe('2');
    expect(await redis.hget(`${keyPrefix}:grid`, 'queued')).toBe('1');
  });
});
