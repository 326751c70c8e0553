import {
  COMMIT_CRASH_POINT_NAMES,
  EnvReader,
  type CommitCrashPointName,
  type KafkaSettings,
  type RedisSettings,
  type RegistrySettings,
  type TopicSettings,
} from '@leadscore/service-kit';

/** The account service's configuration: read once from the environment by `main`, then frozen. */
export interface AccountsConfig extends KafkaSettings, RegistrySettings, RedisSettings, TopicSettings {
  /** The grid whose `accounts` section is scored (the scorer's grid). */
  readonly gridFile: string;
  readonly redisKeyPrefix: string;
  /** The members stage's consumer group (score-changed and the input topics, keyed by contact). */
  readonly membersGroupId: string;
  /** The accounts stage's consumer group (account-members and account-updates, keyed by account). */
  readonly accountsGroupId: string;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly chunkSize: number;
  readonly partitionsConsumedConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** Accounts kept in memory between chunks (0: none; each chunk then reads its accounts whole). */
  readonly cacheAccounts: number;
  readonly cacheMembers: number;
  /** Fault injection for tests only (ACCOUNTS_CRASH_POINTS, as SCORER_CRASH_POINTS); empty in production. */
  readonly crashPoints: ReadonlyMap<CommitCrashPointName, number>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadAccountsConfig(env: Env): AccountsConfig {
  const read = new EnvReader(env);
  const crashPoints = new Map<CommitCrashPointName, number>();
  for (const entry of read.list('ACCOUNTS_CRASH_POINTS', false)) {
    const [name, p] = entry.split('=');
    const probability = Number(p);
    if (!COMMIT_CRASH_POINT_NAMES.includes(name as CommitCrashPointName) || !(probability >= 0 && probability <= 1)) {
      read.problems.push(
        `ACCOUNTS_CRASH_POINTS entries must be <${COMMIT_CRASH_POINT_NAMES.join('|')}>=<probability 0..1>, got ${JSON.stringify(entry)}`,
      );
    } else crashPoints.set(name as CommitCrashPointName, probability);
  }
  return read.done<AccountsConfig>({
    ...read.topicSettings(),
    ...read.kafkaSettings('accounts'),
    ...read.registrySettings(),
    ...read.redisSettings(),
    gridFile: read.gridFile(),
    redisKeyPrefix: read.redisKeyPrefix(),
    membersGroupId: read.text('ACCOUNTS_MEMBERS_GROUP_ID', 'leadscore-accounts-members'),
    accountsGroupId: read.text('ACCOUNTS_GROUP_ID', 'leadscore-accounts'),
    httpPort: read.int('HTTP_PORT', 9466, 0, 65535),
    logLevel: read.logLevel(),
    chunkSize: read.int('ACCOUNTS_CHUNK_SIZE', 500, 1, 100_000),
    partitionsConsumedConcurrently: read.int('ACCOUNTS_PARTITIONS_CONCURRENCY', 2, 1, 64),
    sessionTimeoutMs: read.int('ACCOUNTS_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
    cacheAccounts: read.int('ACCOUNTS_CACHE_ACCOUNTS', 10_000, 0, 10_000_000),
    cacheMembers: read.int('ACCOUNTS_CACHE_MEMBERS', 100_000, 0, 100_000_000),
    crashPoints,
  });
}
