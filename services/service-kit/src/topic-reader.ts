import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** A message read by `readTopicsToEnd`, with where it came from. */
export interface ReadMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface ReadSummary {
  readonly messages: number;
  /** The end offsets (exclusive) the read was bounded by, `topic:partition` → offset. */
  readonly ends: ReadonlyMap<string, number>;
  /** `onBatch` asked to stop before every partition reached its end. */
  readonly stopped: boolean;
}

/**
 * Reads topics from their beginning up to the end offsets they had when the read started, in
 * offset order per partition, handing each fetched batch to `onBatch` (awaited before the next).
 * Messages produced after the start are not read, so the read always finishes. `onBatch` may
 * answer 'stop' to end the read early (a reader with a bound on what it keeps).
 *
 * kafkajs consumes only within a group: this uses a throwaway group (`<groupPrefix>-<uuid>`)
 * that never commits an offset, and deletes it at the end.
 */
export async function readTopicsToEnd(
  kafka: Kafka,
  topics: readonly string[],
  groupPrefix: string,
  onBatch: (messages: readonly ReadMessage[]) => Promise<void | 'stop'>,
): Promise<ReadSummary> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  const remaining = new Set<string>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}:${p.partition}`;
        ends.set(key, Number(p.high));
        if (Number(p.high) > Number(p.low)) remaining.add(key);
      }
    }
  } catch (error) {
    await admin.disconnect();
    throw error;
  }
  let count = 0;
  let stopped = false;
  if (remaining.size > 0) {
    const groupId = `${groupPrefix}-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    let failure: unknown = undefined;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning: true });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        failure = payload.error;
        finish();
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch }) => {
          if (failure !== undefined || stopped || !remaining.has(`${batch.topic}:${batch.partition}`)) return;
          const key = `${batch.topic}:${batch.partition}`;
          const end = ends.get(key) ?? 0;
          const wanted = batch.messages.filter((m) => Number(m.offset) < end);
          try {
            if (wanted.length > 0) {
              const answer = await onBatch(
                wanted.map((message) => ({ topic: batch.topic, partition: batch.partition, message })),
              );
              count += wanted.length;
              if (answer === 'stop') {
                stopped = true;
                finish();
                return;
              }
            }
          } catch (error) {
            // A failing handler ends the read (kafkajs would retry the batch forever).
            failure = error;
            finish();
            return;
          }
          if (Number(batch.lastOffset()) >= end - 1) {
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            remaining.delete(key);
            if (remaining.size === 0) finish();
          }
        },
      });
      await finished;
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
    if (failure !== undefined) throw failure;
  } else {
    await admin.disconnect();
  }
  return { messages: count, ends, stopped };
}
