import type { Kafka } from 'kafkajs';
import { AvroCodec, type TopicKind, type TopicNames } from '@leadscore/contracts';
import { connectKafka, EnvReader, type KafkaSettings, type RedisSettings, type RegistrySettings } from '@leadscore/service-kit';
import { CliError, CliErrorCode } from './cli-error.js';

/** Where the streaming commands (dlq, rebuild) find the servers: the same variables as the scorer. */
export interface StreamEndpoints extends KafkaSettings, RegistrySettings, RedisSettings {}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL (and REDIS_URL, REDIS_CLUSTER when `needsRedis`) and
 * the security settings of each from the environment, with the services' own reader.
 * @throws CliError CLI_BAD_ENVIRONMENT listing every problem at once
 */
export function readStreamEndpoints(env: Env, needsRedis: boolean): StreamEndpoints {
  const read = new EnvReader(env);
  const endpoints: StreamEndpoints = {
    ...read.kafkaSettings('cli'),
    ...read.registrySettings(),
    // REDIS_URL only when asked for (rebuild): '' otherwise
    ...(needsRedis ? read.redisSettings() : { redisUrl: '', redisCluster: false, redisSecurity: {} }),
  };
  if (read.problems.length > 0) {
    throw new CliError(CliErrorCode.BadEnvironment, `the environment is not usable:\n  - ${read.problems.join('\n  - ')}`);
  }
  return endpoints;
}

/** Connects to Kafka (login verified) and the registry, with the codec of the given topic kinds only. */
export async function connectStream(
  endpoints: StreamEndpoints,
  clientId: string,
  topics: TopicNames,
  kinds: readonly TopicKind[],
): Promise<{ kafka: Kafka; codec: AvroCodec }> {
  const kafka = await connectKafka({ clientId, brokers: endpoints.kafkaBrokers, security: endpoints.kafkaSecurity });
  const codec = await AvroCodec.connect({
    registryUrl: endpoints.schemaRegistryUrl,
    auth: endpoints.schemaRegistryAuth,
    topics,
    kinds: [...kinds],
  });
  return { kafka, codec };
}
