/**
 * Creates a run's topic set and fills its input topics once with the seeded synthetic stream
 * (services/demo/src/synthetic-events.ts): pre-encoded Avro values produced in large sendBatch
 * calls, no compression, acks=1 (a pre-fill needs speed, not the scorer's durability).
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { AvroCodec, TOPIC_KINDS, topicNames, type TopicNames } from '@leadscore/contracts';
import { syntheticEvents, type GeneratedEvent } from '@leadscore/demo';
import { createTopics } from './bench-env.js';

/** As the scorer's default TOPIC_PARTITIONS. */
export const PARTITIONS = 6;
const SEND_BATCH = 5_000;
const SENDS_IN_FLIGHT = 4;
const SOURCE = 'leadscore-bench';

export interface TopicSet {
  readonly prefix: string;
  readonly topics: TopicNames;
  readonly inputTopics: readonly string[];
  readonly codec: AvroCodec;
}

export async function createTopicSet(kafka: Kafka, registryUrl: string, prefix: string): Promise<TopicSet> {
  const topics = topicNames(prefix);
  await createTopics(
    kafka,
    TOPIC_KINDS.map((kind) => topics[kind]),
    PARTITIONS,
  );
  const codec = await AvroCodec.connect({ registryUrl, topics, register: true });
  return { prefix, topics, inputTopics: [topics.behaviouralEvents, topics.contactUpdates], codec };
}

/** One event as the (topic, key, value) a marketing platform would produce. */
export async function encodeEvent(set: TopicSet, event: GeneratedEvent): Promise<{ topic: string; key: string; value: Buffer }> {
  if (event.type === 'contact_updated') {
    const value = {
      eventId: event.eventId,
      contactId: event.contactId,
      occurredAt: event.occurredAt,
      properties: event.properties,
      source: SOURCE,
    };
    return { topic: set.topics.contactUpdates, key: event.contactId, value: await set.codec.encode('contactUpdates', value) };
  }
  const value = { ...event, source: SOURCE };
  return { topic: set.topics.behaviouralEvents, key: event.contactId, value: await set.codec.encode('behaviouralEvents', value) };
}

export interface PrefillResult {
  readonly events: number;
  readonly behavioural: number;
  readonly contactUpdates: number;
  readonly ms: number;
}

export async function prefill(
  kafka: Kafka,
  set: TopicSet,
  options: { seed: number; contacts: number; events: number; now: number },
): Promise<PrefillResult> {
  return produceEvents(kafka, set, syntheticEvents({ ...options, days: 30 }));
}

/** Produces `events` into the set's input topics as the pre-fill does (any generator: the hot-contact phase has its own). */
export async function produceEvents(kafka: Kafka, set: TopicSet, events: Iterable<GeneratedEvent>): Promise<PrefillResult> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  let behavioural = 0;
  let contactUpdates = 0;
  const inFlight = new Set<Promise<unknown>>();
  try {
    let batch = new Map<string, { key: string; value: Buffer }[]>();
    let size = 0;
    const flush = async () => {
      if (size === 0) return;
      const topicMessages = [...batch].map(([topic, messages]) => ({ topic, messages }));
      batch = new Map();
      size = 0;
      const send = producer.sendBatch({ acks: 1, topicMessages });
      inFlight.add(send);
      void send.finally(() => inFlight.delete(send)).catch(() => undefined);
      if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
    };
    for (const event of events) {
      const m = await encodeEvent(set, event);
      if (m.topic === set.topics.contactUpdates) contactUpdates += 1;
      else behavioural += 1;
      const list = batch.get(m.topic);
      if (list) list.push({ key: m.key, value: m.value });
      else batch.set(m.topic, [{ key: m.key, value: m.value }]);
      size += 1;
      if (size >= SEND_BATCH) await flush();
    }
    await flush();
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return { events: behavioural + contactUpdates, behavioural, contactUpdates, ms: performance.now() - started };
}
