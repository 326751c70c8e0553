import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { BatchScorer } from './batch-scorer.js';
import type { InputMessage } from './input-message.js';
import type { ScorerMetrics } from './metrics.js';
import type { Readiness } from '@leadscore/service-kit';
import type { CrashPoint } from './crash-points.js';
import { isRetriable } from '@leadscore/service-kit';

export interface ScorerConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly chunkSize: number;
  readonly partitionsConsumedConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** Called when kafkajs gives up (a crash it will not restart from): the process must exit. */
  readonly onFatal: (error: Error) => void;
  readonly crashPoint?: CrashPoint | undefined;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/**
 * The consumer-group loop: the only place that knows kafkajs' consumer. Each fetched batch is
 * scored in chunks; a chunk's offsets are resolved (and committed when due) only after its
 * states are committed and its outputs acknowledged. A failing dependency pauses the partition
 * without resolving anything, and it resumes after a backoff: nothing unapplied is committed.
 */
export class ScorerConsumer {
  private readonly consumer: Consumer;
  private readonly backoff = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Tail of the chunks queued per partition number (see `onePerPartitionNumber`). */
  private readonly partitionTails = new Map<number, Promise<void>>();

  constructor(
    kafka: Kafka,
    private readonly scorer: BatchScorer,
    private readonly options: ScorerConsumerOptions,
    private readonly metrics: ScorerMetrics,
    private readonly readiness: Readiness,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      // bounded fetches: a batch must finish well inside the session timeout
      maxBytesPerPartition: 512 * 1024,
      maxBytes: 4 * 1024 * 1024,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
      retry: { retries: 10 },
    });
    const { GROUP_JOIN, REBALANCING, CRASH, STOP, DISCONNECT } = this.consumer.events;
    readiness.set('consumer', 'not in the consumer group yet');
    this.consumer.on(GROUP_JOIN, () => {
      readiness.set('consumer', null);
      // partitions may have moved: report lag only for what this instance now fetches
      metrics.consumerLag.reset();
    });
    this.consumer.on(REBALANCING, () => readiness.set('consumer', 'rebalancing'));
    this.consumer.on(DISCONNECT, () => readiness.set('consumer', 'disconnected'));
    this.consumer.on(STOP, () => readiness.set('consumer', 'stopped'));
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      readiness.set('consumer', `crashed: ${error.message}`);
      if (restart) logger.warn({ err: error }, 'consumer crashed; kafkajs restarts it');
      else options.onFatal(error);
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommitInterval: 1_000,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Leaves the group after the running batch: its resolved offsets are committed. */
  async stop(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    const partitionKey = `${batch.topic}:${batch.partition}`;
    for (let start = 0; start < batch.messages.length; start += this.options.chunkSize) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + this.options.chunkSize);
      const stopTimer = this.metrics.batchDuration.startTimer();
      try {
        await this.onePerPartitionNumber(batch.partition, () => this.scorer.score(chunk.map((m) => toInput(batch.topic, batch.partition, m))));
      } catch (error) {
        if (!isRetriable(error)) throw error;
        this.pauseAfterFailure(partitionKey, pause, error as Error);
        return;
      } finally {
        stopTimer();
      }
      this.backoff.delete(partitionKey);
      this.options.crashPoint?.('before-offset-resolve');
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
    this.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  /**
   * Runs chunks of the same partition number one at a time, whatever their topic. Both input
   * topics are keyed by contactId with the same partitioner, so partition p of each holds the
   * same contacts: scored at once, they would race on the same states and lose compare-and-sets
   * (correct, but each loss is a re-read, a recompute and a round trip more). Only a scheduling
   * choice: correctness never depends on it (topics with different partition counts still work).
   */
  private async onePerPartitionNumber<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = this.partitionTails.get(partition) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => gate);
    this.partitionTails.set(partition, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.partitionTails.get(partition) === tail) this.partitionTails.delete(partition);
    }
  }

  private pauseAfterFailure(partitionKey: string, pause: () => () => void, error: Error): void {
    const delay = Math.min(MAX_BACKOFF_MS, (this.backoff.get(partitionKey) ?? MIN_BACKOFF_MS / 2) * 2);
    this.backoff.set(partitionKey, delay);
    this.logger.warn({ partition: partitionKey, retryInMs: delay, err: { name: error.name, message: error.message } }, 'dependency failing; partition paused');
    const resume = pause();
    this.metrics.pausedPartitions.inc();
    this.readiness.set(`paused:${partitionKey}`, error.message);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      this.metrics.pausedPartitions.dec();
      this.readiness.set(`paused:${partitionKey}`, null);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }
}

function toInput(topic: string, partition: number, m: KafkaMessage): InputMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: (m.headers ?? {}) as InputMessage['headers'],
    timestamp: m.timestamp,
  };
}
