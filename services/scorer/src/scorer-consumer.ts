import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { ChunkedConsumer, type Readiness } from '@leadscore/service-kit';
import type { BatchScorer } from './batch-scorer.js';
import type { CrashPoint } from './crash-points.js';
import type { InputMessage } from './input-message.js';
import type { ScorerMetrics } from './metrics.js';

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

/**
 * The scorer's consumer-group loop: service-kit's ChunkedConsumer with the scorer's choices.
 * Each fetched batch is scored in chunks; a chunk's offsets are resolved (and committed when due)
 * only after its states are committed and its outputs acknowledged. A failing dependency pauses
 * the partition without resolving anything, and it resumes after a backoff: nothing unapplied is
 * committed. Both input topics are keyed by contactId with the same partitioner, so partition p
 * of each holds the same contacts: their chunks run one at a time (`onePerPartitionNumber`)
 * instead of racing on the same states (correct either way, but each lost compare-and-set costs
 * a re-read, a recompute and a round trip).
 */
export class ScorerConsumer {
  private readonly consumer: ChunkedConsumer;

  constructor(
    kafka: Kafka,
    scorer: BatchScorer,
    options: ScorerConsumerOptions,
    metrics: ScorerMetrics,
    readiness: Readiness,
    logger: Logger,
  ) {
    const crashPoint = options.crashPoint;
    this.consumer = new ChunkedConsumer(
      kafka,
      async (topic, partition, messages) => {
        await scorer.score(messages.map((m) => toInput(topic, partition, m)));
      },
      {
        groupId: options.groupId,
        topics: options.topics,
        chunkSize: options.chunkSize,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        sessionTimeoutMs: options.sessionTimeoutMs,
        onFatal: options.onFatal,
        metrics: {
          chunkDuration: metrics.batchDuration,
          pausedPartitions: metrics.pausedPartitions,
          consumerLag: metrics.consumerLag,
        },
        onePerPartitionNumber: true,
        ...(crashPoint ? { beforeOffsetResolve: () => crashPoint('before-offset-resolve') } : {}),
      },
      readiness,
      logger,
    );
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Leaves the group after the running batch: its resolved offsets are committed. */
  stop(): Promise<void> {
    return this.consumer.stop();
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
