import { pino } from 'pino';
import { errorFields } from '@leadscore/service-kit';
import { loadLifecycleConfig, type LifecycleConfig } from './config.js';
import { LifecycleService } from './lifecycle-service.js';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 invalid configuration. */
async function main(): Promise<void> {
  let config: LifecycleConfig;
  try {
    config = loadLifecycleConfig(process.env);
  } catch (error) {
    console.error(`leadscore-lifecycle: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { service: 'lifecycle' }, redact: ['*.email', '*.phone', '*.name', '*.properties', 'value'] });
  const service = new LifecycleService({
    config,
    logger,
    onFatal: (error) => {
      logger.fatal(errorFields(error), 'consumer crashed and will not restart; exiting');
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
    logger.fatal(errorFields(error), 'lifecycle service failed to start');
    console.error(`leadscore-lifecycle: failed to start: ${(error as Error).message}`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
