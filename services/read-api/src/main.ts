import { loadGridFile, runService } from '@leadscore/service-kit';
import { loadReadApiConfig } from './config.js';
import { ReadApiService } from './read-api-service.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration or grid, 3: credentials refused). */
await runService({
  name: 'read-api',
  loadConfig: loadReadApiConfig,
  redact: [],
  stopping: 'answering the requests in flight',
  create: async (config, logger, onFatal) => new ReadApiService({ config, logger, onFatal }, await loadGridFile(config.gridFile)),
});
