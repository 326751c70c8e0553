import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { topicNames, type AccountThresholdCrossedValue, type ThresholdCrossedValue } from '@leadscore/contracts';
import { loadLifecycleConfig } from '../src/config.js';
import { lifecycleInputTopics } from '../src/lifecycle-service.js';
import { LifecycleWorkflow } from '../src/lifecycle-workflow.js';
import { LifecycleMetrics } from '../src/metrics.js';
import { stageChangeId } from '../src/stage-store.js';
import { InMemoryStageStore } from './support/in-memory-stage-store.js';
import { JsonCodec } from './support/json-codec.js';
import { RecordingSender } from './support/recording-sender.js';

const TOPICS = topicNames('acc');
const NOW = Date.UTC(2026, 0, 15);
const TARGET = 'MARKETING_QUALIFIED';
const BASE_ENV = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('lifecycle config: account stages', () => {
  it('is off by default, with MQA as the account threshold', () => {
    const config = loadLifecycleConfig(BASE_ENV);
    expect(config.accountStages).toBe(false);
    expect(config.accountThreshold).toBe('MQA');
    expect(lifecycleInputTopics(config, TOPICS)).toEqual([TOPICS.thresholdCrossed]);
  });

  it('LIFECYCLE_ACCOUNT_STAGES=true adds account-threshold-crossed to the consumed topics', () => {
    const config = loadLifecycleConfig({ ...BASE_ENV, LIFECYCLE_ACCOUNT_STAGES: 'true', LIFECYCLE_MQA_THRESHOLD: 'HOT_ACCOUNT' });
    expect(config.accountStages).toBe(true);
    expect(config.accountThreshold).toBe('HOT_ACCOUNT');
    expect(lifecycleInputTopics(config, TOPICS)).toEqual([TOPICS.thresholdCrossed, TOPICS.accountThresholdCrossed]);
  });

  it('refuses a value that is not a boolean, naming the variable', () => {
    expect(() => loadLifecycleConfig({ ...BASE_ENV, LIFECYCLE_ACCOUNT_STAGES: 'maybe' })).toThrow(/LIFECYCLE_ACCOUNT_STAGES/);
  });
});

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
    accountThreshold: 'MQA',
    now: () => NOW,
  });
  let offset = 0;
  const message = async (value: Partial<AccountThresholdCrossedValue> | Buffer): Promise<KafkaMessage> => ({
    offset: String(offset++),
    key: null,
    value: Buffer.isBuffer(value) ? value : await codec.encode('accountThresholdCrossed', accountCrossing(value)),
    timestamp: '0',
    attributes: 0,
    headers: {},
  });
  const handle = async (...values: (Partial<AccountThresholdCrossedValue> | Buffer)[]) =>
    workflow.handle(TOPICS.accountThresholdCrossed, 0, await Promise.all(values.map(message)));
  const count = async (labels: Record<string, string>) =>
    (await metrics.accountCrossings.get()).values.find((v) =>
      Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
    )?.value ?? 0;
  return { codec, store, sender, workflow, handle, count };
}

function accountCrossing(overrides: Partial<AccountThresholdCrossedValue>): AccountThresholdCrossedValue {
  return {
    id: 'a-up',
    accountId: 'acme',
    threshold: 'MQA',
    at: 100,
    direction: 'UP',
    score: 120,
    previousScore: 80,
    gridName: 'g',
    gridVersion: 1,
    cause: { kind: 'MEMBER_SCORE', contactId: null, scoreChangeId: 's1', eventId: null },
    sequence: 3,
    evaluatedAt: NOW,
    ...overrides,
  };
}

describe('LifecycleWorkflow: account stages', () => {
  it('an MQA up-crossing moves the account (not a contact of that id), forward-only and idempotent', async () => {
    const r = rig();
    await r.handle({ id: 'a-up' }, { id: 'a-down', direction: 'DOWN', score: 50 }, { id: 'a-up' });
    expect(r.store.accountStages.get('acme')).toMatchObject({
      stage: TARGET,
      causeId: 'a-up',
      changeId: stageChangeId('a-up', TARGET),
    });
    expect(r.store.stages.get('acme')).toBeUndefined();
    expect(r.store.accountHistories.get('acme')?.map((h) => `${h.direction}:${h.outcome}`)).toEqual([
      'DOWN:not-demoted',
      'UP:moved',
    ]);
    expect(await r.count({ direction: 'UP', outcome: 'moved' })).toBe(1);
    expect(await r.count({ direction: 'DOWN', outcome: 'not-demoted' })).toBe(1);
    expect(await r.count({ direction: 'UP', outcome: 'redelivered' })).toBe(1);
    // no account stage-changed contract: nothing produced for a move
    expect(r.sender.sent).toEqual([]);
  });

  it('other account thresholds do not move the account; an undecodable message is dead-lettered', async () => {
    const r = rig();
    await r.handle({ id: 'a-hot', threshold: 'HOT' }, Buffer.from('not json'));
    expect(r.store.accountStages.size).toBe(0);
    expect(r.sender.messagesTo(TOPICS.deadLetters)).toHaveLength(1);
  });

  it('contact crossings still go to the contact path', async () => {
    const r = rig();
    const value: ThresholdCrossedValue = {
      id: 'x-up',
      contactId: 'acme',
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
    };
    const message: KafkaMessage = {
      offset: '0',
      key: null,
      value: await r.codec.encode('thresholdCrossed', value),
      timestamp: '0',
      attributes: 0,
      headers: {},
    };
    await r.workflow.handle(TOPICS.thresholdCrossed, 0, [message]);
    expect(r.store.stages.get('acme')?.stage).toBe(TARGET);
    expect(r.store.accountStages.size).toBe(0);
  });
});
