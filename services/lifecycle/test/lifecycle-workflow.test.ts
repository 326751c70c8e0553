import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicNames, type LifecycleStageChangedValue, type ThresholdCrossedValue } from '@leadscore/contracts';
import { LifecycleWorkflow } from '../src/lifecycle-workflow.js';
import { LifecycleMetrics } from '../src/metrics.js';
import { stageChangeId } from '../src/stage-store.js';
import { InMemoryStageStore } from './support/in-memory-stage-store.js';
import { JsonCodec } from './support/json-codec.js';
import { RecordingSender } from './support/recording-sender.js';

const TOPICS = topicNames('wf');
const NOW = Date.UTC(2026, 0, 15);
const TARGET = 'MARKETING_QUALIFIED';

function rig() {
  const codec = new JsonCodec();
  const store = new InMemoryStageStore();
  const sender = new RecordingSender();
  const metrics = new LifecycleMetrics();
  const workflow = new LifecycleWorkflow({
    codec,
    sender,
    topics: TOPICS,
    store,
    metrics,
    threshold: 'MQL',
    target: TARGET,
    now: () => NOW,
  });
  let offset = 0;
  const message = async (value: Partial<ThresholdCrossedValue> | Buffer): Promise<KafkaMessage> => ({
    offset: String(offset++),
    key: null,
    value: Buffer.isBuffer(value) ? value : await codec.encode('thresholdCrossed', crossing(value)),
    timestamp: '0',
    attributes: 0,
    headers: {},
  });
  const handle = async (...values: (Partial<ThresholdCrossedValue> | Buffer)[]) =>
    workflow.handle(TOPICS.thresholdCrossed, 0, await Promise.all(values.map(message)));
  const changes = () =>
    sender.messagesTo(TOPICS.lifecycleStageChanged).map((m) => ({
      key: m.key,
      headers: m.headers,
      value: (JSON.parse(String(m.value)) as { value: LifecycleStageChangedValue }).value,
    }));
  const count = async (name: 'crossings' | 'stageChanges', labels: Record<string, string>) =>
    (await metrics[name].get()).values.find((v) =>
      Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
    )?.value ?? 0;
  return { codec, store, sender, handle, changes, count };
}

function crossing(overrides: Partial<ThresholdCrossedValue>): ThresholdCrossedValue {
  return {
    id: 'x-up',
    contactId: 'c1',
    threshold: 'MQL',
    at: 100,
    direction: 'UP',
    score: 120,
    previousScore: 80,
    gridName: 'g',
    gridVersion: 1,
    cause: { kind: 'EVENT', eventId: 'e1' },
    sequence: 3,
    evaluatedAt: NOW,
    ...overrides,
  };
}

