import { pino } from 'pino';
import { GridValidationError, formatIssue } from '@leadscore/engine';
import { loadScorerConfig, type ScorerConfig } from './config.js';
import { loadGridFile } from './grid-source.js';
import { ScorerError } from './scorer-error.js';
import { ScorerService } from './scorer-service.js';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration or grid. */
async function main(): Promise<void> {
  let config: ScorerConfig;
  try {
    config = loadScorerConfig(process.env);
  } catch (error) {
    console.error(`leadscore-scorer: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'scorer' },
    // Decoded events are never logged; these paths only guard against accidents.
    redact: ['*.email', '*.phone', '*.name', '*.properties', 'event', 'value'],
  });

  let grid;
  try {
    grid = await loadGridFile(config.gridFile);
  } catch (error) {
    if (error instanceof GridValidationError) {
      console.error(`leadscore-scorer: refusing to start, the grid ${config.gridFile} is invalid:`);
      for (const issue of error.errors) console.error(`  ${formatIssue(issue)}`);
    } else {
      console.error(`leadscore-scorer: ${(error as Error).message}`);
    }
    process.exit(2);
  }

  const service = new ScorerService({
    config,
    grid,
    logger,
    onFatal: (error) => {
      logger.fatal({ err: { name: error.name, message: error.message } }, 'consumer crashed and will not restart; exiting');
      process.exit(1);
    },
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing the running batch');
    service.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: { name: error.name, message: error.message } }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await service.start();
  } catch (error) {
    const e = error as Error;
    const code = error instanceof ScorerError ? error.code : e.name;
    logger.fatal({ code, err: { name: e.name, message: e.message } }, 'scorer failed to start');
    console.error(`leadscore-scorer: failed to start (${code}): ${e.message}`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
