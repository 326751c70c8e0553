import { pino } from 'pino';
import { formatIssue, GridValidationError, type CompiledGrid } from '@leadscore/engine';
import { errorFields } from '@leadscore/service-kit';
import { loadReadApiConfig, type ReadApiConfig } from './config.js';
import { loadGridFile, ReadApiService } from './read-api-service.js';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration or grid. */
async function main(): Promise<void> {
  let config: ReadApiConfig;
  try {
    config = loadReadApiConfig(process.env);
  } catch (error) {
    console.error(`leadscore-read-api: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { service: 'read-api' }, redact: ['*.email', '*.phone', '*.name', '*.properties', 'value'] });

  let grid: CompiledGrid;
  try {
    grid = await loadGridFile(config.gridFile);
  } catch (error) {
    if (error instanceof GridValidationError) {
      console.error(`leadscore-read-api: refusing to start, the grid ${config.gridFile} is invalid:`);
      for (const issue of error.errors) console.error(`  ${formatIssue(issue)}`);
    } else console.error(`leadscore-read-api: ${(error as Error).message}`);
    process.exit(2);
  }

  const service = new ReadApiService(
    {
      config,
      logger,
      onFatal: (error) => {
        logger.fatal(errorFields(error), 'projection consumer crashed and will not restart; exiting');
        process.exit(1);
      },
    },
    grid,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
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
    logger.fatal(errorFields(error), 'read API failed to start');
    console.error(`leadscore-read-api: failed to start: ${(error as Error).message}`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
