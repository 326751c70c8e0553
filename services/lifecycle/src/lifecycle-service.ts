import type { Logger } from 'pino';
import { topicNames, type TopicNames } from '@leadscore/contracts';
import {
  StreamRuntime,
  type Readiness,
  type RedisSettings,
  type ServiceParts,
  type StreamConnection,
  type RedisClient,
  type StreamStep,
} from '@leadscore/service-kit';
import type { LifecycleConfig } from './config.js';
import { LifecycleWorkflow } from './lifecycle-workflow.js';
import { LifecycleMetrics } from './metrics.js';
import { StageStore } from './stage-store.js';

export interface LifecycleServiceOptions {
  readonly config: LifecycleConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Called when kafkajs gives up: the caller exits. */
  readonly onFatal?: (error: Error) => void;
}

/** The lifecycle workflow on service-kit's StreamRuntime: it consumes threshold-crossed, reads and writes stages in Redis. */
export class LifecycleService {
  readonly metrics = new LifecycleMetrics({ defaultMetrics: true });
  readonly topics: TopicNames;
  readonly readiness: Readiness;
  private readonly runtime: StreamRuntime<RedisSettings, StreamStep>;

  constructor(private readonly options: LifecycleServiceOptions) {
    const { config } = options;
    this.topics = topicNames(config.topicPrefix);
    this.runtime = new StreamRuntime<RedisSettings, StreamStep>({
      name: 'lifecycle service',
      logger: options.logger,
      registry: this.metrics.registry,
      opsPort: config.httpPort,
      redis: config,
      stream: { settings: config, topics: this.topics, kinds: ['thresholdCrossed', 'lifecycleStageChanged', 'deadLetters'] },
      parts: ({ redis, stream }) => this.parts(redis, stream),
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    this.readiness = this.runtime.readiness;
  }

  get httpPort(): number {
    return this.runtime.httpPort ?? this.options.config.httpPort;
  }

  start(): Promise<void> {
    return this.runtime.start();
  }

  /** Finish the running batch, commit, leave the group, flush the producer, close Redis. */
  stop(): Promise<void> {
    return this.runtime.stop();
  }

  private parts(redis: RedisClient, { codec, sender }: StreamConnection): ServiceParts {
    const { config } = this.options;
    const workflow = new LifecycleWorkflow({
      codec,
      sender,
      topics: this.topics,
      store: new StageStore(redis, config.redisKeyPrefix, config.historyLength),
      metrics: this.metrics,
      threshold: config.threshold,
      target: config.targetStage,
      now: this.options.now ?? Date.now,
    });
    return {
      consumer: {
        handler: (topic, partition, messages) => workflow.handle(topic, partition, messages),
        groupId: config.groupId,
        topics: [this.topics.thresholdCrossed],
        chunkSize: config.chunkSize,
        partitionsConsumedConcurrently: 2,
        sessionTimeoutMs: config.sessionTimeoutMs,
        metrics: { chunkDuration: this.metrics.chunkDuration, pausedPartitions: this.metrics.pausedPartitions },
      },
      describe: { topic: this.topics.thresholdCrossed, groupId: config.groupId, threshold: config.threshold },
    };
  }
}
