import {
  EnvReader,
  type KafkaSettings,
  type RedisSettings,
  type RegistrySettings,
  type TopicSettings,
} from '@leadscore/service-kit';

/** The read API's configuration: read once from the environment by `main`, then frozen. */
export interface ReadApiConfig extends KafkaSettings, RegistrySettings, RedisSettings, TopicSettings {
  readonly redisKeyPrefix: string;
  /** The grid the scorer runs: scores and breakdowns are computed with it at request time. */
  readonly gridFile: string;
  /** How often the grid the scorers run is looked up (a grid published at run time). */
  readonly gridPollMs: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
  /** Run the score-changed projection (recent changes, leaderboard) in this process. */
  readonly projection: boolean;
  /**
   * With `projection`, also project account-score-changed into the account leaderboard, when the
   * grid scores accounts (READ_API_ACCOUNT_PROJECTION; off where no account service runs).
   */
  readonly accountProjection: boolean;
  readonly groupId: string;
  /** Recent score changes kept per contact. */
  readonly recentLength: number;
  /** Keys a request must present (READ_API_KEYS, comma-separated); empty: no authentication. Never logged. */
  readonly apiKeys: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadReadApiConfig(env: Env): ReadApiConfig {
  const read = new EnvReader(env);
  const projection = read.bool('READ_API_PROJECTION', true);
  const apiKeys = read.list('READ_API_KEYS', false);
  if (apiKeys.some((key) => key.length < 16)) read.problems.push('READ_API_KEYS entries must be at least 16 characters long');
  return read.done<ReadApiConfig>({
    ...read.topicSettings(),
    ...read.redisSettings(),
    redisKeyPrefix: read.redisKeyPrefix(),
    gridFile: read.gridFile(),
    gridPollMs: read.int('GRID_POLL_MS', 2_000, 100, 600_000),
    httpHost: read.text('HTTP_HOST', '0.0.0.0'),
    httpPort: read.int('HTTP_PORT', 8090, 0, 65535),
    logLevel: read.logLevel(),
    projection,
    accountProjection: read.bool('READ_API_ACCOUNT_PROJECTION', true),
    // Kafka and the registry are needed only by the projection
    ...(projection
      ? { ...read.kafkaSettings('read-api'), ...read.registrySettings() }
      : { kafkaBrokers: [], kafkaClientId: '', kafkaSecurity: {}, schemaRegistryUrl: '', schemaRegistryAuth: undefined }),
    groupId: read.text('READ_API_GROUP_ID', 'leadscore-read-api'),
    recentLength: read.int('READ_API_RECENT_LENGTH', 50, 1, 10_000),
    apiKeys,
  });
}
