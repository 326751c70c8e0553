/**
 * 1. Ceiling: how fast kafkajs alone reads the pre-filled input topics on this machine: a
 * consumer group with eachBatch that decodes nothing and does nothing but count, with the
 * scorer's own fetch sizes and partition concurrency. Timed from the first batch to the last
 * message (group join excluded).
 */
import type { Kafka } from 'kafkajs';
import { cpuSince, rate } from './bench-env.js';

export interface CeilingResult {
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  /** CPU seconds (user + system) this process used meanwhile: the consumer's cost, whatever else runs on the machine. */
  readonly cpuSeconds: number;
}

export async function measureCeiling(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  expected: number,
): Promise<CeilingResult> {
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 512 * 1024, maxBytes: 4 * 1024 * 1024 });
  let count = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  const cpuAtStart = process.cpuUsage();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= expected) {
          last = performance.now();
          done();
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return { events: count, ms: last - first, eventsPerSecond: rate(count, last - first), cpuSeconds: cpuSince(cpuAtStart) };
}
