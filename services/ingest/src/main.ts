import { pino } from 'pino';
import { errorFields } from '@leadscore/service-kit';
import { loadIngestConfig, type IngestConfig } from './config.js';
import { IngestService } from './ingest-service.js';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration. */
async function main(): Promise<void> {
  let config: IngestConfig;
  try {
    config = loadIngestConfig(process.env);
  } catch (error) {
    console.error(`leadscore-ingest: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'ingest' },
    // Events are never logged; these paths only guard against accidents.
    redact: ['*.email', '*.phone', '*.name', '*.properties', '*.traits', '*.authorization', '*["x-api-key"]', 'event', 'body'],
  });
  const service = new IngestService({ config, logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: answering the requests in flight');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(errorFields(error), 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await service.start();
  } catch (error) {
    logger.fatal(errorFields(error), 'ingest gateway failed to start');
    console.error(`leadscore-ingest: failed to start: ${(error as Error).message}`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
