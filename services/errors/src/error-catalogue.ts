import { EXIT_CODES, type ExitCodeValue } from './exit-codes.js';

/** What the catalogue says about one code. */
export interface CatalogueEntry {
  /** The stable code: logs, dead letters, HTTP bodies and callers switch on it, never on messages. */
  readonly code: string;
  readonly meaning: string;
  /**
   * Whether trying again can help: the default of every error with this code. An error may say
   * otherwise when its cause decides (REGISTRY_REJECTED for a 5xx answer).
   */
  readonly retriable: boolean;
  /** The exit code of a service this error stops (docs/operations.md). */
  readonly exitCode: ExitCodeValue;
}

const entry = <Code extends string>(
  code: Code,
  meaning: string,
  retriable: boolean,
  exitCode: ExitCodeValue = EXIT_CODES.failed,
) => ({ code, meaning, retriable, exitCode }) as const;

/**
 * Every error code of the project, by name. Codes are stable: renaming one breaks dashboards,
 * the dead-letter readers and API clients. docs/operations.md lists them as a table.
 */
export const ERROR_CATALOGUE = {
  // start-up: configuration and the grid (exit 2: fix the values)
  ConfigInvalid: entry(
    'CONFIG_INVALID',
    'the environment has invalid or missing settings (every problem listed)',
    false,
    EXIT_CODES.invalidConfig,
  ),
  GridInvalid: entry(
    'GRID_INVALID',
    'the grid fails parsing, schema or semantic validation (every issue with its path)',
    false,
    EXIT_CODES.invalidConfig,
  ),
  GridUnreadable: entry(
    'GRID_UNREADABLE',
    'the grid file cannot be read (missing, not permitted)',
    false,
    EXIT_CODES.invalidConfig,
  ),
  // start-up: credentials and certificates (exit 3: restarting alone never helps)
  KafkaAuthFailed: entry('KAFKA_AUTH_FAILED', 'Kafka refused the SASL login', false, EXIT_CODES.refused),
  KafkaTlsFailed: entry(
    'KAFKA_TLS_FAILED',
    "TLS with Kafka failed (the brokers' or this client's certificate)",
    false,
    EXIT_CODES.refused,
  ),
  RedisAuthFailed: entry(
    'REDIS_AUTH_FAILED',
    'Redis refused the login or a command the ACL does not allow',
    false,
    EXIT_CODES.refused,
  ),
  RedisTlsFailed: entry(
    'REDIS_TLS_FAILED',
    "TLS with Redis failed (the server's or this client's certificate)",
    false,
    EXIT_CODES.refused,
  ),
  RegistryAuthFailed: entry(
    'REGISTRY_AUTH_FAILED',
    'the schema registry refused the credentials (401/403)',
    false,
    EXIT_CODES.refused,
  ),
  // dependencies
  KafkaUnavailable: entry('KAFKA_UNAVAILABLE', 'Kafka cannot be reached', true),
  RedisUnavailable: entry('REDIS_UNAVAILABLE', 'Redis cannot be reached or a command failed', true),
  RedisPolicyUnsafe: entry(
    'REDIS_POLICY_UNSAFE',
    "Redis's maxmemory-policy is not noeviction: it could evict scoring state",
    false,
  ),
  RedisKeyPrefixInvalid: entry(
    'REDIS_KEY_PREFIX_INVALID',
    'a Redis key prefix is empty or holds braces or spaces (they would break the hash tags)',
    false,
  ),
  RedisScriptUndefined: entry('REDIS_SCRIPT_UNDEFINED', 'the Redis client did not take the definition of a Lua script', false),
  RedisReplyUnexpected: entry(
    'REDIS_REPLY_UNEXPECTED',
    'a Redis script replied with a shape it never returns (a script of another version?)',
    false,
  ),
  RegistryUnreachable: entry('REGISTRY_UNREACHABLE', 'the schema registry did not answer', true),
  RegistryRejected: entry('REGISTRY_REJECTED', 'the schema registry refused a request (retriable when it answered 5xx)', false),
  RegistryConflict: entry('REGISTRY_CONFLICT', 'the schema registry answered 409 to a request that another one raced', true),
  SchemaIncompatible: entry(
    'SCHEMA_INCOMPATIBLE',
    'the schema registry refused a schema incompatible with the registered ones',
    false,
  ),
  // processing
  StateConflict: entry('STATE_CONFLICT', 'contact states kept changing under the compare-and-set commits of a chunk', true),
  GridSuperseded: entry(
    'GRID_SUPERSEDED',
    "a contact's state was written by a newer grid than this scorer can run (its GRID_FILE is not the running grid)",
    true,
  ),
  PublishFailed: entry('PUBLISH_FAILED', 'Kafka did not acknowledge produced messages (HTTP 503 at the ingest gateway)', true),
  EncodeFailed: entry('ENCODE_FAILED', 'a value does not fit its Avro schema (the failing field paths named)', false),
  StateInvalid: entry('STATE_INVALID', 'a stored contact state cannot be decoded by this engine version', false),
  EventInvalid: entry('EVENT_INVALID', 'an event fails validation where a throwing API was used', false),
  RuntimeNoStream: entry(
    'RUNTIME_NO_STREAM',
    'a consumer declared without the stream step (Kafka, codec, producer): a wiring bug',
    false,
  ),
  // dead-letter reasons (the `reason` of a dead letter)
  Oversized: entry('OVERSIZED', 'dead letter: the input value exceeds MAX_EVENT_BYTES', false),
  Undecodable: entry(
    'UNDECODABLE',
    'dead letter: the value is not Confluent-framed Avro, or does not decode with its schema',
    false,
  ),
  UnknownSchema: entry(
    'UNKNOWN_SCHEMA',
    'dead letter: the schema id is not in the registry (retriable while registration is pending)',
    false,
  ),
  InvalidEvent: entry('INVALID_EVENT', 'dead letter: a field fails the event checks (paths named, never values)', false),
  FutureTimestamp: entry('FUTURE_TIMESTAMP', 'dead letter: occurredAt is more than 24 h after now', false),
  UnknownTopic: entry('UNKNOWN_TOPIC', 'dead letter: the message came from a topic the scorer does not read', false),
  // HTTP answers of the ingest gateway and the read API ({error: {code, message, details}})
  Unauthorized: entry('UNAUTHORIZED', 'HTTP 401: no valid API key', false),
  InvalidRequest: entry('INVALID_REQUEST', 'HTTP 400: a parameter or the body shape is wrong', false),
  InvalidJson: entry('INVALID_JSON', 'HTTP 400: the body is empty or not JSON', false),
  InvalidEvents: entry('INVALID_EVENTS', 'HTTP 400: events fail validation (every failing item and field listed)', false),
  PayloadTooLarge: entry('PAYLOAD_TOO_LARGE', 'HTTP 413: the body or the batch is too large', false),
  UnsupportedMediaType: entry('UNSUPPORTED_MEDIA_TYPE', 'HTTP 415: the body is not JSON', false),
  Forbidden: entry('FORBIDDEN', 'HTTP 403: the API key may not do this (a console viewer editing or publishing)', false),
  GridPublishConflict: entry(
    'GRID_PUBLISH_CONFLICT',
    'HTTP 409: another editor published a grid since this draft was made from the live one (reload it)',
    false,
  ),
  NotFound: entry('NOT_FOUND', 'HTTP 404: no such route', false),
  ContactNotFound: entry('CONTACT_NOT_FOUND', 'HTTP 404: no contact with this id has been scored', false),
  AccountNotFound: entry('ACCOUNT_NOT_FOUND', 'HTTP 404: no account with this id has been stored', false),
  Unavailable: entry('UNAVAILABLE', 'HTTP 503: a dependency (Redis) is unavailable', true),
  Internal: entry('INTERNAL', 'HTTP 500: an unexpected failure (logged)', false),
  // the CLI and calibration: input a user can fix
  CliFileUnreadable: entry('CLI_FILE_UNREADABLE', 'a file named on the command line cannot be read', false),
  CliBadOption: entry('CLI_BAD_OPTION', 'a command-line option is invalid', false),
  CliWriteConflict: entry(
    'CLI_WRITE_CONFLICT',
    'contact states under the prefix changed while the command wrote them (another writer)',
    false,
  ),
  CliBadEnvironment: entry('CLI_BAD_ENVIRONMENT', 'an environment variable the CLI reads is invalid', false),
  CalibrationBadOutcomesFile: entry('CALIBRATION_BAD_OUTCOMES_FILE', 'the outcomes CSV has no usable header', false),
  CalibrationNotEnoughData: entry('CALIBRATION_NOT_ENOUGH_DATA', 'too little or one-sided data to backtest or learn', false),
  CalibrationBadOption: entry('CALIBRATION_BAD_OPTION', 'a calibration option is out of range', false),
} as const;

type Catalogue = typeof ERROR_CATALOGUE;
export type ErrorCodeName = keyof Catalogue;
/** Every code string of the catalogue. */
export type ErrorCode = Catalogue[ErrorCodeName]['code'];

/** The codes by name, for use sites: `ErrorCode.PublishFailed`, never the string. */
export const ErrorCode = Object.freeze(
  Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([name, e]) => [name, e.code])),
) as { readonly [K in ErrorCodeName]: Catalogue[K]['code'] };

const BY_CODE: ReadonlyMap<string, CatalogueEntry> = new Map(Object.values(ERROR_CATALOGUE).map((e) => [e.code, e]));

/** The catalogue entry of a code, or undefined for a code that is not ours. */
export function catalogueEntry(code: unknown): CatalogueEntry | undefined {
  return typeof code === 'string' ? BY_CODE.get(code) : undefined;
}

/** The exit code for an error that stops a service: its code's, or 1 for anything else. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  return catalogueEntry((error as { code?: unknown } | null | undefined)?.code)?.exitCode ?? EXIT_CODES.failed;
}
