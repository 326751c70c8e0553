import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { Redis } from 'ioredis';
import { compileGrid, decodeState, loadGrid, replayEvents, scoreAt } from '@leadscore/engine';
import { eventMix, toNdjsonLines } from '../support/event-mix.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { scorerEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { freePort, ScorerProcess } from '../support/scorer-process.js';
import { freshTopics, produceEvents, waitForGroupCaughtUp, type RawEvent } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const stackScript = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));
const grid = compileGrid(loadGrid(readFileSync(STARTER_GRID, 'utf8')));

async function expectScoresMatchReplay(redisUrl: string, keyPrefix: string, events: readonly RawEvent[]): Promise<void> {
  const at = Date.now();
  const replay = await replayEvents(grid, toNdjsonLines(events), at);
  const redis = new Redis(redisUrl);
  try {
    const raws = await redis.mget(replay.contacts.map((c) => `${keyPrefix}:c:{${c.contactId}}`));
    const wrong = replay.contacts.filter((c, i) => (raws[i] ? scoreAt(grid, decodeState(raws[i]!), at).score : 0) !== c.score);
    expect(wrong.map((c) => c.contactId)).toEqual([]);
  } finally {
    await redis.quit();
  }
}

async function readyStatus(scorer: ScorerProcess): Promise<number> {
  return fetch(`http://127.0.0.1:${await scorer.port}/readyz`).then(
    (r) => r.status,
    () => 0,
  );
}

async function waitForStatus(scorer: ScorerProcess, status: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyStatus(scorer)) !== status) {
    if (Date.now() > deadline) throw new Error(`/readyz never answered ${status}`);
    await new Promise((r) => setTimeout(r, 200)); // poll interval
  }
}

async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return JSON.stringify(offsets?.partitions.map((p) => [p.partition, p.offset]).sort());
  } finally {
    await admin.disconnect();
  }
}

describe('outages: the scorer pauses, commits nothing unapplied, reconnects and resumes', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('Redis unavailable for 30 s', { timeout: 240_000 }, async () => {
    const redisServer = new RedisServerProcess(await freePort());
    await redisServer.start();
    cleanup.push(() => redisServer.kill());
    const events = eventMix({ seed: 11, contacts: 200, events: 3_000, now: Date.now() }).map((e) => ({
      ...e,
      onBehaviouralTopic: true,
    }));
    const { topics, codec, kafka } = await freshTopics('redis-outage', 3);
    const keyPrefix = ctx.uniqueName('redis-outage');
    const env: Record<string, string> = { ...scorerEnv(topics, keyPrefix), REDIS_URL: redisServer.url, REDIS_CLUSTER: 'false' };
    const groupId = env.SCORER_GROUP_ID!;
    const scorer = await new ScorerProcess(env).start();
    cleanup.push(() => scorer.kill());
    await scorer.waitReady();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    await produceEvents(producer, codec, topics, events.slice(0, 1_000));
    await waitForGroupCaughtUp(kafka, groupId, [topics.behaviouralEvents]);

    const outageStart = Date.now();
    await redisServer.kill();
    await produceEvents(producer, codec, topics, events.slice(1_000));
    await waitForStatus(scorer, 503);
    const committedEarly = await committedOffsets(kafka, groupId, topics.behaviouralEvents);
    await new Promise((r) => setTimeout(r, Math.max(0, outageStart + 30_000 - Date.now()))); // the outage lasts 30 s
    expect(await committedOffsets(kafka, groupId, topics.behaviouralEvents)).toBe(committedEarly);
    expect(scorer.running).toBe(true);
    expect(await scorer.metrics()).toMatch(/leadscore_paused_partitions \d/);

    await redisServer.start();
    await waitForGroupCaughtUp(kafka, groupId, [topics.behaviouralEvents], 120_000);
    await waitForStatus(scorer, 200);
    await expectScoresMatchReplay(redisServer.url, keyPrefix, events);
  });

  it.runIf(ctx.mode === 'native')('the Kafka broker restarted', { timeout: 240_000 }, async () => {
    const events = eventMix({ seed: 12, contacts: 200, events: 2_000, now: Date.now() }).map((e) => ({
      ...e,
      onBehaviouralTopic: true,
    }));
    const { topics, codec, kafka } = await freshTopics('broker-restart', 3);
    const keyPrefix = ctx.uniqueName('broker-restart');
    const env = scorerEnv(topics, keyPrefix);
    const scorer = await new ScorerProcess(env).start();
    cleanup.push(() => scorer.kill());
    await scorer.waitReady();
    let producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await produceEvents(producer, codec, topics, events.slice(0, 1_000));
    await waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents]);
    await producer.disconnect();

    await run('bash', [stackScript, 'stop', 'kafka']);
    await waitForStatus(scorer, 503);
    await run('bash', [stackScript, 'start']);
    expect(scorer.running).toBe(true);

    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await produceEvents(producer, codec, topics, events.slice(1_000));
    await waitForGroupCaughtUp(kafka, env.SCORER_GROUP_ID!, [topics.behaviouralEvents], 180_000);
    await waitForStatus(scorer, 200, 120_000);
    expect(scorer.running).toBe(true);
    await expectScoresMatchReplay(ctx.redisUrl, keyPrefix, events);
  });
});
