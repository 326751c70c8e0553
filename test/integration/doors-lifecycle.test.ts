import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeadLetterValue, LifecycleStageChangedValue, ThresholdCrossedValue } from '@leadscore/contracts';
import { LifecycleService, loadLifecycleConfig, stageChangeId, StageStore } from '@leadscore/lifecycle';
import { serviceEnv } from '../support/scorer-harness.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

describe('lifecycle workflow service', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('moves up on an MQL up-crossing only, never demotes, records everything, is idempotent under redelivery', async () => {
    const { topics, codec, kafka } = await freshTopics('lifecycle', 2);
    const keyPrefix = ctx.uniqueName('lifecycle');
    const config = loadLifecycleConfig({
      ...serviceEnv(topics, keyPrefix),
      LIFECYCLE_GROUP_ID: `${keyPrefix}-group`,
      HTTP_PORT: '0',
      PROVISION: 'false',
    });
    const service = new LifecycleService({ config, logger: pino({ level: 'silent' }) });
    cleanup.push(() => service.stop());
    await service.start();
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const store = new StageStore(redis, keyPrefix);
    await store.setStage('c-sql', 'SALES_QUALIFIED', Date.now(), 'synced from the CRM');

    const changes = await new TopicCollector<LifecycleStageChangedValue>(
      kafka,
      codec,
      'lifecycleStageChanged',
      topics.lifecycleStageChanged,
    ).start();
    const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
    cleanup.push(
      () => changes.stop(),
      () => deadLetters.stop(),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    let seq = 0;
    const crossing = (contactId: string, direction: 'UP' | 'DOWN', threshold = 'MQL'): ThresholdCrossedValue => {
      seq += 1;
      return {
        id: `x-${contactId}-${seq}`,
        contactId,
        threshold,
        at: 1000,
        direction,
        score: direction === 'UP' ? 1200 : 800,
        previousScore: 0,
        gridName: 'starter',
        gridVersion: 1,
        cause: { kind: 'EVENT', eventId: `e-${seq}` },
        sequence: seq,
        evaluatedAt: Date.now(),
      };
    };
    const send = async (values: ThresholdCrossedValue[]) =>
      producer.send({
        topic: topics.thresholdCrossed,
        acks: -1,
        messages: await Promise.all(
          values.map(async (v) => ({ key: v.contactId, value: await codec.encode('thresholdCrossed', v) })),
        ),
      });

    const up = crossing('c-new', 'UP');
    const down = crossing('c-new', 'DOWN');
    const upAgain = crossing('c-new', 'UP');
    const sqlUp = crossing('c-sql', 'UP');
    const other = crossing('c-other', 'UP', 'HOT');
    await send([up, down, upAgain, sqlUp, other]);
    await producer.send({
      topic: topics.thresholdCrossed,
      acks: -1,
      messages: [{ key: 'c-bad', value: Buffer.from('not avro') }],
    });
    // redelivery: the same crossing again (as after a scorer crash between produce and commit)
    await send([up]);

    await changes.waitFor((items) => items.length >= 2, 30_000, 'the change and its re-emission');
    await deadLetters.waitFor((items) => items.length >= 1, 30_000, 'a dead letter');
    await waitUntil(
      async () => (await store.readHistory('c-new')).length === 3 && (await store.readHistory('c-sql')).length === 1,
    );

    // one move, emitted twice with the same id and value (at least once, deterministic id)
    expect(changes.items.map((c) => c.value.id)).toEqual([
      stageChangeId(up.id, 'MARKETING_QUALIFIED'),
      stageChangeId(up.id, 'MARKETING_QUALIFIED'),
    ]);
    expect(changes.items[0]!.value).toEqual(changes.items[1]!.value);
    expect(changes.items[0]!.value).toMatchObject({
      contactId: 'c-new',
      from: null,
      to: 'MARKETING_QUALIFIED',
      causeId: up.id,
      reason: 'threshold MQL crossed up',
    });
    expect(changes.items[0]!.key).toBe('c-new');

    expect(await store.readStage('c-new')).toMatchObject({ stage: 'MARKETING_QUALIFIED', causeId: up.id });
    const history = await store.readHistory('c-new');
    expect(history.map((h) => `${h.direction}:${h.outcome}`)).toEqual([
      'UP:already-at-or-beyond',
      'DOWN:not-demoted',
      'UP:moved',
    ]);
    expect(history[1]).toMatchObject({ from: 'MARKETING_QUALIFIED', score: 800 });
    // beyond MQL already: not moved back
    expect(await store.readStage('c-sql')).toMatchObject({ stage: 'SALES_QUALIFIED' });
    expect((await store.readHistory('c-sql'))[0]).toMatchObject({ outcome: 'already-at-or-beyond', from: 'SALES_QUALIFIED' });
    // other thresholds do not drive the lifecycle
    expect(await store.readStage('c-other')).toBeNull();
    expect(deadLetters.items[0]!.value).toMatchObject({
      reason: 'UNDECODABLE',
      sourceTopic: topics.thresholdCrossed,
      failedBy: 'lifecycle',
    });

    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toMatch(/leadscore_lifecycle_crossings_total\{direction="UP",outcome="redelivered"\} 1/);
    expect(metrics).toMatch(/leadscore_lifecycle_crossings_total\{direction="DOWN",outcome="not-demoted"\} 1/);
    const ready = await fetch(`http://127.0.0.1:${service.httpPort}/readyz`);
    expect(ready.status).toBe(200);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200)); // poll interval
  }
}
