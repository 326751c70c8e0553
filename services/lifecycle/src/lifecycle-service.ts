import { topicNames, type TopicNames } from '@leadscore/contracts';
import {
  StreamService,
  type ConsumerServiceOptions,
  type RedisSettings,
  type RuntimeContext,
  type ServiceParts,
  type StreamStep,
} from '@leadscore/service-kit';
import type { LifecycleConfig } from './config.js';
import { LifecycleWorkflow } from './lifecycle-workflow.js';
import { LifecycleMetrics } from './metrics.js';
import { StageStore } from './stage-store.js';

export type LifecycleServiceOptions = ConsumerServiceOptions<LifecycleConfig>;

/** The lifecycle workflow as a StreamService: it consumes threshold-crossed, reads and writes stages in Redis. */
export class LifecycleService extends StreamService<LifecycleMetrics, RedisSettings, StreamStep> {
  readonly topics: TopicNames;

  constructor(private readonly options: LifecycleServiceOptions) {
    const { config } = options;
    const topics = topicNames(config.topicPrefix);
    super(new LifecycleMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'lifecycle service',
      logger: options.logger,
      opsPort: config.httpPort,
      redis: config,
      stream: {
        settings: config,
        topics,
        kinds: ['thresholdCrossed', 'accountThresholdCrossed', 'lifecycleStageChanged', 'deadLetters'],
      },
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    this.topics = topics;
  }

  protected parts({ redis, stream: { codec, sender } }: RuntimeContext<RedisSettings, StreamStep>): ServiceParts {
    const { config } = this.options;
    const workflow = new LifecycleWorkflow({
      codec,
      sender,
      topics: this.topics,
      store: new StageStore(redis, config.redisKeyPrefix, config.historyLength),
      metrics: this.metrics,
      threshold: config.threshold,
      scoreId: config.scoreId,
      target: config.targetStage,
      ...(config.accountStages ? { accountThreshold: config.accountThreshold } : {}),
      now: this.options.now ?? Date.now,
    });
    return {
      consumer: {
        handler: (topic, partition, messages) => workflow.handle(topic, partition, messages),
        groupId: config.groupId,
        topics: lifecycleInputTopics(config, this.topics),
        chunkSize: config.chunkSize,
        partitionsConsumedConcurrently: 2,
        sessionTimeoutMs: config.sessionTimeoutMs,
        metrics: { chunkDuration: this.metrics.chunkDuration, pausedPartitions: this.metrics.pausedPartitions },
      },
      describe: {
        topic: this.topics.thresholdCrossed,
        groupId: config.groupId,
        scoreId: config.scoreId,
        threshold: config.threshold,
        accountStages: config.accountStages,
        ...(config.accountStages
          ? { accountTopic: this.topics.accountThresholdCrossed, accountThreshold: config.accountThreshold }
          : {}),
      },
    };
  }
}

/** The topics the lifecycle service consumes: account-threshold-crossed only when LIFECYCLE_ACCOUNT_STAGES is on. */
export function lifecycleInputTopics(config: Pick<LifecycleConfig, 'accountStages'>, topics: TopicNames): string[] {
  return config.accountStages ? [topics.thresholdCrossed, topics.accountThresholdCrossed] : [topics.thresholdCrossed];
}
