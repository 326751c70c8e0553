import { loadGridFile, runService } from '@leadscore/service-kit';
import { AccountsService } from './accounts-service.js';
import { loadAccountsConfig } from './config.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration or grid, 3: credentials refused). */
await runService({
  name: 'accounts',
  loadConfig: loadAccountsConfig,
  redact: [],
  stopping: 'finishing the running batches',
  create: async (config, logger, onFatal) =>
    new AccountsService({ config, grid: await loadGridFile(config.gridFile), logger, onFatal }),
});
