/**
 * 4. Latency at a fixed offered load: events are produced at `rate` events/s (paced in 5 ms
 * ticks, acks=all, idempotent producer, as a platform would) to the running scorer, while a
 * consumer of score-changed decodes each output and matches its cause.eventId to the moment its
 * event's sendBatch was called. Latency = score-changed consumed − event produced, both read
 * from this process's monotonic clock. Events that change no score have no output and no
 * sample; the first second is a warm-up and not counted.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import { syntheticEvents } from '@leadscore/demo';
import type { ScoreChangedValue } from '@leadscore/contracts';
import { encodeEvent, type TopicSet } from './prefill.js';
import { groupBehind, sleep } from './bench-env.js';

const TICK_MS = 5;
const WARM_UP_MS = 1_000;

export interface LatencyResult {
  readonly offeredRate: number;
  /** What the producer achieved (events / phase duration). */
  readonly achievedRate: number;
  readonly seconds: number;
  readonly events: number;
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** Largest delay of a send behind its schedule (ms): the producer's own lateness. */
  readonly producerLagMs: number;
}

/** p50, p95, p99 (nearest rank) and max of `latencies` (sorted in place); NaN when empty. */
export function percentiles(latencies: number[]): { p50: number; p95: number; p99: number; max: number } {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) ?? NaN };
}

export async function measureLatency(
  kafka: Kafka,
  set: TopicSet,
  options: { rate: number; seconds: number; seed: number; contacts: number; groupId: string; scorerGroupId: string },
): Promise<LatencyResult> {
  const { rate, seconds } = options;
  const total = Math.round(rate * seconds);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100 });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  let joined!: () => void;
  const groupJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await Promise.all([consumer.connect(), producer.connect()]);
  let warmUpEnd = Infinity;
  try {
    await consumer.subscribe({ topic: set.topics.scoreChanged, fromBeginning: false });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const received = performance.now();
        for (const message of batch.messages) {
          const value = await set.codec.decode<ScoreChangedValue>('scoreChanged', message.value);
          const eventId = value.cause.eventId;
          const at = eventId === null ? undefined : sentAt.get(eventId);
          if (at === undefined || at < warmUpEnd) continue;
          sentAt.delete(eventId!); // the first output of an event only
          latencies.push(received - at);
        }
      },
    });
    await groupJoined;
    await sleep(1_000); // let the new group resolve its start offsets (latest) before producing

    const events = syntheticEvents({ seed: options.seed, contacts: options.contacts, events: total, now: Date.now(), days: 30 });
    const started = performance.now();
    warmUpEnd = started + WARM_UP_MS;
    let produced = 0;
    let producerLagMs = 0;
    while (produced < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate)) - produced;
      if (due <= 0) {
        await sleep(TICK_MS);
        continue;
      }
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      const ids: string[] = [];
      for (let i = 0; i < due; i += 1) {
        const next = events.next();
        if (next.done) break;
        const m = await encodeEvent(set, next.value);
        ids.push(next.value.eventId);
        const list = byTopic.get(m.topic);
        if (list) list.push({ key: m.key, value: m.value });
        else byTopic.set(m.topic, [{ key: m.key, value: m.value }]);
      }
      const now = performance.now();
      producerLagMs = Math.max(producerLagMs, now - (started + (produced / rate) * 1000));
      for (const id of ids) if (!sentAt.has(id)) sentAt.set(id, now);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      produced += ids.length;
    }
    const phaseMs = performance.now() - started;
    // Let the scorer finish what was offered, then the outputs reach the consumer.
    const deadline = performance.now() + 120_000;
    while ((await groupBehind(kafka, options.scorerGroupId, set.inputTopics)) > 0 && performance.now() < deadline)
      await sleep(250);
    await sleep(1_500);
    return {
      offeredRate: rate,
      achievedRate: Math.round((produced / phaseMs) * 1000),
      seconds,
      events: produced,
      samples: latencies.length,
      ...percentiles(latencies),
      producerLagMs,
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}
