import { CliError, CliErrorCode } from './cli-error.js';

/** Where the streaming commands (dlq, rebuild) find the servers: the same variables as the scorer. */
export interface StreamEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  /** Only when asked for (rebuild); '' otherwise. */
  readonly redisUrl: string;
  /** REDIS_CLUSTER: REDIS_URL is a seed node of a Redis Cluster (as for the scorer). */
  readonly redisCluster: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads KAFKA_BROKERS, SCHEMA_REGISTRY_URL (and REDIS_URL, REDIS_CLUSTER when `needsRedis`) from the environment.
 * @throws CliError CLI_BAD_ENVIRONMENT listing every problem at once
 */
export function readStreamEndpoints(env: Env, needsRedis: boolean): StreamEndpoints {
  const problems: string[] = [];
  const brokers = (env['KAFKA_BROKERS'] ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is required (host:port,...)');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker))
      problems.push(`KAFKA_BROKERS entries must be host:port, got ${JSON.stringify(broker)}`);
  }
  const url = (name: string, protocols: string[], required: boolean): string => {
    const value = env[name]?.trim() ?? '';
    if (!value) {
      if (required) problems.push(`${name} is required`);
      return '';
    }
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol))
        problems.push(`${name} must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    } catch {
      problems.push(`${name} must be a URL, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const schemaRegistryUrl = url('SCHEMA_REGISTRY_URL', ['http:', 'https:'], true);
  const redisUrl = needsRedis ? url('REDIS_URL', ['redis:', 'rediss:'], true) : '';
  const clusterText = (env['REDIS_CLUSTER'] ?? '').trim().toLowerCase();
  if (clusterText && !['1', 'true', 'yes', '0', 'false', 'no'].includes(clusterText)) {
    problems.push(`REDIS_CLUSTER must be true or false, got ${JSON.stringify(env['REDIS_CLUSTER'])}`);
  }
  const redisCluster = ['1', 'true', 'yes'].includes(clusterText);
  if (problems.length > 0) {
    throw new CliError(CliErrorCode.BadEnvironment, `the environment is not usable:\n  - ${problems.join('\n  - ')}`);
  }
  return { kafkaBrokers: brokers, schemaRegistryUrl, redisUrl, redisCluster };
}
