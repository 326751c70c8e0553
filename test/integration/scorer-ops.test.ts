import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeadLetterValue, ScoreChangedValue } from '@leadscore/contracts';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const SCORER_BIN = fileURLToPath(new URL('../../services/scorer/bin/scorer.js', import.meta.url));
const BROKEN_GRID = fileURLToPath(new URL('../../deploy/grids/examples/broken.yaml', import.meta.url));

describe('scorer operations', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('refuses to start on an invalid grid, printing every validator message with its path', async () => {
    const { topics } = await freshTopics('badgrid');
    const env = { ...process.env, ...scorerEnv(topics, ctx.uniqueName('badgrid'), { GRID_FILE: BROKEN_GRID }) };
    const failure = await run(process.execPath, [SCORER_BIN], { env }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('refusing to start');
    expect(failure?.stderr).toMatch(/rules\[0\]\.tiers\[1\]\.atLeast: /);
    expect(failure?.stderr).toMatch(/rules\[1\]\.id: duplicate rule id/);
    expect(failure?.stderr).toMatch(/rules\[5\]\.decay\.by: 150% is outside \(0%, 100%\]/);
  });

  it('refuses an invalid configuration with one clear message per problem', async () => {
    const env = { PATH: process.env.PATH ?? '', KAFKA_BROKERS: 'not a broker', REDIS_URL: 'http://x', HTTP_PORT: 'eighty' };
    const failure = await run(process.execPath, [SCORER_BIN], { env }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('KAFKA_BROKERS entries must be host:port');
    expect(failure?.stderr).toContain('SCHEMA_REGISTRY_URL is required');
    expect(failure?.stderr).toContain('REDIS_URL must be a redis: or rediss: URL');
    expect(failure?.stderr).toContain('HTTP_PORT must be an integer');
  });

  it('serves /healthz, /readyz and /metrics; dead-letters bad input with reasons and origin; keeps scoring; stops cleanly on SIGTERM', async () => {
    const { topics, codec, kafka } = await freshTopics('ops', 1);
    const keyPrefix = ctx.uniqueName('ops');
    const scorer = await new ScorerProcess(scorerEnv(topics, keyPrefix, { MAX_EVENT_BYTES: '1024' })).start();
    cleanup.push(() => scorer.kill());
    await scorer.waitReady();
    const port = await scorer.port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
    const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
    cleanup.push(
      () => deadLetters.stop(),
      () => changes.stop(),
    );

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const now = Date.now();
    const good = {
      eventId: 'ok-1',
      contactId: 'c-ops',
      type: 'page_viewed',
      occurredAt: now - 1000,
      properties: { path: '/pricing' },
      source: null,
    };
    // a value written with another registered schema (score-changed) on the events topic: wrong types
    const wrongShape = await codec.encode('scoreChanged', {
      id: 'x',
      contactId: 'c-ops',
      sequence: 1,
      previousScore: 0,
      score: 1,
      delta: 1,
      gridName: 'g',
      gridVersion: 1,
      cause: { kind: 'DECAY', eventId: null },
      changedContributions: [],
      evaluatedAt: now,
    });
    await producer.send({
      topic: topics.behaviouralEvents,
      acks: -1,
      messages: [
        { key: 'c-bytes', value: Buffer.from('definitely not avro'), headers: { origin: 'test' } },
        { key: 'c-id', value: Buffer.from([0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 4]) },
        { key: 'c-none', value: await codec.encode('behaviouralEvents', { ...good, eventId: 'no-contact', contactId: '' }) },
        {
          key: 'c-future',
          value: await codec.encode('behaviouralEvents', { ...good, eventId: 'future', occurredAt: now + 3 * 86_400_000 }),
        },
        { key: 'c-type', value: wrongShape },
        {
          key: 'c-big',
          value: await codec.encode('behaviouralEvents', { ...good, eventId: 'big', properties: { blob: 'x'.repeat(2000) } }),
        },
        { key: 'c-ops', value: await codec.encode('behaviouralEvents', good) },
      ],
    });

    const dlq = await deadLetters.waitFor((items) => items.length >= 6, 60_000, 'six dead letters');
    const reasons = dlq.map((d) => d.headers['x-dlq-reason']);
    expect(reasons).toEqual(['UNDECODABLE', 'UNKNOWN_SCHEMA', 'INVALID_EVENT', 'FUTURE_TIMESTAMP', 'UNDECODABLE', 'OVERSIZED']);
    expect(dlq.map((d) => d.value.reason)).toEqual(reasons);
    for (const [i, d] of dlq.entries()) {
      expect(d.headers['x-dlq-topic']).toBe(topics.behaviouralEvents);
      expect(d.headers['x-dlq-partition']).toBe('0');
      expect(d.headers['x-dlq-offset']).toBe(String(i));
      expect(d.value.sourceOffset).toBe(String(i));
      expect(d.value.originalValue).toBeInstanceOf(Buffer);
    }
    expect(dlq[0]!.key).toBe('c-bytes');
    expect(dlq[0]!.value.originalValue!.toString()).toBe('definitely not avro');
    expect(dlq[0]!.headers['origin']).toBe('test');
    expect(dlq[2]!.value.message).toContain('contactId');
    // the stream went on: the good event after the bad ones was scored
    const scored = await changes.waitFor((items) => items.length >= 1, 30_000, 'the good event scored');
    expect(scored[0]!.value).toMatchObject({ contactId: 'c-ops', score: 500 });

    const metrics = await scorer.metrics();
    expect(metrics).toMatch(/leadscore_events_dead_lettered_total\{reason="UNDECODABLE"\} 2/);
    expect(metrics).toMatch(/leadscore_events_dead_lettered_total\{reason="OVERSIZED"\} 1/);
    expect(metrics).toMatch(/leadscore_events_consumed_total\{topic="[^"]+"\} 7/);
    expect(metrics).toMatch(/leadscore_batch_duration_seconds_bucket/);
    expect(metrics).toMatch(/leadscore_redis_duration_seconds_bucket\{le="[^"]+",operation="commit"\}/);
    expect(metrics).toMatch(/leadscore_consumer_lag\{topic="[^"]+",partition="0"\} 0/);

    // SIGTERM: finishes, commits, leaves the group, exits 0
    expect(await scorer.stop()).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([`${keyPrefix}-scorer`]);
    await admin.disconnect();
    expect(groups[0]?.members).toEqual([]);
  });
});
