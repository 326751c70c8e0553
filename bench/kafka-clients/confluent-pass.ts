/**
 * @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API, driven as
 * kafkajs is in kafkajs-pass.ts: eachBatch without auto-resolve, two partitions at a time,
 * relay batches capped at the scorer's chunk size (`js.consumer.max.batch.size`, default 32),
 * an idempotent producer with acks=all, offsets stored on resolve and auto-committed (every 5 s;
 * librdkafka heartbeats by itself, the payload's `heartbeat()` is a no-op).
 */
import { eachBatchRun, valueBytes, type PassMeter, type PassSpec } from './pass-meter.js';

/** The few parts of the client's KafkaJS API this pass uses; the package is an optional install. */
interface ConfluentMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
}
interface ConfluentBatchPayload {
  readonly batch: { readonly messages: ConfluentMessage[] };
  resolveOffset(offset: string): void;
  isRunning(): boolean;
  isStale(): boolean;
}
interface ConfluentConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(options: { topics: string[] }): Promise<void>;
  run(options: {
    partitionsConsumedConcurrently: number;
    eachBatchAutoResolve: boolean;
    eachBatch(payload: ConfluentBatchPayload): Promise<void>;
  }): Promise<void>;
}
interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: { key: Buffer | null; value: Buffer | null }[] }): Promise<unknown>;
}
interface ConfluentKafka {
  consumer(config: Record<string, unknown>): ConfluentConsumer;
  producer(config: Record<string, unknown>): ConfluentProducer;
}
interface ConfluentModule {
  readonly KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => ConfluentKafka;
    logLevel: { readonly NOTHING: number };
  };
}

const PACKAGE = '@confluentinc/kafka-javascript';

export async function runConfluentPass(spec: PassSpec, meter: PassMeter): Promise<void> {
  const { KafkaJS } = (await import(PACKAGE)) as ConfluentModule;
  const kafka = new KafkaJS.Kafka({
    kafkaJS: { clientId: spec.groupId, brokers: [...spec.brokers], logLevel: KafkaJS.logLevel.NOTHING },
  });
  const consumer = kafka.consumer({
    kafkaJS: { groupId: spec.groupId, fromBeginning: true, maxBytesPerPartition: 512 * 1024, maxBytes: 4 * 1024 * 1024 },
    // Relaying, a batch is a chunk; consuming only, no cap, as kafkajs hands over whole fetches.
    'js.consumer.max.batch.size': spec.mode === 'relay' ? spec.chunkSize : -1,
  });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1, maxInFlightRequests: 5 } });
  await Promise.all([consumer.connect(), spec.mode === 'relay' ? producer.connect() : undefined]);
  try {
    await consumer.subscribe({ topics: [...spec.inputTopics] });
    const relay = async ({ batch, resolveOffset, isRunning, isStale }: ConfluentBatchPayload) => {
      const chunk = batch.messages;
      if (chunk.length === 0 || !isRunning() || isStale()) return;
      meter.consumed(chunk.length, valueBytes(chunk));
      await producer.send({ topic: spec.outputTopic, messages: chunk.map((m) => ({ key: m.key, value: m.value })) });
      meter.acknowledged(chunk.length);
      resolveOffset(chunk[chunk.length - 1]!.offset);
    };
    await consumer.run(eachBatchRun(spec, meter, relay));
    await meter.finished;
  } finally {
    await Promise.all([consumer.disconnect(), spec.mode === 'relay' ? producer.disconnect() : undefined]);
  }
}
