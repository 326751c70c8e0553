import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DeadLetterBuilder, type DeadLetterValue, type ScoreChangedValue } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../services/cli/bin/leadscore.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function leadscore(args: string[], env: Record<string, string>): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe('leadscore dlq', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('refuses to run without KAFKA_BROKERS and SCHEMA_REGISTRY_URL, naming both', async () => {
    const result = await leadscore(['dlq', 'list', '--topic-prefix', 'x'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KAFKA_BROKERS is required');
    expect(result.stderr).toContain('SCHEMA_REGISTRY_URL is required');
  });

  it(
    'lists dead letters with reasons and origin (no payload); after a fix, replays the selected one and it gets scored',
    { timeout: 240_000 },
    async () => {
      const { topics, codec, kafka } = await freshTopics('dlq', 1);
      const keyPrefix = ctx.uniqueName('dlq');
      const prefix = topics.behaviouralEvents.replace(/\.behavioural-events$/, '');
      const cliEnv = { KAFKA_BROKERS: ctx.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl };

      // A scorer whose MAX_EVENT_BYTES is too small for one legitimate event.
      const tight = await new ScorerProcess(scorerEnv(topics, keyPrefix, { MAX_EVENT_BYTES: '1024' })).start();
      cleanup.push(() => tight.kill());
      await tight.waitReady();
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
      const event = (eventId: string, contactId: string, extra: Record<string, unknown> = {}) => ({
        eventId,
        contactId,
        type: 'page_viewed',
        occurredAt: now - 60_000,
        properties: { path: '/pricing' },
        source: null,
        ...extra,
      });
      const secret = 'PII-'.repeat(400); // must never be printed
      await producer.send({
        topic: topics.behaviouralEvents,
        acks: -1,
        messages: [
          { key: 'c-ok', value: await codec.encode('behaviouralEvents', event('e-ok', 'c-ok')) },
          {
            key: 'c-big',
            value: await codec.encode(
              'behaviouralEvents',
              event('e-big', 'c-big', { properties: { path: '/pricing', note: secret } }),
            ),
            headers: { origin: 'crm' },
          },
          {
            key: 'c-future',
            value: await codec.encode('behaviouralEvents', event('e-future', 'c-future', { occurredAt: now + 3 * 86_400_000 })),
          },
        ],
      });
      await deadLetters.waitFor((items) => items.length >= 2, 60_000, 'two dead letters');
      await changes.waitFor((items) => items.some((i) => i.value.contactId === 'c-ok'), 60_000, 'the good event scored');
      expect(changes.items.some((i) => i.value.contactId === 'c-big')).toBe(false);

      const listed = await leadscore(['dlq', 'list', '--topic-prefix', prefix], cliEnv);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(
        /^0:0\s+OVERSIZED\s+\S+\.behavioural-events\[0\]@1\s+\S+Z\s+value of \d+ bytes exceeds the limit of 1024$/m,
      );
      expect(listed.stdout).toMatch(/^0:1\s+FUTURE_TIMESTAMP\s+\S+\.behavioural-events\[0\]@2\s/m);
      expect(listed.stdout).not.toContain('PII-');
      expect(listed.stderr).toContain('2 dead letter(s) (OVERSIZED 1, FUTURE_TIMESTAMP 1); 2 matching, 2 shown');

      const json = await leadscore(
        ['dlq', 'list', '--topic-prefix', prefix, '--reason', 'OVERSIZED', '--format', 'json'],
        cliEnv,
      );
      expect(json.code).toBe(0);
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({
          partition: 0,
          offset: 0,
          reason: 'OVERSIZED',
          sourceTopic: topics.behaviouralEvents,
          sourcePartition: 0,
          sourceOffset: '1',
          failedBy: 'scorer',
          replayable: true,
        }),
      ]);
      expect(json.stdout).not.toContain('PII-');
      const limited = await leadscore(['dlq', 'list', '--topic-prefix', prefix, '--limit', '1'], cliEnv);
      expect(limited.stdout.trim().split('\n')).toHaveLength(2); // header + one

      // The fix: the limit was too tight. Restart the scorer with a larger one, then replay.
      expect(await tight.stop()).toBe(0);
      const fixed = await new ScorerProcess(scorerEnv(topics, keyPrefix, { MAX_EVENT_BYTES: '65536' })).start();
      cleanup.push(() => fixed.kill());
      await fixed.waitReady();

      const dry = await leadscore(['dlq', 'replay', '--topic-prefix', prefix, '--offsets', '0', '--dry-run'], cliEnv);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would replay 0:0 OVERSIZED');
      const missing = await leadscore(['dlq', 'replay', '--topic-prefix', prefix, '--offsets', '0:7', '--dry-run'], cliEnv);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`not found: 0:7 is not in ${topics.deadLetters}`);

      const replayed = await leadscore(['dlq', 'replay', '--topic-prefix', prefix, '--offsets', '0'], cliEnv);
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toMatch(
        new RegExp(`^replayed 0:0 OVERSIZED → ${topics.behaviouralEvents.replace(/\./g, '\\.')}\\[0\\]@3 \\(was `, 'm'),
      );
      expect(replayed.stderr).toContain('replayed 1 dead letter(s)');

      const scored = await changes.waitFor(
        (items) => items.some((i) => i.value.contactId === 'c-big'),
        60_000,
        'the replayed event scored',
      );
      const big = scored.find((i) => i.value.contactId === 'c-big')!;
      expect(big.value.cause).toEqual({ kind: 'EVENT', eventId: 'e-big' });
      expect(big.value.score).toBeGreaterThan(0);
      // The replayed copy keeps the original headers and says where it came from.
      const copy = await readOne(kafka, topics.behaviouralEvents, 3);
      expect(copy.headers['origin']).toBe('crm');
      expect(copy.headers['x-dlq-replayed-from']).toBe(`${topics.deadLetters}:0:0`);
      // The future event was not replayed, and nothing new was dead-lettered.
      expect(changes.items.some((i) => i.value.contactId === 'c-future')).toBe(false);
      expect(deadLetters.items).toHaveLength(2);
      expect(await fixed.stop()).toBe(0);
    },
  );

  it("replays the account service's dead letters to the topics they came from, and no topic outside the prefix", async () => {
    const { topics, codec, kafka } = await freshTopics('dlq-accounts', 1);
    const prefix = topics.behaviouralEvents.replace(/\.behavioural-events$/, '');
    const cliEnv = { KAFKA_BROKERS: ctx.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl };
    // What the account service's stages dead-letter (failedBy accounts): one from each topic it reads.
    const sources = [topics.scoreChanged, topics.contactMerged, topics.accountUpdates, topics.accountMembers];
    const builder = new DeadLetterBuilder(codec, 'accounts');
    const original = (topic: string) => Buffer.from(`not avro from ${topic}`);
    const deadLetters = await Promise.all(
      [...sources, 'elsewhere.account-updates'].map((topic) =>
        builder.build(
          {
            topic,
            partition: 0,
            offset: '4',
            key: Buffer.from('k-1'),
            value: original(topic),
            headers: { origin: 'crm' },
            timestamp: '0',
          },
          ErrorCode.Undecodable,
          'the registry did not know its schema',
          Date.now(),
        ),
      ),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send({ topic: topics.deadLetters, acks: -1, messages: deadLetters });

    const replayed = await leadscore(['dlq', 'replay', '--topic-prefix', prefix, '--reason', 'UNDECODABLE'], cliEnv);
    expect(replayed.stderr).toContain('skipped 0:4: its source topic elsewhere.account-updates is not an input topic');
    expect(replayed.stderr).toContain('replayed 4 dead letter(s); 1 problem(s) above');
    expect(replayed.code).toBe(2); // one was skipped
    for (const [i, topic] of sources.entries()) {
      expect(replayed.stdout).toContain(`replayed 0:${i} UNDECODABLE → ${topic}[0]@0 (was ${topic}[0]@4)`);
      const copy = await readOne(kafka, topic, 0);
      expect(copy.value).toEqual(original(topic));
      expect(copy.headers['origin']).toBe('crm');
      expect(copy.headers['x-dlq-replayed-from']).toBe(`${topics.deadLetters}:0:${i}`);
    }
  });
});

async function readOne(
  kafka: import('kafkajs').Kafka,
  topic: string,
  offset: number,
): Promise<{ headers: Record<string, string>; value: Buffer | null }> {
  const consumer = kafka.consumer({ groupId: testContext().uniqueName('read-one') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`offset ${offset} of ${topic} not read in time`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (Number(message.offset) !== offset) return;
          clearTimeout(timer);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
          resolve({ headers, value: message.value });
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
