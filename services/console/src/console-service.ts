import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { parseOutcomes, readEventHistory, type Outcome } from '@leadscore/calibration';
import { AvroCodec, topicNames, type TopicNames } from '@leadscore/contracts';
import { compileGrid, loadGrid } from '@leadscore/engine';
import { ContactReader, RunningGridFollower } from '@leadscore/read-api';
import { ErrorCode } from '@leadscore/errors';
import { GridRolloutReader, KeyLayout, PublishedGridStore } from '@leadscore/redis-layout';
import {
  connectKafka,
  connectRedis,
  quitRedis,
  Readiness,
  ServiceError,
  type RedisClient,
  type RunnableService,
} from '@leadscore/service-kit';
import { createConsoleApp, publishedLive, type LiveGrid } from './app.js';
import type { ConsoleConfig } from './config.js';
import { ConsoleKeys } from './console-keys.js';
import { ConsoleMetrics } from './console-metrics.js';
import { FileHistorySource, TopicHistorySource, type HistorySource } from './history-source.js';
import { LiveFeed } from './live-feed.js';
import { readTopicHistory } from './topic-history.js';
import { bundleWebPage } from './web-bundle.js';

export interface ConsoleServiceOptions {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  readonly now?: () => number;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    const code = what === 'grid' ? ErrorCode.GridUnreadable : ErrorCode.ConfigInvalid;
    throw new ServiceError(code, `cannot read the ${what} file ${path} (${reason})`, { cause: error });
  }
}

/** The console: Redis (its published grid and audit), the history it tests drafts on, and its HTTP app. */
/** How often the console looks up the grid the scorers run (as the read API's GRID_POLL_MS default). */
const GRID_POLL_MS = 2_000;

export class ConsoleService implements RunnableService {
  readonly metrics = new ConsoleMetrics({ defaultMetrics: true });
  readonly readiness = new Readiness();
  private redis: RedisClient | undefined;
  private app: FastifyInstance | undefined;
  private feed: LiveFeed | undefined;
  private port: number | undefined;
  private grids: RunningGridFollower | undefined;

  constructor(private readonly options: ConsoleServiceOptions) {}

  get httpPort(): number {
    return this.port ?? this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    const now = this.options.now ?? Date.now;
    this.readiness.set('startup', 'starting');
    const [script, outcomes] = await Promise.all([bundleWebPage(), this.readOutcomes()]);
    const fileHistory = await this.readHistoryFile(outcomes, now());
    this.redis = await connectRedis(config.redisUrl, this.readiness, {
      cluster: config.redisCluster,
      security: config.redisSecurity,
    });
    const keys = new KeyLayout(config.redisKeyPrefix);
    const store = new PublishedGridStore(this.redis, keys);
    const fileYaml = await readText(config.gridFile, 'grid');
    const fileGrid = loadGrid(fileYaml, config.gridFile);
    // scores and breakdowns as the read API computes them: with the grid the scorers run (their record, else GRID_FILE)
    const rollout = new GridRolloutReader(this.redis, keys);
    this.grids = new RunningGridFollower(rollout, compileGrid(fileGrid));
    await this.grids.start(GRID_POLL_MS);
    const published = await store.current();
    const live: LiveGrid = published
      ? publishedLive(published)
      : { yaml: fileYaml, grid: fileGrid, publishedBy: null, publishedAt: null };
    const stream = await this.startFeed();
    this.feed = stream?.feed;
    const history: HistorySource | undefined =
      config.historySource === 'topics' && stream
        ? new TopicHistorySource(
            (receivedAt) =>
              readTopicHistory(
                {
                  ...stream,
                  groupPrefix: `${config.feed!.groupId}-history`,
                  maxEvents: config.historyMaxEvents,
                  maxEventBytes: config.maxEventBytes,
                },
                receivedAt,
              ),
            outcomes,
            now,
          )
        : fileHistory;
    this.app = createConsoleApp({
      ...(this.feed ? { feed: this.feed } : {}),
      keys: new ConsoleKeys(config.editorKeys, config.viewerKeys),
      store,
      rollout,
      live,
      reader: new ContactReader(this.redis, keys, this.grids),
      history,
      script,
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      now,
    });
    await this.app.listen({ port: config.httpPort, host: config.httpHost });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : config.httpPort;
    this.readiness.set('startup', null);
    logger.info(
      { port: this.port, grid: live.grid.name, gridVersion: live.grid.version, history: history?.kind ?? null },
      'console started',
    );
  }

  async stop(): Promise<void> {
    this.grids?.stop();
    await this.app?.close();
    await this.feed?.stop();
    await quitRedis(this.redis);
  }

  /** The live feed, and its Kafka connection and codec (the topic history reads with them too). */
  private async startFeed(): Promise<{ feed: LiveFeed; kafka: Kafka; codec: AvroCodec; topics: TopicNames } | undefined> {
    const { config, logger } = this.options;
    const settings = config.feed;
    if (!settings) return undefined;
    const topics = topicNames(settings.topicPrefix);
    const kafka = await connectKafka({
      clientId: settings.kafkaClientId,
      brokers: settings.kafkaBrokers,
      security: settings.kafkaSecurity,
      logger,
    });
    const codec = await AvroCodec.connect({
      registryUrl: settings.schemaRegistryUrl,
      auth: settings.schemaRegistryAuth,
      topics,
      register: false,
      kinds: ['thresholdCrossed', 'scoreChanged'],
    });
    const feed = new LiveFeed(kafka, codec, topics, settings.groupId, this.readiness, logger);
    await feed.start();
    return { feed, kafka, codec, topics };
  }

  private async readOutcomes(): Promise<readonly Outcome[] | undefined> {
    const { outcomesFile } = this.options.config;
    return outcomesFile ? parseOutcomes(await readText(outcomesFile, 'outcomes'), outcomesFile).outcomes : undefined;
  }

  private async readHistoryFile(
    outcomes: readonly Outcome[] | undefined,
    receivedAt: number,
  ): Promise<HistorySource | undefined> {
    const { historySource, historyFile } = this.options.config;
    if (historySource !== 'file' || !historyFile) return undefined;
    const events = await readEventHistory((await readText(historyFile, 'history')).split('\n'), receivedAt, historyFile);
    return new FileHistorySource({ events, outcomes }, receivedAt);
  }
}
