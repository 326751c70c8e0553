import { runService } from '@leadscore/service-kit';
import { loadConsoleConfig } from './config.js';
import { ConsoleService } from './console-service.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration or grid). */
await runService({
  name: 'console',
  loadConfig: loadConsoleConfig,
  redact: [],
  stopping: 'answering the requests in flight',
  create: (config, logger) => new ConsoleService({ config, logger }),
});
