import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicNames } from '@leadscore/contracts';
import { accountsEnv, AccountsProcess } from './account-harness.js';
import { scorerEnv, serviceEnv, STARTER_GRID } from './scorer-harness.js';
import { ScorerProcess } from './scorer-process.js';
import { SERVICE_BINS, ServiceProcess } from './service-process.js';

/** The services behind the public doors, each its own OS process, ready. */
export interface DoorsStack {
  readonly scorer: ScorerProcess;
  readonly ingest: ServiceProcess;
  readonly lifecycle: ServiceProcess;
  readonly readApi: ServiceProcess;
  /** The account service, when asked for (`accounts: true`); else null. */
  readonly accounts: AccountsProcess | null;
  /** Where their logs are (named per service). */
  readonly logs: string;
  stop(): Promise<void>;
}

export interface DoorsStackOptions {
  /** The grid every service runs (GRID_FILE); the starter grid by default. */
  readonly gridFile?: string;
  /**
   * Also run the account service (the grid needs an `accounts` section), and let the lifecycle
   * workflow set account stages (LIFECYCLE_ACCOUNT_STAGES), as a deployment with accounts does.
   */
  readonly accounts?: boolean;
}

/**
 * Starts the scorer, the ingest gateway (accepting `apiKey`), the lifecycle workflow and the
 * read API (and with `accounts`, the account service) on the test's topics and key prefix, with
 * one grid, and waits until each answers ready.
 */
export async function startDoorsStack(
  topics: TopicNames,
  keyPrefix: string,
  apiKey: string,
  options: DoorsStackOptions = {},
): Promise<DoorsStack> {
  const logs = await mkdtemp(join(tmpdir(), `leadscore-${keyPrefix}-`));
  const grid = options.gridFile ?? STARTER_GRID;
  const common = { ...serviceEnv(topics, keyPrefix), LOG_LEVEL: 'info', PROVISION: 'true' };
  const scorer = new ScorerProcess(scorerEnv(topics, keyPrefix, { GRID_FILE: grid }), join(logs, 'scorer.log'));
  const ingest = new ServiceProcess(
    'ingest',
    SERVICE_BINS.ingest,
    { ...common, INGEST_API_KEYS: apiKey },
    join(logs, 'ingest.log'),
  );
  const lifecycle = new ServiceProcess(
    'lifecycle',
    SERVICE_BINS.lifecycle,
    {
      ...common,
      LIFECYCLE_GROUP_ID: `${keyPrefix}-lifecycle`,
      ...(options.accounts ? { LIFECYCLE_ACCOUNT_STAGES: 'true' } : {}),
    },
    join(logs, 'lifecycle.log'),
  );
  const readApi = new ServiceProcess(
    'read-api',
    SERVICE_BINS.readApi,
    { ...common, READ_API_GROUP_ID: `${keyPrefix}-read-api`, GRID_FILE: grid },
    join(logs, 'read-api.log'),
  );
  const accounts = options.accounts
    ? new AccountsProcess(accountsEnv(topics, keyPrefix, { LOG_LEVEL: 'info', GRID_FILE: grid }), join(logs, 'accounts.log'))
    : null;
  const all = accounts ? [scorer, ingest, lifecycle, readApi, accounts] : [scorer, ingest, lifecycle, readApi];
  const stop = async () => {
    await Promise.all(all.map((p) => p.stop().catch(() => undefined)));
  };
  try {
    await Promise.all(all.map((p) => p.start()));
    await Promise.all(all.map((p) => p.waitReady()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { scorer, ingest, lifecycle, readApi, accounts, logs, stop };
}
