import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTopics, testContext, testKafka } from '../support/test-context.js';

const run = promisify(execFile);
const stackScript = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));

describe('the local stack', () => {
  const ctx = testContext();

  // Only the native stack is ours to restart; with env/testcontainers endpoints there is no script to run.
  it.runIf(ctx.mode === 'native')('a second `stack.sh start` leaves the running stack alone and it keeps serving', async () => {
    const { stdout, stderr } = await run('bash', [stackScript, 'start']);
    expect(stderr).toMatch(/kafka already answers/);
    expect(stderr).toMatch(/registry already answers/);
    expect(stderr).toMatch(/redis already answers/);
    expect(stdout).toContain(`KAFKA_BROKERS=${ctx.kafkaBrokers.join(',')}`);

    // still serving after the second start: a topic round trip through the broker
    const kafka = testKafka(ctx.uniqueName('restart'));
    const admin = kafka.admin();
    await admin.connect();
    const topic = ctx.uniqueName('after-restart');
    await createTopics(admin, [topic], 1);
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ value: 'still-here' }] });
    expect(meta?.errorCode).toBe(0);
    await producer.disconnect();
    await admin.disconnect();
    const status = await run('bash', [stackScript, 'status']);
    expect(status.stderr).toMatch(/kafka: up/);
  });

  it('Redis answers and evicts nothing (scoring state must never be evicted)', async () => {
    const redis = new Redis(ctx.redisUrl, { lazyConnect: true });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    expect(policy).toBe('noeviction');
    await redis.quit();
  });
});
