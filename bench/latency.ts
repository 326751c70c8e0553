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

/** A fixed-rate producer's pacing tick, and the first stretch of a latency phase that is not counted. */
export const TICK_MS = 5;
export const WARM_UP_MS = 1_000;

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
  /**
   * The share of one core the benchmark's own process (its producer, encoder and matchers) used
   * from the first send until the outputs caught up: on a small machine it competes with what is
   * measured.
   */
  readonly benchBusy: number;
}

/** The share of one core this process used since `since` (process.cpuUsage) over `ms` of wall time. */
export function processBusy(since: NodeJS.CpuUsage, ms: number): number {
  const used = process.cpuUsage(since);
  return Math.round(((used.user + used.system) / 1000 / ms) * 100) / 100;
}

/** p50, p95, p99 (nearest rank) and max of `latencies` (sorted in place); NaN when empty. */
export function percentiles(latencies: number[]): { p50: number; p95: number; p99: number; max: number } {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) ?? NaN };
}

/**
 * A consumer of an output topic, from its end, that matches each output to the moment its cause
 * was sent (`sentAt`, filled by the caller; the first output of a cause only), counting only
 * causes sent from `countFrom` on. Started: the group is joined and its start offsets resolved.
 */
export interface OutputMatcher {
  readonly sentAt: Map<string, number>;
  readonly latencies: number[];
  countFrom(at: number): void;
  stop(): Promise<void>;
}

export async function startOutputMatcher(
  kafka: Kafka,
  options: { groupId: string; topic: string; causeOf: (value: Buffer | null) => Promise<string | null> },
): Promise<OutputMatcher> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let countFrom = Infinity;
  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100 });
  let joined!: () => void;
  const groupJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: options.topic, fromBeginning: false });
    await consumer.run({
      // no offset commit after each batch: it would delay the next fetch, and the measurement with it
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const received = performance.now();
        for (const message of batch.messages) {
          const cause = await options.causeOf(message.value);
          const at = cause === null ? undefined : sentAt.get(cause);
          if (at === undefined || at < countFrom) continue;
          sentAt.delete(cause!); // the first output of a cause only
          latencies.push(received - at);
        }
      },
    });
    await groupJoined;
    await sleep(1_000); // let the new group resolve its start offsets (latest) before producing
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return {
    sentAt,
    latencies,
    countFrom: (at) => (countFrom = at),
    stop: () => consumer.disconnect(),
  };
}

export async function measureLatency(
  kafka: Kafka,
  set: TopicSet,
  options: { rate: number; seconds: number; seed: number; contacts: number; groupId: string; scorerGroupId: string },
): Promise<LatencyResult> {
  const { rate, seconds } = options;
  const total = Math.round(rate * seconds);
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const matcher = await startOutputMatcher(kafka, {
    groupId: options.groupId,
    topic: set.topics.scoreChanged,
    causeOf: async (value) => (await set.codec.decode<ScoreChangedValue>('scoreChanged', value)).cause.eventId,
  }).catch(async (error: unknown) => {
    await producer.disconnect();
    throw error;
  });
  const { sentAt, latencies } = matcher;
  try {
    const events = syntheticEvents({ seed: options.seed, contacts: options.contacts, events: total, now: Date.now(), days: 30 });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    matcher.countFrom(started + WARM_UP_MS);
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
    const benchBusy = processBusy(cpuBefore, performance.now() - started);
    await sleep(1_500);
    return {
      offeredRate: rate,
      achievedRate: Math.round((produced / phaseMs) * 1000),
      seconds,
      events: produced,
      samples: latencies.length,
      ...percentiles(latencies),
      producerLagMs,
      benchBusy,
    };
  } finally {
    await matcher.stop();
    await producer.disconnect();
  }
}
