import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { AvroCodec, topicNames, type BehaviouralEventValue } from '@leadscore/contracts';
import { createTopics, testContext, testKafka } from '../support/test-context.js';

const event: BehaviouralEventValue = {
  eventId: 'evt-1',
  contactId: 'contact-42',
  type: 'page_viewed',
  occurredAt: Date.UTC(2026, 2, 1, 10),
  properties: { path: '/pricing', velocity: 3.5, known: true, campaign: null },
  source: 'test',
};

/** Consumes until `count` messages arrived; resolves with them. Bounded by the test timeout. */
function collect(consumer: Consumer, count: number): Promise<EachMessagePayload[]> {
  const seen: EachMessagePayload[] = [];
  return new Promise((resolve, reject) => {
    consumer
      .run({
        eachMessage: async (payload) => {
          seen.push(payload);
          if (seen.length >= count) resolve(seen);
        },
      })
      .catch(reject);
  });
}

describe('Kafka broker with kafkajs and Avro through the registry', () => {
  const ctx = testContext();
  let kafka: Kafka;
  let admin: Admin;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    kafka = testKafka(ctx.uniqueName('client'));
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await admin.disconnect();
  });

  it('produces an Avro event, consumes it in a group, decodes it, and commits the offset', async () => {
    const topics = topicNames(ctx.uniqueName('roundtrip'));
    await createTopics(admin, [topics.behaviouralEvents]);
    const codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      register: true,
      kinds: ['behaviouralEvents'],
    });

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: topics.behaviouralEvents,
      acks: -1,
      messages: [{ key: event.contactId, value: await codec.encode('behaviouralEvents', event) }],
    });
    await producer.disconnect();

    const groupId = ctx.uniqueName('group');
    const consumer = kafka.consumer({ groupId });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: topics.behaviouralEvents, fromBeginning: true });
    const [received] = await collect(consumer, 1);
    expect(received?.message.key?.toString()).toBe('contact-42');
    expect(await codec.decode('behaviouralEvents', received!.message.value)).toEqual(event);

    await consumer.commitOffsets([
      { topic: received!.topic, partition: received!.partition, offset: String(Number(received!.message.offset) + 1) },
    ]);
    const committed = await admin.fetchOffsets({ groupId, topics: [topics.behaviouralEvents] });
    const partition = committed[0]?.partitions.find((p) => p.partition === received!.partition);
    expect(partition?.offset).toBe(String(Number(received!.message.offset) + 1));
  });

  it('supports transactions: a read_committed consumer sees committed sends and never aborted ones', async () => {
    const topic = ctx.uniqueName('tx');
    await createTopics(admin, [topic], 1);
    const producer = kafka.producer({ transactionalId: ctx.uniqueName('txid'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { key: 'k', value: 'committed-1' },
        { key: 'k', value: 'committed-2' },
      ],
    });
    await committed.commit();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: ctx.uniqueName('txgroup'), readUncommitted: false });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await collect(consumer, 2);
    expect(received.map((r) => r.message.value?.toString())).toEqual(['committed-1', 'committed-2']);
  });
});
