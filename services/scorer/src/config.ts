import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CRASH_POINT_NAMES, type CrashPointName } from './crash-points.js';
import { ScorerError, ScorerErrorCode } from './scorer-error.js';

/** The scorer's configuration: read once from the environment by `main`, then frozen. */
export interface ScorerConfig {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaClientId: string;
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
  /** REDIS_URL is a seed node of a Redis Cluster */
  readonly redisCluster: boolean;
  readonly gridFile: string;
  readonly topicPrefix: string;
  readonly redisKeyPrefix: string;
  readonly groupId: string;
  readonly httpPort: number;
  readonly logLevel: string;
  /** Input values larger than this are dead-lettered as OVERSIZED. */
  readonly maxEventBytes: number;
  /** Messages scored per chunk of a fetched batch: one Redis read, one produce, one Redis write each. */
  readonly chunkSize: number;
  readonly partitionsConsumedConcurrently: number;
  /** Consumer group session timeout: how long a dead instance holds its partitions. */
  readonly sessionTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly sweepBatchSize: number;
  /** Create the topics (when missing) and register the schemas at start-up: handy locally, off in production. */
  readonly provision: boolean;
  readonly topicPartitions: number;
  /** Fault injection for tests only (SCORER_CRASH_POINTS); empty in production. */
  readonly crashPoints: ReadonlyMap<CrashPointName, number>;
}

const DEFAULT_GRID = fileURLToPath(new URL('../../../deploy/grids/starter.yaml', import.meta.url));

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadScorerConfig(env: Env): ScorerConfig {
  const problems: string[] = [];
  const text = (name: string, fallback?: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    problems.push(`${name} is required`);
    return '';
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string => {
    const value = text(name);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) problems.push(`${name} must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    } catch {
      problems.push(`${name} must be a URL, got ${JSON.stringify(value)}`);
    }
    return value;
  };

  const brokers = text('KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) problems.push(`KAFKA_BROKERS entries must be host:port, got ${JSON.stringify(broker)}`);
  }
  const topicPrefix = text('TOPIC_PREFIX', 'leadscore');
  if (!/^[a-zA-Z0-9._-]+$/.test(topicPrefix)) problems.push(`TOPIC_PREFIX must match [a-zA-Z0-9._-]+, got ${JSON.stringify(topicPrefix)}`);
  const redisKeyPrefix = text('REDIS_KEY_PREFIX', 'ls');
  if (/[{}\s]/.test(redisKeyPrefix)) problems.push('REDIS_KEY_PREFIX may not contain braces or spaces (they would break hash tags)');

  const crashPoints = new Map<CrashPointName, number>();
  for (const entry of (env['SCORER_CRASH_POINTS'] ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [name, p] = entry.split('=');
    const probability = Number(p);
    if (!CRASH_POINT_NAMES.includes(name as CrashPointName) || !(probability >= 0 && probability <= 1)) {
      problems.push(`SCORER_CRASH_POINTS entries must be <${CRASH_POINT_NAMES.join('|')}>=<probability 0..1>, got ${JSON.stringify(entry)}`);
    } else crashPoints.set(name as CrashPointName, probability);
  }

  const config: ScorerConfig = {
    kafkaBrokers: brokers,
    kafkaClientId: text('KAFKA_CLIENT_ID', `leadscore-scorer-${hostname()}-${process.pid}`),
    schemaRegistryUrl: url('SCHEMA_REGISTRY_URL', ['http:', 'https:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisCluster: bool('REDIS_CLUSTER', false),
    gridFile: text('GRID_FILE', DEFAULT_GRID),
    topicPrefix,
    redisKeyPrefix,
    groupId: text('SCORER_GROUP_ID', 'leadscore-scorer'),
    httpPort: int('HTTP_PORT', 9464, 0, 65535),
    logLevel: text('LOG_LEVEL', 'info'),
    maxEventBytes: int('MAX_EVENT_BYTES', 64 * 1024, 256, 16 * 1024 * 1024),
    chunkSize: int('SCORER_CHUNK_SIZE', 500, 1, 100_000),
    partitionsConsumedConcurrently: int('SCORER_PARTITIONS_CONCURRENCY', 2, 1, 64),
    sessionTimeoutMs: int('SCORER_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 30_000, 100, 24 * 3600 * 1000),
    sweepBatchSize: int('SWEEP_BATCH_SIZE', 200, 1, 10_000),
    provision: bool('PROVISION', true),
    topicPartitions: int('TOPIC_PARTITIONS', 6, 1, 1000),
    crashPoints,
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(config.logLevel)}`);
  }
  if (problems.length > 0) {
    throw new ScorerError(ScorerErrorCode.ConfigInvalid, `invalid configuration:\n  - ${problems.join('\n  - ')}`, false);
  }
  return Object.freeze(config);
}
