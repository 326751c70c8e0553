import { topicNames, type TopicKind, type TopicNames } from '@leadscore/contracts';
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
import { AccountScoreProjection } from './account-score-projection.js';
import { ChunkDecoder } from './chunk-decoder.js';
import { ContactReader } from './contact-reader.js';
import { RunningGridFollower } from './running-grid-follower.js';
import { ReadApiMetrics } from './metrics.js';
import { ScoreChangeProjection } from './score-change-projection.js';

export type ReadApiServiceOptions = ConsumerServiceOptions<ReadApiConfig>;

/**
 * The read API as a StreamService: Redis, the HTTP app (the door, which serves the
 * ops endpoints too) and, when configured, the projection of score-changed and contact-merged
 * (Kafka, its consumer), with account-score-changed when the grid scores accounts.
 */
export class ReadApiService extends StreamService<ReadApiMetrics, RedisSettings, StreamStep | undefined> {
  readonly topics: TopicNames;
  /** Whether this process projects account-score-changed (docs/doors.md, "Accounts"). */
  readonly projectsAccounts: boolean;

  constructor(
    private readonly options: ReadApiServiceOptions,
    private readonly grid: CompiledGrid,
  ) {
    const { config } = options;
    const topics = topicNames(config.topicPrefix);
    // GRID_FILE's grid decides, as it does for the account service (which never follows a published grid)
    const projectsAccounts = config.projection && config.accountProjection && grid.accounts !== null;
    const kinds: TopicKind[] = [
      'scoreChanged',
      'contactMerged',
      'deadLetters',
      ...(projectsAccounts ? ['accountScoreChanged' as const] : []),
    ];
    super(new ReadApiMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'read API',
      logger: options.logger,
      redis: config,
      // Kafka and the registry are needed only by the projection
      stream: config.projection ? { settings: config, topics, kinds } : undefined,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    this.topics = topics;
    this.projectsAccounts = projectsAccounts;
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
    const describe = {
      grid: grids.current().name,
      gridVersion: grids.current().version,
      projection: config.projection,
      accountProjection: this.projectsAccounts,
    };
    const door = { app, port: config.httpPort, host: config.httpHost };
    const stop = () => grids.stop();
    if (!stream) return { door, describe, stop };
    const decoder = new ChunkDecoder(stream.codec, stream.sender, this.topics.deadLetters, this.metrics.deadLettered, now);
    const contacts = new ScoreChangeProjection(redis, keys, decoder, this.topics, this.metrics, config.recentLength, () =>
      scoreIdsOf(grids.current()),
    );
    const accounts = this.projectsAccounts ? new AccountScoreProjection(redis, keys, decoder, this.metrics) : undefined;
    return {
      consumer: {
        handler: (topic, partition, messages) =>
          accounts && topic === this.topics.accountScoreChanged
            ? accounts.handle(topic, partition, messages)
            : contacts.handle(topic, partition, messages),
        groupId: config.groupId,
        topics: [this.topics.scoreChanged, this.topics.contactMerged, ...(accounts ? [this.topics.accountScoreChanged] : [])],
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

/** The scores the projection ranks, each on its own leaderboard (`score` for a grid of one score). */
function scoreIdsOf(grid: CompiledGrid): string[] {
  return grid.scores.map((score) => score.id);
}
