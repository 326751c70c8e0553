import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountThresholdCrossedValue, LifecycleStageChangedValue } from '@leadscore/contracts';
import { LifecycleService, loadLifecycleConfig, stageChangeId, StageStore } from '@leadscore/lifecycle';
import { pollUntil } from '../support/poll-until.js';
import { serviceEnv } from '../support/scorer-harness.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

describe('lifecycle workflow service: account stages', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('an MQA account up-crossing moves the account stage, never demotes, is idempotent under redelivery', async () => {
    const { topics, codec, kafka } = await freshTopics('lifecycle-acc', 2);
    const keyPrefix = ctx.uniqueName('lifecycle-acc');
    const config = loadLifecycleConfig({
      ...serviceEnv(topics, keyPrefix),
      LIFECYCLE_GROUP_ID: `${keyPrefix}-group`,
      LIFECYCLE_ACCOUNT_STAGES: 'true',
      HTTP_PORT: '0',
      PROVISION: 'false',
    });
    const service = new LifecycleService({ config, logger: pino({ level: 'silent' }) });
    cleanup.push(() => service.stop());
    await service.start();
    const redis = testRedis();
    cleanup.push(() => redis.quit());
    const store = new StageStore(redis, keyPrefix);

    const changes = await new TopicCollector<LifecycleStageChangedValue>(
      kafka,
      codec,
      'lifecycleStageChanged',
      topics.lifecycleStageChanged,
    ).start();
    cleanup.push(() => changes.stop());
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    let seq = 0;
    const crossing = (accountId: string, direction: 'UP' | 'DOWN', threshold = 'MQA'): AccountThresholdCrossedValue => {
      seq += 1;
      return {
        id: `ax-${accountId}-${seq}`,
        accountId,
        threshold,
        at: 1000,
        direction,
        score: direction === 'UP' ? 1200 : 800,
        previousScore: 0,
        gridName: 'starter',
        gridVersion: 1,
        cause: { kind: 'MEMBER_SCORE', contactId: null, scoreChangeId: `s-${seq}`, eventId: null },
        sequence: seq,
        evaluatedAt: Date.now(),
      };
    };
    const send = async (values: AccountThresholdCrossedValue[]) =>
      producer.send({
        topic: topics.accountThresholdCrossed,
        acks: -1,
        messages: await Promise.all(
          values.map(async (v) => ({ key: v.accountId, value: await codec.encode('accountThresholdCrossed', v) })),
        ),
      });

    const up = crossing('acme', 'UP');
    const down = crossing('acme', 'DOWN');
    const upAgain = crossing('acme', 'UP');
    const other = crossing('globex', 'UP', 'HOT_ACCOUNT');
    const downOnly = crossing('initech', 'DOWN');
    await send([up, down, upAgain, other, downOnly]);
    // redelivery: the same crossing again (as after an account-service crash between produce and commit)
    await send([up]);
    // a marker after everything, so "the marker is applied" means everything before it on its partition is
    const marker = crossing('acme', 'UP');
    await send([marker]);

    await pollUntil(
      async () =>
        (await store.readAccountHistory('acme')).length === 4 && (await store.readAccountHistory('initech')).length === 1,
      'the account crossings applied',
      30_000,
    );

    expect(await store.readAccountStage('acme')).toMatchObject({
      stage: 'MARKETING_QUALIFIED',
      causeId: up.id,
      changeId: stageChangeId(up.id, 'MARKETING_QUALIFIED'),
      reason: 'threshold MQA crossed up',
    });
    // the redelivered `up` is not in the history a second time
    expect((await store.readAccountHistory('acme')).map((h) => `${h.crossingId}:${h.outcome}`)).toEqual([
      `${marker.id}:already-at-or-beyond`,
      `${upAgain.id}:already-at-or-beyond`,
      `${down.id}:not-demoted`,
      `${up.id}:moved`,
    ]);
    // a down-crossing alone sets no stage; other thresholds are ignored
    expect(await store.readAccountStage('initech')).toBeNull();
    expect((await store.readAccountHistory('initech'))[0]).toMatchObject({ direction: 'DOWN', outcome: 'not-demoted' });
    expect(await store.readAccountStage('globex')).toBeNull();
    // an account's stage is not a contact's of the same id
    expect(await store.readStage('acme')).toBeNull();
    // no contact stage change for an account move
    expect(changes.items).toEqual([]);

    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toMatch(/leadscore_lifecycle_account_crossings_total\{direction="UP",outcome="moved"\} 1/);
    expect(metrics).toMatch(/leadscore_lifecycle_account_crossings_total\{direction="UP",outcome="redelivered"\} 1/);
    expect(metrics).toMatch(/leadscore_lifecycle_account_crossings_total\{direction="DOWN",outcome="not-demoted"\} 2/);
  });
});
