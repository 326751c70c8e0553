import { EnvReader, type KafkaSecurity, type RedisSecurity, type RegistryAuth } from '@leadscore/service-kit';
import { CliError, CliErrorCode } from './cli-error.js';

/** Where the streaming commands (dlq, rebuild) find the servers: the same variables as the scorer. */
export interface StreamEndpoints {
  readonly kafkaBrokers: readonly string[];
  /** KAFKA_SASL_*, KAFKA_TLS* as for the services */
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  readonly schemaRegistryAuth: RegistryAuth | undefined;
  /** Only when asked for (rebuild); '' otherwise. */
  readonly redisUrl: string;
  /** REDIS_CLUSTER: REDIS_URL is a seed node of a Redis Cluster (as for the scorer). */
  readonly redisCluster: boolean;
  readonly redisSecurity: RedisSecurity;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL (and REDIS_URL, REDIS_CLUSTER when `needsRedis`) and
 * the security settings of each from the environment, with the services' own reader.
 * @throws CliError CLI_BAD_ENVIRONMENT listing every problem at once
 */
export function readStreamEndpoints(env: Env, needsRedis: boolean): StreamEndpoints {
  const read = new EnvReader(env);
  const redisUrl = needsRedis ? read.url('REDIS_URL', ['redis:', 'rediss:']) : '';
  const endpoints: StreamEndpoints = {
    kafkaBrokers: read.kafkaBrokers(),
    kafkaSecurity: read.kafkaSecurity(),
    schemaRegistryUrl: read.url('SCHEMA_REGISTRY_URL', ['http:', 'https:']),
    schemaRegistryAuth: read.registryAuth(),
    redisUrl,
    redisCluster: read.bool('REDIS_CLUSTER', false),
    redisSecurity: needsRedis ? read.redisSecurity(redisUrl) : {},
  };
  if (read.problems.length > 0) {
    throw new CliError(CliErrorCode.BadEnvironment, `the environment is not usable:\n  - ${read.problems.join('\n  - ')}`);
  }
  return endpoints;
}
