import { hostname } from 'node:os';
import { EnvReader, type KafkaSettings, type RedisSettings, type RegistrySettings } from '@leadscore/service-kit';
import { parseNamedKeys, type NamedKey } from './console-keys.js';

/** The console's configuration: read once from the environment by `main`, then frozen. */
export interface ConsoleConfig extends RedisSettings {
  readonly redisKeyPrefix: string;
  /** The live grid until the console has published one (GRID_FILE, the starter grid by default). */
  readonly gridFile: string;
  /**
   * What drafts are backtested on (CONSOLE_HISTORY_SOURCE): `file` (CONSOLE_HISTORY_FILE, the
   * default when it is set), `topics` (the input topics, needs KAFKA_BROKERS); none: no backtest.
   */
  readonly historySource: 'file' | 'topics' | undefined;
  /** NDJSON events the drafts are backtested on (CONSOLE_HISTORY_FILE). */
  readonly historyFile: string | undefined;
  /** Events read from the topics at most (CONSOLE_HISTORY_MAX_EVENTS). */
  readonly historyMaxEvents: number;
  /** MAX_EVENT_BYTES of the scorers: larger input values are skipped, as the scorers dead-letter them. */
  readonly maxEventBytes: number;
  /** Outcomes CSV of that history (CONSOLE_OUTCOMES_FILE), for lift and ROC AUC. */
  readonly outcomesFile: string | undefined;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
  /** `name:key` pairs (CONSOLE_EDITOR_KEYS, CONSOLE_VIEWER_KEYS). Never logged. */
  readonly editorKeys: readonly NamedKey[];
  readonly viewerKeys: readonly NamedKey[];
  /** Kafka and the registry for the live feed (KAFKA_BROKERS set); none: no live feed. */
  readonly feed: (KafkaSettings & RegistrySettings & { readonly topicPrefix: string; readonly groupId: string }) | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadConsoleConfig(env: Env): ConsoleConfig {
  const read = new EnvReader(env);
  const editorKeys = parseNamedKeys(read.list('CONSOLE_EDITOR_KEYS', true), 'CONSOLE_EDITOR_KEYS', read.problems);
  const viewerKeys = parseNamedKeys(read.list('CONSOLE_VIEWER_KEYS', false), 'CONSOLE_VIEWER_KEYS', read.problems);
  const feed = read.raw('KAFKA_BROKERS')
    ? {
        ...read.kafkaSettings('console'),
        ...read.registrySettings(),
        topicPrefix: read.topicPrefix(),
        // one group per process: every console sees every output
        groupId: read.text('CONSOLE_GROUP_ID', `leadscore-console-${hostname()}-${process.pid}`),
      }
    : undefined;
  const historyFile = read.raw('CONSOLE_HISTORY_FILE');
  const historySource = readHistorySource(read, historyFile, feed !== undefined);
  return read.done<ConsoleConfig>({
    ...read.redisSettings(),
    redisKeyPrefix: read.redisKeyPrefix(),
    gridFile: read.gridFile(),
    historySource,
    historyFile,
    historyMaxEvents: read.int('CONSOLE_HISTORY_MAX_EVENTS', 1_000_000, 1, 100_000_000),
    maxEventBytes: read.int('MAX_EVENT_BYTES', 64 * 1024, 256, 16 * 1024 * 1024),
    outcomesFile: read.raw('CONSOLE_OUTCOMES_FILE'),
    httpHost: read.text('HTTP_HOST', '0.0.0.0'),
    httpPort: read.int('HTTP_PORT', 8095, 0, 65535),
    logLevel: read.logLevel(),
    editorKeys,
    viewerKeys,
    feed,
  });
}

function readHistorySource(read: EnvReader, historyFile: string | undefined, kafka: boolean): ConsoleConfig['historySource'] {
  const source = read.raw('CONSOLE_HISTORY_SOURCE')?.toLowerCase() ?? (historyFile ? 'file' : undefined);
  if (source === undefined) return undefined;
  if (source === 'file') {
    if (!historyFile) read.problems.push('CONSOLE_HISTORY_SOURCE=file needs CONSOLE_HISTORY_FILE');
    return 'file';
  }
  if (source === 'topics') {
    if (!kafka) read.problems.push('CONSOLE_HISTORY_SOURCE=topics needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL');
    if (historyFile) read.problems.push('CONSOLE_HISTORY_FILE is set but CONSOLE_HISTORY_SOURCE=topics: set one of them');
    return 'topics';
  }
  read.problems.push(`CONSOLE_HISTORY_SOURCE must be file or topics, got ${JSON.stringify(source)}`);
  return undefined;
}
