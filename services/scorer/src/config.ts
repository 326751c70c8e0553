import {
  EnvReader,
  type KafkaSettings,
  type RedisSettings,
  type RegistrySettings,
  type TopicSettings,
} from '@leadscore/service-kit';
import { CRASH_POINT_NAMES, type CrashPointName } from './crash-points.js';

/** The scorer's configuration: read once from the environment by `main`, then frozen. */
export interface ScorerConfig extends KafkaSettings, RegistrySettings, RedisSettings, TopicSettings {
  readonly gridFile: string;
  readonly redisKeyPrefix: string;
  readonly groupId: string;
  readonly httpPort: number;
  readonly logLevel: string;
  /** Input values larger than this are dead-lettered as OVERSIZED. */
  readonly maxEventBytes: number;
  /** Messages scored per chunk of a fetched batch: one Redis read, one produce, one Redis write each. */
  readonly chunkSize: number;
  readonly partitionsConsumedConcurrently: number;
  /** Contacts whose last committed state is kept in memory, so their next chunk skips the Redis read (0: none). */
  readonly stateCacheContacts: number;
  /** Consumer group session timeout: how long a dead instance holds its partitions. */
  readonly sessionTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly sweepBatchSize: number;
  /** 'published': run the console's published grid when there is one, else GRID_FILE; 'file': GRID_FILE only. */
  readonly gridSource: 'published' | 'file';
  /** How often the scorer looks for a newly published grid and renews its heartbeat (ms). */
  readonly gridPollMs: number;
  /** Fault injection for tests only (SCORER_CRASH_POINTS); empty in production. */
  readonly crashPoints: ReadonlyMap<CrashPointName, number>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadScorerConfig(env: Env): ScorerConfig {
  const read = new EnvReader(env);
  const crashPoints = new Map<CrashPointName, number>();
  for (const entry of read.list('SCORER_CRASH_POINTS', false)) {
    const [name, p] = entry.split('=');
    const probability = Number(p);
    if (!CRASH_POINT_NAMES.includes(name as CrashPointName) || !(probability >= 0 && probability <= 1)) {
      read.problems.push(
        `SCORER_CRASH_POINTS entries must be <${CRASH_POINT_NAMES.join('|')}>=<probability 0..1>, got ${JSON.stringify(entry)}`,
      );
    } else crashPoints.set(name as CrashPointName, probability);
  }
  return read.done<ScorerConfig>({
    ...read.topicSettings(),
    ...read.kafkaSettings('scorer'),
    ...read.registrySettings(),
    ...read.redisSettings(),
    gridFile: read.gridFile(),
    redisKeyPrefix: read.redisKeyPrefix(),
    groupId: read.text('SCORER_GROUP_ID', 'leadscore-scorer'),
    httpPort: read.int('HTTP_PORT', 9464, 0, 65535),
    logLevel: read.logLevel(),
    maxEventBytes: read.int('MAX_EVENT_BYTES', 64 * 1024, 256, 16 * 1024 * 1024),
    chunkSize: read.int('SCORER_CHUNK_SIZE', 500, 1, 100_000),
    partitionsConsumedConcurrently: read.int('SCORER_PARTITIONS_CONCURRENCY', 2, 1, 64),
    stateCacheContacts: read.int('SCORER_STATE_CACHE_CONTACTS', 100_000, 0, 10_000_000),
    sessionTimeoutMs: read.int('SCORER_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
    sweepIntervalMs: read.int('SWEEP_INTERVAL_MS', 30_000, 100, 24 * 3600 * 1000),
    sweepBatchSize: read.int('SWEEP_BATCH_SIZE', 200, 1, 10_000),
    gridSource: read.oneOf('SCORER_GRID_SOURCE', ['published', 'file'], 'published'),
    gridPollMs: read.int('SCORER_GRID_POLL_MS', 2_000, 100, 600_000),
    crashPoints,
  });
}
