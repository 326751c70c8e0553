/**
 * @platformatic/kafka (pure TypeScript) with its own idioms: a consumer group's message stream
 * from the committed offsets (earliest for a new group), values as Buffers. It has no batch
 * callback, so relaying gathers the stream into chunks of at most the scorer's chunk size,
 * produces each with an idempotent producer and acks=all, and commits a chunk's offsets only
 * after it and every earlier chunk were acknowledged. The stream is paused while more than four
 * chunks wait.
 */
import { valueBytes, type PassMeter, type PassSpec } from './pass-meter.js';

/** The few parts of the client's API this pass uses; the package is an optional install. */
interface PlatformaticMessage {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}
interface MessagesStream {
  on(event: 'data', listener: (message: PlatformaticMessage) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  pause(): this;
  resume(): this;
  close(): Promise<void>;
}
interface PlatformaticConsumer {
  consume(options: Record<string, unknown>): Promise<MessagesStream>;
  commit(options: { offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] }): Promise<void>;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticProducer {
  send(options: { messages: { topic: string; key: Buffer; value: Buffer }[] }): Promise<unknown>;
  close(): Promise<void>;
}
interface PlatformaticModule {
  Consumer: new (options: Record<string, unknown>) => PlatformaticConsumer;
  Producer: new (options: Record<string, unknown>) => PlatformaticProducer;
}

const PACKAGE = '@platformatic/kafka';
/**
 * One send at a time: 1.35.0's idempotent producer advances a partition's sequence number only
 * when a produce response arrives, so a second send issued before the first is acknowledged
 * reuses its sequence and the broker rejects it (OUT_OF_ORDER_SEQUENCE_NUMBER); seen here with 2.
 */
const CHUNKS_IN_FLIGHT = 1;
const CHUNKS_WAITING = 4;

export async function runPlatformaticPass(spec: PassSpec, meter: PassMeter): Promise<void> {
  const { Consumer, Producer } = (await import(PACKAGE)) as PlatformaticModule;
  const base = { clientId: spec.groupId, bootstrapBrokers: [...spec.brokers] };
  const consumer = new Consumer({ ...base, groupId: spec.groupId, maxBytesPerPartition: 512 * 1024, maxBytes: 4 * 1024 * 1024 });
  const producer = new Producer({ ...base, idempotent: true, acks: -1 });
  const stream = await consumer.consume({
    topics: [...spec.inputTopics],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  stream.on('error', (error) => meter.fail(error));
  try {
    if (spec.mode === 'consume') stream.on('data', (m) => meter.consumed(1, m.value.length));
    else relay(spec, meter, stream, consumer, producer);
    await meter.finished;
  } finally {
    await stream.close();
    await Promise.all([consumer.close(), producer.close()]);
  }
}

function relay(
  spec: PassSpec,
  meter: PassMeter,
  stream: MessagesStream,
  consumer: PlatformaticConsumer,
  producer: PlatformaticProducer,
): void {
  const waiting: PlatformaticMessage[] = [];
  let inFlight = 0;
  let scheduled = false;
  let previousCommit: Promise<void> = Promise.resolve();

  const sendChunk = (chunk: PlatformaticMessage[]) => {
    inFlight += 1;
    meter.consumed(chunk.length, valueBytes(chunk));
    const acked = producer.send({ messages: chunk.map((m) => ({ topic: spec.outputTopic, key: m.key, value: m.value })) });
    const committed = Promise.all([previousCommit, acked]).then(async () => {
      meter.acknowledged(chunk.length);
      inFlight -= 1;
      pump();
      await consumer.commit({ offsets: nextOffsets(chunk) });
    });
    committed.catch((error: Error) => meter.fail(error));
    previousCommit = committed;
  };
  const pump = () => {
    while (inFlight < CHUNKS_IN_FLIGHT && waiting.length > 0) sendChunk(waiting.splice(0, spec.chunkSize));
    if (waiting.length <= CHUNKS_WAITING * spec.chunkSize) stream.resume();
  };
  stream.on('data', (message) => {
    waiting.push(message);
    if (waiting.length > CHUNKS_WAITING * spec.chunkSize) stream.pause();
    // One pump per burst of messages: a fetch response arrives as many 'data' events in a row.
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
    }
  });
}

/** The offset to commit per partition of a chunk: its last message's + 1 (leader epoch unknown: -1). */
function nextOffsets(chunk: readonly PlatformaticMessage[]) {
  const last = new Map<string, PlatformaticMessage>();
  for (const m of chunk) last.set(`${m.topic}\u0000${m.partition}`, m);
  return [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: -1 }));
}
