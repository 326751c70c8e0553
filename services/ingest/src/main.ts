import { runService } from '@leadscore/service-kit';
import { loadIngestConfig } from './config.js';
import { IngestService } from './ingest-service.js';

/** Exit codes: see EXIT_CODES in @leadscore/service-kit (2: invalid configuration, 3: credentials refused). */
await runService({
  name: 'ingest',
  loadConfig: loadIngestConfig,
  // Events are never logged; these paths only guard against accidents.
  redact: ['*.traits', '*["x-api-key"]', 'event', 'body'],
  stopping: 'answering the requests in flight',
  create: (config, logger) => new IngestService({ config, logger }),
});
