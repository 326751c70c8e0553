/**
 * 2. Naive baseline: what a tutorial would build around the same engine. eachMessage; per
 * event: decode, GET the contact's state, applyEvent, SET it back when it changed, then one
 * `producer.send` per output (acks from all replicas, as the scorer). No batching, no
 * compare-and-set, no outbox: it is neither exact under concurrency nor crash-safe, it only
 * shows the cost of one round trip per step. Too slow for the whole topic: it runs over the
 * first `limit` events (or `maxMs`) and its rate is that sample's.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import {
  CONTACT_UPDATED,
  applyEvent,
  decodeState,
  emptyState,
  encodeState,
  parseEvent,
  type CompiledGrid,
} from '@leadscore/engine';
import { ScoreOutputWriter } from '@leadscore/scorer';
import type { TopicSet } from './prefill.js';
import { cpuSince, rate } from './bench-env.js';

export interface NaiveResult {
  readonly events: number;
  readonly outputs: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  /** CPU seconds (user + system) this process used meanwhile: the consumer's cost, whatever else runs on the machine. */
  readonly cpuSeconds: number;
}

export async function measureNaive(
  kafka: Kafka,
  redis: Redis,
  set: TopicSet,
  grid: CompiledGrid,
  options: { groupId: string; keyPrefix: string; outputTopic: string; limit: number; maxMs: number },
): Promise<NaiveResult> {
  const consumer = kafka.consumer({ groupId: options.groupId });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const writer = new ScoreOutputWriter(set.codec);
  let events = 0;
  let outputs = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), options.maxMs);
  await Promise.all([consumer.connect(), producer.connect()]);
  const cpuAtStart = process.cpuUsage();
  try {
    await consumer.subscribe({ topics: [...set.inputTopics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (events >= options.limit) return;
        if (first === 0) first = performance.now();
        const now = Date.now();
        const contactUpdate = topic === set.topics.contactUpdates;
        const raw = await set.codec.decode<Record<string, unknown>>(
          contactUpdate ? 'contactUpdates' : 'behaviouralEvents',
          message.value,
        );
        const parsed = parseEvent(contactUpdate ? { ...raw, type: CONTACT_UPDATED } : raw, now);
        if (parsed.ok) {
          const key = `${options.keyPrefix}:c:{${parsed.event.contactId}}`;
          const text = await redis.get(key);
          const evaluation = applyEvent(grid, text === null ? emptyState() : decodeState(text), parsed.event, now);
          if (evaluation.stateChanged) await redis.set(key, encodeState(evaluation.state));
          if (evaluation.output) {
            const change = evaluation.output;
            for (const m of [await writer.scoreChanged(change), ...(await writer.thresholdsCrossed(change))]) {
              await producer.send({ topic: options.outputTopic, acks: -1, messages: [{ key: m.key, value: m.value }] });
              outputs += 1;
            }
          }
        }
        events += 1;
        last = performance.now();
        if (events >= options.limit) done();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await producer.disconnect();
  }
  return { events, outputs, ms: last - first, eventsPerSecond: rate(events, last - first), cpuSeconds: cpuSince(cpuAtStart) };
}
