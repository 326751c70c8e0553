import type { LifecycleStage } from '@leadscore/contracts';
import {
  EnvReader,
  type KafkaSettings,
  type RedisSettings,
  type RegistrySettings,
  type TopicSettings,
} from '@leadscore/service-kit';

/** The lifecycle service's configuration: read once from the environment by `main`, then frozen. */
export interface LifecycleConfig extends KafkaSettings, RegistrySettings, RedisSettings, TopicSettings {
  readonly redisKeyPrefix: string;
  readonly groupId: string;
  /**
   * The score whose threshold qualifies (LIFECYCLE_MQL_SCORE): `score` for a grid of one score, a
   * score id of a grid with several, or `matrix` for the grade matrix's `qualified`.
   */
  readonly scoreId: string;
  /** The threshold (grid threshold name) whose up-crossings move contacts to the target stage. */
  readonly threshold: string;
  readonly targetStage: LifecycleStage;
  /**
   * Whether account-threshold-crossed is consumed too (LIFECYCLE_ACCOUNT_STAGES, default false:
   * opt in once the account service runs, so a deployment without it does not subscribe to a
   * topic nobody produces).
   */
  readonly accountStages: boolean;
  /** The account threshold whose up-crossings move accounts to the target stage (MQA). */
  readonly accountThreshold: string;
  /** History entries kept per contact (also the redelivery window: older crossing ids are forgotten). */
  readonly historyLength: number;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly chunkSize: number;
  readonly sessionTimeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadLifecycleConfig(env: Env): LifecycleConfig {
  const read = new EnvReader(env);
  const scoreId = read.text('LIFECYCLE_MQL_SCORE', 'score');
  return read.done<LifecycleConfig>({
    ...read.topicSettings(),
    ...read.kafkaSettings('lifecycle'),
    ...read.registrySettings(),
    ...read.redisSettings(),
    redisKeyPrefix: read.redisKeyPrefix(),
    groupId: read.text('LIFECYCLE_GROUP_ID', 'leadscore-lifecycle'),
    scoreId,
    // the matrix has one threshold: `qualified`
    threshold: read.text('LIFECYCLE_MQL_THRESHOLD', scoreId === 'matrix' ? 'qualified' : 'MQL'),
    targetStage: 'MARKETING_QUALIFIED',
    accountStages: read.bool('LIFECYCLE_ACCOUNT_STAGES', false),
    accountThreshold: read.text('LIFECYCLE_MQA_THRESHOLD', 'MQA'),
    historyLength: read.int('LIFECYCLE_HISTORY_LENGTH', 100, 1, 10_000),
    httpPort: read.int('HTTP_PORT', 9465, 0, 65535),
    logLevel: read.logLevel(),
    chunkSize: read.int('LIFECYCLE_CHUNK_SIZE', 500, 1, 100_000),
    sessionTimeoutMs: read.int('LIFECYCLE_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
  });
}
