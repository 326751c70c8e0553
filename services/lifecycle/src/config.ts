import { hostname } from 'node:os';
import type { LifecycleStage } from '@leadscore/contracts';
import { EnvReader, type KafkaSecurity, type RedisSecurity, type RegistryAuth } from '@leadscore/service-kit';

/** The lifecycle service's configuration: read once from the environment by `main`, then frozen. */
export interface LifecycleConfig {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaClientId: string;
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  readonly schemaRegistryAuth: RegistryAuth | undefined;
  readonly redisUrl: string;
  /** REDIS_URL is a seed node of a Redis Cluster */
  readonly redisCluster: boolean;
  readonly redisSecurity: RedisSecurity;
  readonly topicPrefix: string;
  readonly redisKeyPrefix: string;
  readonly groupId: string;
  /** The threshold (grid threshold name) whose up-crossings move contacts to the target stage. */
  readonly threshold: string;
  readonly targetStage: LifecycleStage;
  /** History entries kept per contact (also the redelivery window: older crossing ids are forgotten). */
  readonly historyLength: number;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly chunkSize: number;
  readonly sessionTimeoutMs: number;
  readonly provision: boolean;
  readonly topicPartitions: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadLifecycleConfig(env: Env): LifecycleConfig {
  const read = new EnvReader(env);
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  return read.done<LifecycleConfig>({
    kafkaBrokers: read.kafkaBrokers(),
    kafkaClientId: read.text('KAFKA_CLIENT_ID', `leadscore-lifecycle-${hostname()}-${process.pid}`),
    kafkaSecurity: read.kafkaSecurity(),
    schemaRegistryUrl: read.url('SCHEMA_REGISTRY_URL', ['http:', 'https:']),
    schemaRegistryAuth: read.registryAuth(),
    redisUrl,
    redisCluster: read.bool('REDIS_CLUSTER', false),
    redisSecurity: read.redisSecurity(redisUrl),
    topicPrefix: read.topicPrefix(),
    redisKeyPrefix: read.redisKeyPrefix(),
    groupId: read.text('LIFECYCLE_GROUP_ID', 'leadscore-lifecycle'),
    threshold: read.text('LIFECYCLE_MQL_THRESHOLD', 'MQL'),
    targetStage: 'MARKETING_QUALIFIED',
    historyLength: read.int('LIFECYCLE_HISTORY_LENGTH', 100, 1, 10_000),
    httpPort: read.int('HTTP_PORT', 9465, 0, 65535),
    logLevel: read.logLevel(),
    chunkSize: read.int('LIFECYCLE_CHUNK_SIZE', 500, 1, 100_000),
    sessionTimeoutMs: read.int('LIFECYCLE_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
    provision: read.bool('PROVISION', true),
    topicPartitions: read.int('TOPIC_PARTITIONS', 6, 1, 1000),
  });
}