describe('LifecycleWorkflow', () => {
  it('an MQL up-crossing moves the contact to marketing-qualified and emits the stage change', async () => {
    const r = rig();
    await r.handle({ id: 'x-up', contactId: 'c1' });
    expect(r.store.stages.get('c1')?.stage).toBe(TARGET);
    expect(r.changes()).toEqual([
      {
        key: 'c1',
        headers: { 'x-change-id': stageChangeId('x-up', TARGET) },
        value: {
          id: stageChangeId('x-up', TARGET),
          contactId: 'c1',
          from: null,
          to: TARGET,
          reason: 'threshold MQL crossed up',
          causeId: 'x-up',
          changedAt: NOW,
        },
      },
    ]);
    expect(await r.count('crossings', { direction: 'UP', outcome: 'moved' })).toBe(1);
    expect(await r.count('stageChanges', { to: TARGET })).toBe(1);
  });

  it('a lead is promoted from its stage; one already there or beyond is not moved and nothing is emitted', async () => {
    const r = rig();
    await r.store.setStage('lead', 'LEAD', NOW - 1, 'crm');
    await r.store.setStage('sql', 'SALES_QUALIFIED', NOW - 1, 'crm');
    await r.handle({ id: 'x1', contactId: 'lead' }, { id: 'x2', contactId: 'sql' });
    expect(r.changes().map((c) => [c.value.contactId, c.value.from, c.value.to])).toEqual([['lead', 'LEAD', TARGET]]);
    expect(r.store.stages.get('sql')?.stage).toBe('SALES_QUALIFIED');
    expect(await r.count('crossings', { direction: 'UP', outcome: 'already-at-or-beyond' })).toBe(1);
  });

  it('a down-crossing never demotes (nor promotes) and emits nothing', async () => {
    const r = rig();
    await r.store.setStage('lead', 'LEAD', NOW - 1, 'crm');
    await r.handle({ id: 'x-up' });
    await r.handle(
      { id: 'x-down', direction: 'DOWN', score: 60, previousScore: 120 },
      { id: 'x-lead-down', contactId: 'lead', direction: 'DOWN' },
    );
    expect(r.store.stages.get('c1')?.stage).toBe(TARGET);
    expect(r.store.stages.get('lead')?.stage).toBe('LEAD');
    expect(r.changes()).toHaveLength(1);
    expect(r.store.histories.get('c1')?.[0]).toMatchObject({ crossingId: 'x-down', outcome: 'not-demoted' });
    expect(await r.count('crossings', { direction: 'DOWN', outcome: 'not-demoted' })).toBe(2);
  });

  it('a replayed crossing changes nothing; a replayed move emits the very same change again (its first produce may have been lost)', async () => {
    const r = rig();
    await r.handle({ id: 'x-up' }, { id: 'x-down', direction: 'DOWN', score: 60 });
    const stage = r.store.stages.get('c1');
    const history = r.store.histories.get('c1');
    const first = r.changes();
    await r.handle({ id: 'x-up' }, { id: 'x-down', direction: 'DOWN', score: 60 });
    expect(r.store.stages.get('c1')).toEqual(stage);
    expect(r.store.histories.get('c1')).toEqual(history);
    expect(r.changes()).toEqual([...first, ...first]);
    expect(await r.count('crossings', { direction: 'UP', outcome: 'redelivered' })).toBe(1);
    expect(await r.count('crossings', { direction: 'DOWN', outcome: 'redelivered' })).toBe(1);
  });

  it('crossings of other thresholds do not drive the lifecycle', async () => {
    const r = rig();
    await r.handle({ id: 'x-hot', threshold: 'HOT', at: 200 });
    expect(r.store.stages.size).toBe(0);
    expect(r.store.histories.size).toBe(0);
    expect(r.sender.sent).toEqual([]);
  });

  it('an undecodable message becomes a dead letter; the rest of the chunk is still applied', async () => {
    const r = rig();
    await r.handle(Buffer.from('garbage'), { id: 'x-up' });
    const deadLetters = r.sender.messagesTo(TOPICS.deadLetters);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.headers).toMatchObject({ 'x-dlq-reason': 'UNDECODABLE', 'x-dlq-offset': '0' });
    expect(r.changes()).toHaveLength(1);
  });

  it('a registry outage fails the chunk (retriable) before anything is applied', async () => {
    const r = rig();
    r.codec.unavailable = true;
    await expect(r.handle({ id: 'x-up' })).rejects.toMatchObject({ retriable: true });
    expect(r.store.histories.size).toBe(0);
  });

  it('a failed produce fails the chunk (retriable); its redelivery emits the change with the same id', async () => {
    const r = rig();
    r.sender.failNext();
    await expect(r.handle({ id: 'x-up' })).rejects.toMatchObject({ code: 'PUBLISH_FAILED', retriable: true });
    expect(r.changes()).toEqual([]);
    await r.handle({ id: 'x-up' });
    expect(r.changes().map((c) => c.value.id)).toEqual([stageChangeId('x-up', TARGET)]);
  });
});
