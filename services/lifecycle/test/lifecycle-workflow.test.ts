import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicNames, type LifecycleStageChangedValue, type ThresholdCrossedValue } from '@leadscore/contracts';
import { loadLifecycleConfig } from '../src/config.js';
import { LifecycleWorkflow } from '../src/lifecycle-workflow.js';
import { LifecycleMetrics } from '../src/metrics.js';
import { stageChangeId } from '../src/stage-store.js';
import { InMemoryStageStore } from './support/in-memory-stage-store.js';
import { JsonCodec } from './support/json-codec.js';
import { RecordingSender } from './support/recording-sender.js';

const TOPICS = topicNames('wf');
const NOW = Date.UTC(2026, 0, 15);
const TARGET = 'MARKETING_QUALIFIED';

function rig(qualifyOn: { threshold: string; scoreId?: string } = { threshold: 'MQL' }) {
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
    ...qualifyOn,
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
  it("with several scores, only the configured score's threshold qualifies; the matrix's qualified can be that one", async () => {
    const engagement = rig({ scoreId: 'engagement', threshold: 'MQL' });
    await engagement.handle(
      { id: 'fit-up', contactId: 'c1', scoreId: 'fit' },
      { id: 'score-up', contactId: 'c2' }, // written without scoreId: the score "score"
      { id: 'eng-up', contactId: 'c3', scoreId: 'engagement' },
    );
    expect([...engagement.store.stages.keys()]).toEqual(['c3']);
    const matrix = rig({ scoreId: 'matrix', threshold: 'qualified' });
    await matrix.handle(
      { id: 'eng-up', contactId: 'c1', scoreId: 'engagement' },
      { id: 'm-up', contactId: 'c2', scoreId: 'matrix', threshold: 'qualified', at: 1, score: 1, previousScore: 0 },
    );
    expect([...matrix.store.stages.keys()]).toEqual(['c2']);
    expect(matrix.changes().map((c) => c.value.reason)).toEqual(['threshold qualified crossed up']);
    // a grid of one score: a crossing written with scoreId "score" or without it qualifies alike
    const single = rig();
    await single.handle({ id: 'a', contactId: 'c1', scoreId: 'score' }, { id: 'b', contactId: 'c2', scoreId: 'engagement' });
    expect([...single.store.stages.keys()]).toEqual(['c1']);
  });

  it('LIFECYCLE_MQL_SCORE picks the score; for the matrix the threshold is qualified unless set', () => {
    const base = {
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      REDIS_URL: 'redis://127.0.0.1:6379',
    };
    expect(loadLifecycleConfig(base)).toMatchObject({ scoreId: 'score', threshold: 'MQL' });
    expect(loadLifecycleConfig({ ...base, LIFECYCLE_MQL_SCORE: 'matrix' })).toMatchObject({
      scoreId: 'matrix',
      threshold: 'qualified',
    });
    expect(loadLifecycleConfig({ ...base, LIFECYCLE_MQL_SCORE: 'engagement', LIFECYCLE_MQL_THRESHOLD: 'SQL' })).toMatchObject({
      scoreId: 'engagement',
      threshold: 'SQL',
    });
  });

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
