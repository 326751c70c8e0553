import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { Gauge, Histogram } from 'prom-client';
import type { Readiness } from './readiness.js';
import { handleInChunks, type ChunkLoopPayload } from './chunk-loop.js';
import { OffsetCommitter, type PartitionOffset } from './offset-committer.js';
import { PartitionLag } from './partition-lag.js';
import { errorFields } from './service-error.js';

/** Handles one chunk of a partition's messages; resolves once its effects are durable. */
export type ChunkHandler = (topic: string, partition: number, messages: readonly KafkaMessage[]) => Promise<void>;

export interface ChunkedConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly chunkSize: number;
  readonly partitionsConsumedConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** Called when kafkajs gives up (a crash it will not restart from): the process must exit. */
  readonly onFatal: (error: Error) => void;
  readonly metrics?: {
    readonly chunkDuration?: Histogram<string>;
    readonly pausedPartitions?: Gauge<string>;
    /** labels topic, partition (and consumerLagLabels): set after each batch, this consumer's series dropped when it joins its group */
    readonly consumerLag?: Gauge<string>;
    /** Fixed labels of this consumer's lag series, for a gauge that several consumers share (e.g. `{ stage }`). */
    readonly consumerLagLabels?: Readonly<Record<string, string>>;
  };
  /**
   * Handle chunks of the same partition number one at a time, whatever their topic. For topics
   * keyed alike with the same partitioner (partition p of each holds the same keys), handled at
   * once they would race on the same state. A scheduling choice: correctness must not depend on it.
   */
  readonly onePerPartitionNumber?: boolean;
  /** The name its state has in /readyz (default `consumer`): one per group when a service runs several. */
  readonly readinessKey?: string;
  /** Called each time the consumer joined its group (partitions may have moved), e.g. to drop per-partition caches. */
  readonly onGroupJoin?: () => void;
  /** Fault injection for tests: called between a chunk's handling and the resolve of its offset. */
  readonly beforeOffsetResolve?: () => void;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** How soon a resolved offset is committed (off the chunk path: offset-committer.ts). */
const COMMIT_INTERVAL_MS = 1_000;

/**
 * A consumer-group loop for handlers that must be idempotent (see docs/doors.md): each fetched
 * batch is handled in chunks, and a chunk's last offset is resolved only after its handler
 * resolved (state written and outputs acknowledged). A retriable failure (Redis, the broker,
 * the registry) pauses the partition without resolving anything; it resumes after a backoff
 * (0.25 s doubling to 10 s) and refetches from the last resolved offset.
 */
export class ChunkedConsumer {
  private readonly consumer: Consumer;
  private readonly backoff = new Map<string, number>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Tail of the chunks queued per partition number (`onePerPartitionNumber`). */
  private readonly partitionTails = new Map<number, Promise<void>>();
  private readonly lag: PartitionLag | undefined;
  private readonly offsets: OffsetCommitter;

  constructor(
    kafka: Kafka,
    private readonly handler: ChunkHandler,
    private readonly options: ChunkedConsumerOptions,
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
    this.offsets = new OffsetCommitter(
      (offsets) => this.consumer.commitOffsets([...offsets]),
      COMMIT_INTERVAL_MS,
      (error) => logger.warn(errorFields(error), 'offset commit failed; retried in a second (a restart meanwhile redelivers)'),
    );
    const { consumerLag, consumerLagLabels } = options.metrics ?? {};
    this.lag = consumerLag && new PartitionLag(consumerLag, consumerLagLabels);
    const key = options.readinessKey ?? 'consumer';
    const { GROUP_JOIN, REBALANCING, CRASH, STOP, DISCONNECT } = this.consumer.events;
    readiness.set(key, 'not in the consumer group yet');
    this.consumer.on(GROUP_JOIN, () => {
      readiness.set(key, null);
      this.offsets.forget();
      // partitions may have moved: report lag only for what this instance now fetches
      this.lag?.forget();
      options.onGroupJoin?.();
    });
    this.consumer.on(REBALANCING, () => readiness.set(key, 'rebalancing'));
    this.consumer.on(DISCONNECT, () => readiness.set(key, 'disconnected'));
    this.consumer.on(STOP, () => readiness.set(key, 'stopped'));
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      readiness.set(key, `crashed: ${error.message}`);
      if (restart) logger.warn(errorFields(error), 'consumer crashed; kafkajs restarts it');
      else options.onFatal(error);
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // committed by OffsetCommitter, not after every batch (a round trip before the next fetch)
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Leaves the group after the running batch: every resolved offset is committed. */
  async stop(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    await this.offsets
      .flush()
      .catch((error: unknown) => this.logger.warn(errorFields(error), 'offset commit at shutdown failed'));
    this.offsets.stop();
    // the running batch, if any, commits what it resolves once it sees the consumer stopping (eachBatch)
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, pause } = payload;
    const partitionKey = `${batch.topic}:${batch.partition}`;
    const loop: ChunkLoopPayload = {
      batch,
      resolveOffset: (offset) => {
        payload.resolveOffset(offset);
        this.offsets.resolved(batch.topic, batch.partition, offset);
      },
      heartbeat: payload.heartbeat,
      commitOffsetsIfNecessary: async () => this.offsets.schedule(),
      isRunning: payload.isRunning,
      isStale: payload.isStale,
    };
    // through the batch's own payload: it commits even once the consumer is stopping
    const commitNow = () => this.offsets.flush((offsets) => payload.commitOffsetsIfNecessary(byTopic(offsets)));
    let result;
    try {
      result = await handleInChunks(loop, {
        chunkSize: this.options.chunkSize,
        handle: (chunk) => this.handleChunk(batch.topic, batch.partition, chunk),
        beforeOffsetResolve: this.options.beforeOffsetResolve,
      });
    } catch (error) {
      // a rebalance is starting (the heartbeat said so): commit what is durable before the partitions move
      if ((error as { type?: unknown }).type === 'REBALANCE_IN_PROGRESS') await commitNow().catch(() => undefined);
      throw error;
    }
    if (!payload.isRunning()) await commitNow();
    if (result.handled > 0) this.backoff.delete(partitionKey);
    if (result.status === 'failed') this.pauseAfterFailure(partitionKey, pause, result.error);
    if (result.status !== 'completed') return;
    this.lag?.set(batch.topic, batch.partition, Number(batch.offsetLag()));
  }

  private async handleChunk(topic: string, partition: number, chunk: readonly KafkaMessage[]): Promise<void> {
    const stopTimer = this.options.metrics?.chunkDuration?.startTimer();
    try {
      if (this.options.onePerPartitionNumber)
        await this.onePerPartitionNumber(partition, () => this.handler(topic, partition, chunk));
      else await this.handler(topic, partition, chunk);
    } finally {
      stopTimer?.();
    }
  }

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
    this.logger.warn(
      { partition: partitionKey, retryInMs: delay, ...errorFields(error) },
      'dependency failing; partition paused',
    );
    const resume = pause();
    this.options.metrics?.pausedPartitions?.inc();
    this.readiness.set(`paused:${partitionKey}`, error.message);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      this.options.metrics?.pausedPartitions?.dec();
      this.readiness.set(`paused:${partitionKey}`, null);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }
}

function byTopic(offsets: readonly PartitionOffset[]): {
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
} {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const list = topics.get(topic);
    if (list) list.push({ partition, offset });
    else topics.set(topic, [{ partition, offset }]);
  }
  return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
}
