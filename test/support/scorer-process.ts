import { SERVICE_BINS, ServiceProcess } from './service-process.js';

export { freePort } from './service-process.js';

/** A scorer running as its own OS process (`services/scorer/bin/scorer.js`), as in production. */
export class ScorerProcess extends ServiceProcess {
  constructor(env: Record<string, string>, logFile?: string) {
    super('scorer', SERVICE_BINS.scorer, env, logFile);
  }
}
