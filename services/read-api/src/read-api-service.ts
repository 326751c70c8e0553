import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroCodec, PartitionedSender, topicNames, type TopicNames } from '@leadscore/contracts';
import { compileGrid, loadGrid, type CompiledGrid } from '@leadscore/engine';
import { KeyLayout } from '@leadscore/redis-layout';
import {
  ChunkedConsumer,
  connectRedis,
  connectKafka,
  provisionTopics,
  quitRedis,
  Readiness,
  type RedisClient,
  ServiceError,
} from '@leadscore/service-kit';
import { createReadApiApp } from './app.js';
import type { ReadApiConfig } from './config.js';
import { ContactReader } from './contact-reader.js';
import { ReadApiMetrics } from './metrics.js';
import { ScoreChangeProjection } from './score-change-projection.js';

export interface ReadApiServiceOptions {
  readonly config: ReadApiConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly onFatal?: (error: Error) => void;
}

/** Reads, validates and compiles the grid file. @throws ServiceError GRID_UNREADABLE, GridValidationError */
export async function loadGridFile(path: string): Promise<CompiledGrid> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ServiceError(
      'GRID_UNREADABLE',
      `cannot read grid file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      false,
      { cause: error },
    );
  }
  return compileGrid(loadGrid(text, path));
}

/** Wires the read API: Redis, the HTTP app and (optionally) the score-changed projection. */
export class ReadApiService {
  readonly metrics = new ReadApiMetrics({ defaultMetrics: true });
  readonly readiness = new Readiness();
  readonly topics: TopicNames;
  private redis?: RedisClient;
  private producer?: Producer;
  private consumer?: ChunkedConsumer;
  private app?: FastifyInstance;
  private stopping = false;

  constructor(
    private readonly options: ReadApiServiceOptions,
    private readonly grid: CompiledGrid,
  ) {
    this.topics = topicNames(options.config.topicPrefix);
    this.readiness.set('startup', 'starting');
  }

  get httpPort(): number {
    const address = this.app?.server.address();
    return typeof address === 'object' && address ? address.port : this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    const now = this.options.now ?? Date.now;
    this.redis = await connectRedis(config.redisUrl, this.readiness, {
      cluster: config.redisCluster,
      security: config.redisSecurity,
    });
    const keys = new KeyLayout(config.redisKeyPrefix);

    if (config.projection) {
      const kafka = await connectKafka({
        clientId: config.kafkaClientId,
        brokers: config.kafkaBrokers,
        security: config.kafkaSecurity,
        logger,
      });
      if (config.provision) await provisionTopics(kafka, this.topics, config.topicPartitions);
      const codec = await AvroCodec.connect({
        registryUrl: config.schemaRegistryUrl,
        auth: config.schemaRegistryAuth,
        topics: this.topics,
        register: config.provision,
        kinds: ['scoreChanged', 'deadLetters'],
      });
      this.producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await this.producer.connect();
      const projection = new ScoreChangeProjection(
        this.redis,
        keys,
        codec,
        new PartitionedSender(kafka, this.producer),
        this.topics,
        this.metrics,
        config.recentLength,
        now,
      );
      this.consumer = new ChunkedConsumer(
        kafka,
        (topic, partition, messages) => projection.handle(topic, partition, messages),
        {
          groupId: config.groupId,
          topics: [this.topics.scoreChanged],
          chunkSize: 500,
          partitionsConsumedConcurrently: 2,
          sessionTimeoutMs: 30_000,
          onFatal: (error) => this.options.onFatal?.(error),
          metrics: { chunkDuration: this.metrics.chunkDuration, pausedPartitions: this.metrics.pausedPartitions },
        },
        this.readiness,
        logger,
      );
      await this.consumer.start();
    }

    this.app = createReadApiApp({
      reader: new ContactReader(this.redis, keys, this.grid),
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      now,
      apiKeys: config.apiKeys,
    });
    if (config.apiKeys.length === 0) logger.warn('READ_API_KEYS is not set: the read API answers anyone who can reach it');
    await this.app.listen({ port: config.httpPort, host: config.httpHost });
    this.readiness.set('startup', null);
    logger.info(
      { port: this.httpPort, grid: this.grid.name, gridVersion: this.grid.version, projection: config.projection },
      'read API started',
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.readiness.set('startup', 'stopping');
    await this.app?.close();
    await this.consumer?.stop();
    await this.producer?.disconnect();
    await quitRedis(this.redis);
    this.options.logger.info('read API stopped');
  }
}
