import type { Server } from 'node:http';
import { Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroCodec, PartitionedSender, topicNames, type TopicNames } from '@leadscore/contracts';
import {
  ChunkedConsumer,
  closeServer,
  connectRedis,
  createOpsServer,
  connectKafka,
  listen,
  provisionTopics,
  quitRedis,
  Readiness,
  type RedisClient,
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

/** Wires the lifecycle workflow: Redis, Kafka producer and consumer group, codec, ops server. */
export class LifecycleService {
  readonly metrics = new LifecycleMetrics({ defaultMetrics: true });
  readonly readiness = new Readiness();
  readonly topics: TopicNames;
  private redis?: RedisClient;
  private producer?: Producer;
  private consumer?: ChunkedConsumer;
  private server?: Server;
  private port?: number;
  private stopping = false;

  constructor(private readonly options: LifecycleServiceOptions) {
    this.topics = topicNames(options.config.topicPrefix);
    this.readiness.set('startup', 'starting');
  }

  get httpPort(): number {
    return this.port ?? this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    this.server = createOpsServer(this.metrics.registry, this.readiness);
    this.port = await listen(this.server, config.httpPort);

    this.redis = await connectRedis(config.redisUrl, this.readiness, {
      cluster: config.redisCluster,
      security: config.redisSecurity,
    });
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
      kinds: ['thresholdCrossed', 'lifecycleStageChanged', 'deadLetters'],
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.readiness.set('producer', 'connecting');
    this.producer.on(this.producer.events.CONNECT, () => this.readiness.set('producer', null));
    this.producer.on(this.producer.events.DISCONNECT, () => this.readiness.set('producer', 'disconnected'));
    await this.producer.connect();

    const workflow = new LifecycleWorkflow({
      codec,
      sender: new PartitionedSender(kafka, this.producer),
      topics: this.topics,
      store: new StageStore(this.redis, config.redisKeyPrefix, config.historyLength),
      metrics: this.metrics,
      threshold: config.threshold,
      target: config.targetStage,
      now: this.options.now ?? Date.now,
    });
    this.consumer = new ChunkedConsumer(
      kafka,
      (topic, partition, messages) => workflow.handle(topic, partition, messages),
      {
        groupId: config.groupId,
        topics: [this.topics.thresholdCrossed],
        chunkSize: config.chunkSize,
        partitionsConsumedConcurrently: 2,
        sessionTimeoutMs: config.sessionTimeoutMs,
        onFatal: (error) => this.options.onFatal?.(error),
        metrics: { chunkDuration: this.metrics.chunkDuration, pausedPartitions: this.metrics.pausedPartitions },
      },
      this.readiness,
      logger,
    );
    await this.consumer.start();
    this.readiness.set('startup', null);
    logger.info(
      { topic: this.topics.thresholdCrossed, groupId: config.groupId, threshold: config.threshold },
      'lifecycle service started',
    );
  }

  /** Finish the running batch, commit, leave the group, flush the producer, close Redis. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.readiness.set('startup', 'stopping');
    await this.consumer?.stop();
    await this.producer?.disconnect();
    await quitRedis(this.redis);
    await closeServer(this.server);
    this.options.logger.info('lifecycle service stopped');
  }
}
