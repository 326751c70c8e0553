import { topicNames, type TopicNames } from '@leadscore/contracts';
import type { CompiledGrid } from '@leadscore/engine';
import { GridRolloutReader, KeyLayout } from '@leadscore/redis-layout';
import {
  StreamService,
  type ConsumerServiceOptions,
  type RedisSettings,
  type RuntimeContext,
  type ServiceParts,
  type StreamStep,
} from '@leadscore/service-kit';
import { createReadApiApp } from './app.js';
import type { ReadApiConfig } from './config.js';
import { AccountReader } from './account-reader.js';
import { ContactReader } from './contact-reader.js';
import { RunningGridFollower } from './running-grid-follower.js';
import { ReadApiMetrics } from './metrics.js';
import { ScoreChangeProjection } from './score-change-projection.js';

export type ReadApiServiceOptions = ConsumerServiceOptions<ReadApiConfig>;

/**
 * The read API as a StreamService: Redis, the HTTP app (the door, which serves the
 * ops endpoints too) and, when configured, the projection of score-changed and contact-merged
 * (Kafka, its consumer).
 */
export class ReadApiService extends StreamService<ReadApiMetrics, RedisSettings, StreamStep | undefined> {
  readonly topics: TopicNames;

  constructor(
    private readonly options: ReadApiServiceOptions,
    private readonly grid: CompiledGrid,
  ) {
    const { config } = options;
    const topics = topicNames(config.topicPrefix);
    super(new ReadApiMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'read API',
      logger: options.logger,
      redis: config,
      // Kafka and the registry are needed only by the projection
      stream: config.projection
        ? { settings: config, topics, kinds: ['scoreChanged', 'contactMerged', 'deadLetters'] }
        : undefined,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    this.topics = topics;
  }

  protected async parts({ redis, stream }: RuntimeContext<RedisSettings, StreamStep | undefined>): Promise<ServiceParts> {
    const { config, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const keys = new KeyLayout(config.redisKeyPrefix);
    const grids = new RunningGridFollower(new GridRolloutReader(redis, keys), this.grid);
    await grids.start(config.gridPollMs);
    const app = createReadApiApp({
      reader: new ContactReader(redis, keys, grids),
      accounts: new AccountReader(redis, keys, grids),
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      now,
      apiKeys: config.apiKeys,
    });
    if (config.apiKeys.length === 0) logger.warn('READ_API_KEYS is not set: the read API answers anyone who can reach it');
    const describe = { grid: grids.current().name, gridVersion: grids.current().version, projection: config.projection };
    const door = { app, port: config.httpPort, host: config.httpHost };
    const stop = () => grids.stop();
    if (!stream) return { door, describe, stop };
    const projection = new ScoreChangeProjection(
      redis,
      keys,
      stream.codec,
      stream.sender,
      this.topics,
      this.metrics,
      config.recentLength,
      now,
    );
    return {
      consumer: {
        handler: (topic, partition, messages) => projection.handle(topic, partition, messages),
        groupId: config.groupId,
        topics: [this.topics.scoreChanged, this.topics.contactMerged],
        chunkSize: 500,
        partitionsConsumedConcurrently: 2,
        sessionTimeoutMs: 30_000,
        metrics: { chunkDuration: this.metrics.chunkDuration, pausedPartitions: this.metrics.pausedPartitions },
      },
      door,
      describe,
      stop,
    };
  }
}
