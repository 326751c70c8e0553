import { EnvReader, type KafkaSettings, type RegistrySettings, type TopicSettings } from '@leadscore/service-kit';

/** The ingest gateway's configuration: read once from the environment by `main`, then frozen. */
export interface IngestConfig extends KafkaSettings, RegistrySettings, TopicSettings {
  /** Accepted API keys (INGEST_API_KEYS, comma-separated). Never logged. */
  readonly apiKeys: readonly string[];
  /** A YAML/JSON file mapping Segment `event` names to our event types; null: the built-in table. */
  readonly segmentEventMapFile: string | null;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
  /** Request bodies larger than this are refused with 413. */
  readonly maxBodyBytes: number;
  /** Events per request at most (413 beyond). */
  readonly maxBatchEvents: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws CONFIG_INVALID listing every problem at once. */
export function loadIngestConfig(env: Env): IngestConfig {
  const read = new EnvReader(env);
  const apiKeys = read.list('INGEST_API_KEYS', true);
  if (apiKeys.some((key) => key.length < 16)) read.problems.push('INGEST_API_KEYS entries must be at least 16 characters long');
  return read.done<IngestConfig>({
    ...read.topicSettings(),
    ...read.kafkaSettings('ingest'),
    ...read.registrySettings(),
    apiKeys,
    segmentEventMapFile: read.raw('INGEST_SEGMENT_EVENT_MAP') ?? null,
    httpHost: read.text('HTTP_HOST', '0.0.0.0'),
    httpPort: read.int('HTTP_PORT', 8080, 0, 65535),
    logLevel: read.logLevel(),
    maxBodyBytes: read.int('INGEST_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBatchEvents: read.int('INGEST_MAX_BATCH_EVENTS', 1000, 1, 1000),
  });
}
