import { loadGridFile, runService } from '@leadscore/service-kit';
import { loadScorerConfig } from './config.js';
import { ScorerService } from './scorer-service.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration or grid, 3: credentials refused). */
await runService({
  name: 'scorer',
  loadConfig: loadScorerConfig,
  redact: ['event'],
  stopping: 'finishing the running batch',
  create: async (config, logger, onFatal) =>
    new ScorerService({ config, grid: await loadGridFile(config.gridFile), logger, onFatal }),
});
