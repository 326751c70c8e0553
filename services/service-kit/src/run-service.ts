import { pino, type Logger } from 'pino';
import { EXIT_CODES, exitCodeFor } from '@leadscore/errors';
import { errorFields, ServiceError } from './service-error.js';

/** What `runService` starts and stops. */
export interface RunnableService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Exit codes come from the error catalogue: each code says how it stops a service (docs/operations.md). */
export { EXIT_CODES, exitCodeFor };

/** Decoded events and secrets are never logged; these paths only guard against accidents. */
export const LOG_REDACT_PATHS: readonly string[] = [
  '*.password',
  '*.authorization',
  '*.email',
  '*.phone',
  '*.name',
  '*.properties',
  'value',
];

export interface RunServiceOptions<Config extends { readonly logLevel: string }> {
  /** Short name: the `service` field of every log line and the prefix of console messages. */
  readonly name: string;
  readonly loadConfig: (env: NodeJS.ProcessEnv) => Config;
  /** pino redact paths, on top of the secrets every service redacts. */
  readonly redact: readonly string[];
  /**
   * Builds the service (may read files such as the grid: throw an error with the catalogue's
   * CONFIG_INVALID, GRID_UNREADABLE or GRID_INVALID for a bad one). `onFatal` ends the process after a crash it cannot recover from.
   */
  readonly create: (
    config: Config,
    logger: Logger,
    onFatal: (error: unknown) => void,
  ) => Promise<RunnableService> | RunnableService;
  /** Logged on SIGTERM/SIGINT, e.g. "finishing the running batch". */
  readonly stopping: string;
}

/**
 * The imperative shell of every service's `main`: configuration from the environment, the
 * logger, start, and a graceful stop on SIGTERM/SIGINT. Start-up failures end the process with
 * one clear line on stderr and in the log, and an exit code from EXIT_CODES.
 */
export async function runService<Config extends { readonly logLevel: string }>(
  options: RunServiceOptions<Config>,
): Promise<void> {
  const prefix = `leadscore-${options.name}`;
  const fail = (error: unknown, logger?: Logger): never => {
    const exitCode = exitCodeFor(error);
    const code = error instanceof ServiceError ? error.code : (error as { code?: unknown })?.code;
    const message = (error as Error)?.message ?? String(error);
    const what = exitCode === EXIT_CODES.invalidConfig ? 'refusing to start' : 'failed to start';
    logger?.fatal({ ...errorFields(error), exitCode }, `${options.name} ${what}`);
    console.error(`${prefix}: ${what}${typeof code === 'string' ? ` (${code})` : ''}: ${message}`);
    process.exit(exitCode);
  };

  let config: Config;
  try {
    config = options.loadConfig(process.env);
  } catch (error) {
    return fail(error);
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: options.name },
    redact: [...LOG_REDACT_PATHS, ...options.redact],
  });

  let service: RunnableService | undefined;
  const onFatal = (error: unknown) => {
    logger.fatal(errorFields(error), 'crashed and will not restart; exiting');
    process.exit(EXIT_CODES.failed);
  };
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `stopping: ${options.stopping}`);
    (service?.stop() ?? Promise.resolve()).then(
      () => process.exit(EXIT_CODES.stopped),
      (error: unknown) => {
        logger.error(errorFields(error), 'unclean stop');
        process.exit(EXIT_CODES.failed);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    service = await options.create(config, logger, onFatal);
    await service.start();
  } catch (error) {
    await service?.stop().catch(() => undefined);
    fail(error, logger);
  }
}
