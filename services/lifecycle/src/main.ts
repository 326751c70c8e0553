import { runService } from '@leadscore/service-kit';
import { loadLifecycleConfig } from './config.js';
import { LifecycleService } from './lifecycle-service.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration, 3: credentials refused). */
await runService({
  name: 'lifecycle',
  loadConfig: loadLifecycleConfig,
  redact: [],
  stopping: 'finishing the running batch',
  create: (config, logger, onFatal) => new LifecycleService({ config, logger, onFatal }),
});
