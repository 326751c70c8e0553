import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AvroCodec, type AvroCodecOptions, type TopicNames } from '@leadscore/contracts';
import { ChunkedConsumer, type ChunkHandler, type ChunkedConsumerOptions } from './chunked-consumer.js';
import type { RedisSettings } from './env-reader.js';
import { connectKafka, type KafkaConnectionOptions } from './kafka-connection.js';
import { closeServer, createOpsServer, listen } from './ops-server.js';
import { connectProducer } from './producer-connection.js';
import type { Readiness } from './readiness.js';
import { connectRedis, quitRedis, type RedisClient } from './redis-connection.js';
import { provisionTopics } from './topic-provisioning.js';

/** Something the runtime started and stops again. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** A bound listener: the port it got (useful when asked for port 0) and how to close it. */
export interface Listening extends Stoppable {
  readonly port: number;
}

/**
 * How the runtime reaches the outside world, one method per start-up step. The default is
 * REAL_CONNECTIONS; unit tests of the runtime pass fakes.
 */
export interface RuntimeConnections {
  listenOps(registry: Registry, readiness: Readiness, port: number): Promise<Listening>;
  connectRedis(settings: RedisSettings, readiness: Readiness): Promise<RedisClient>;
  quitRedis(redis: RedisClient): Promise<void>;
  connectKafka(options: KafkaConnectionOptions): Promise<Kafka>;
  provisionTopics(kafka: Kafka, topics: TopicNames, partitions: number): Promise<void>;
  connectCodec(options: AvroCodecOptions): Promise<AvroCodec>;
  connectProducer(kafka: Kafka, readiness: Readiness): Promise<Producer>;
  createConsumer(
    kafka: Kafka,
    handler: ChunkHandler,
    options: ChunkedConsumerOptions,
    readiness: Readiness,
    logger: Logger,
  ): Stoppable & { start(): Promise<void> };
}

export const REAL_CONNECTIONS: RuntimeConnections = {
  async listenOps(registry, readiness, port) {
    const server = createOpsServer(registry, readiness);
    const bound = await listen(server, port);
    return { port: bound, stop: () => closeServer(server) };
  },
  connectRedis: (settings, readiness) =>
    connectRedis(settings.redisUrl, readiness, { cluster: settings.redisCluster, security: settings.redisSecurity }),
  quitRedis,
  connectKafka,
  provisionTopics,
  connectCodec: (options) => AvroCodec.connect(options),
  connectProducer,
  createConsumer: (kafka, handler, options, readiness, logger) => new ChunkedConsumer(kafka, handler, options, readiness, logger),
};
