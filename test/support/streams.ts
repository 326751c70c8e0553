import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  AvroCodec,
  PartitionedSender,
  topicNames,
  type ScoreChangedValue,
  type ThresholdCrossedValue,
  type TopicKind,
  type TopicNames,
} from '@leadscore/contracts';
import { createTopics, testContext } from './test-context.js';

/** A fresh, isolated set of topics for one test (own prefix), created and with schemas registered. */
export async function freshTopics(
  label: string,
  partitions = 3,
): Promise<{ topics: TopicNames; codec: AvroCodec; kafka: Kafka }> {
  const ctx = testContext();
  const topics = topicNames(ctx.uniqueName(label));
  const kafka = new Kafka({ clientId: ctx.uniqueName(`${label}-client`), brokers: ctx.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, Object.values(topics), partitions);
  await admin.disconnect();
  const codec = await AvroCodec.connect({ registryUrl: ctx.schemaRegistryUrl, topics, register: true });
  return { topics, codec, kafka };
}

export interface RawEvent {
  eventId: string;
  contactId: string;
  type: string;
  occurredAt: number;
  properties?: Record<string, string | number | boolean | null>;
  /** send a contact_updated event on the behavioural-events topic instead of contact-updates */
  onBehaviouralTopic?: boolean;
}

/** Produces events as Avro to the behavioural-events topic (contact_updated ones to contact-updates). */
export async function produceEvents(
  producer: Producer,
  codec: AvroCodec,
  topics: TopicNames,
  events: readonly RawEvent[],
): Promise<void> {
  const sender = new PartitionedSender(
    new Kafka({ clientId: 'test-sender', brokers: testContext().kafkaBrokers, logLevel: logLevel.NOTHING }),
    producer,
  );
  const messages: { topic: string; key: string; value: Buffer }[] = [];
  for (const e of events) {
    if (e.type === 'contact_updated' && !e.onBehaviouralTopic) {
      const value = {
        eventId: e.eventId,
        contactId: e.contactId,
        occurredAt: e.occurredAt,
        properties: e.properties ?? {},
        source: null,
      };
      messages.push({ topic: topics.contactUpdates, key: e.contactId, value: await codec.encode('contactUpdates', value) });
    } else {
      const value = {
        eventId: e.eventId,
        contactId: e.contactId,
        type: e.type,
        occurredAt: e.occurredAt,
        properties: e.properties ?? {},
        source: null,
      };
      messages.push({ topic: topics.behaviouralEvents, key: e.contactId, value: await codec.encode('behaviouralEvents', value) });
    }
  }
  for (let i = 0; i < messages.length; i += 2000) {
    const slice = messages.slice(i, i + 2000);
    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    for (const m of slice) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
    await sender.sendBatch([...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })));
  }
  await sender.close();
}

export interface Collected<T> {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Record<string, string>;
  readonly value: T;
}

/**
 * Reads a topic from the beginning into memory, decoded, until `until(items)` holds.
 * Resolves with the items; rejects after `timeoutMs` with what it had (a bounded wait, not a sleep).
 */
export class TopicCollector<T> {
  readonly items: Collected<T>[] = [];
  /** Distinct offsets read, per partition: proves every message was read, not only the last. */
  readonly offsetsRead = new Map<number, Set<string>>();
  private consumer?: Consumer;
  private waiters: { until: (items: Collected<T>[]) => boolean; resolve: () => void }[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec | null,
    private readonly kind: TopicKind,
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: testContext().uniqueName(`collect-${this.kind}`), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        const value = (this.codec ? await this.codec.decode(this.kind, message.value) : message.value) as T;
        this.items.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, headers, value });
        const read = this.offsetsRead.get(partition) ?? new Set<string>();
        read.add(message.offset);
        this.offsetsRead.set(partition, read);
        this.waiters = this.waiters.filter((w) => {
          if (!w.until(this.items)) return true;
          w.resolve();
          return false;
        });
      },
    });
    return this;
  }

  waitFor(until: (items: Collected<T>[]) => boolean, timeoutMs = 60_000, what = 'expected messages'): Promise<Collected<T>[]> {
    if (until(this.items)) return Promise.resolve(this.items);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${this.topic}; have ${this.items.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        until,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.items);
        },
      });
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** A started collector of one of the test's topics, by kind (values decoded through the registry). */
export function collectTopic<T>(kafka: Kafka, codec: AvroCodec, topics: TopicNames, kind: TopicKind): Promise<TopicCollector<T>> {
  return new TopicCollector<T>(kafka, codec, kind, topics[kind]).start();
}

/** Collectors, started, on a test's score-changed and threshold-crossed topics; their stops go to `cleanup`. */
export async function collectOutputs(
  kafka: Kafka,
  codec: AvroCodec,
  topics: TopicNames,
  cleanup: (() => Promise<unknown>)[],
): Promise<{ changes: TopicCollector<ScoreChangedValue>; crossings: TopicCollector<ThresholdCrossedValue> }> {
  const changes = await new TopicCollector<ScoreChangedValue>(kafka, codec, 'scoreChanged', topics.scoreChanged).start();
  const crossings = await new TopicCollector<ThresholdCrossedValue>(
    kafka,
    codec,
    'thresholdCrossed',
    topics.thresholdCrossed,
  ).start();
  cleanup.push(
    () => changes.stop(),
    () => crossings.stop(),
  );
  return { changes, crossings };
}

/** Waits until a consumer group has committed every partition of `topics` up to its end (bounded). */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let behind = 0;
      try {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const end of ends) {
            const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            const committedOffset = Number(done) < 0 ? 0 : Number(done);
            behind += Math.max(0, Number(end.high) - committedOffset);
          }
        }
      } catch (error) {
        // e.g. a broker just restarted: "not the correct coordinator"; ask again until the deadline
        if (Date.now() > deadline) throw error;
        behind = -1;
      }
      if (behind === 0) return;
      if (Date.now() > deadline && behind > 0)
        throw new Error(`group ${groupId} still ${behind} messages behind after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250)); // poll interval
    }
  } finally {
    await admin.disconnect();
  }
}

/** The end offsets (high watermarks) of a topic, by partition. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until a collector has read every message up to the topic's current end: as many distinct
 * offsets per partition as the partition holds (our producers are not transactional, so offsets
 * are contiguous from 0). A consumer that skipped messages times out here, naming the partitions.
 */
export async function waitForCollectorAtEnd<T>(
  kafka: Kafka,
  collector: TopicCollector<T>,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  const ends = await endOffsets(kafka, topic);
  const short = () =>
    [...ends]
      .filter(([partition, end]) => (collector.offsetsRead.get(partition)?.size ?? 0) < end)
      .map(([p, end]) => `${p}: ${collector.offsetsRead.get(p)?.size ?? 0}/${end}`);
  await collector
    .waitFor(() => short().length === 0, timeoutMs, `every message up to the end of ${topic}`)
    .catch((error: Error) => {
      throw new Error(`${error.message}; partitions read short (read/end): ${short().join(', ')}`);
    });
}
