import { pino } from 'pino';
import { loadScorerConfig, ScorerService, type ScorerServiceOptions } from '@leadscore/scorer';
import { loadGridFile } from '@leadscore/service-kit';
import type { TopicNames } from '@leadscore/contracts';
import { testContext } from './test-context.js';

export const STARTER_GRID = new URL('../../deploy/grids/starter.yaml', import.meta.url).pathname;

/** Any service's environment for a test: the run's servers, the test's own topics and key prefix. */
export function serviceEnv(topics: TopicNames, keyPrefix: string): Record<string, string> {
  const ctx = testContext();
  return {
    KAFKA_BROKERS: ctx.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
    REDIS_URL: ctx.redisUrl,
    REDIS_CLUSTER: String(ctx.redisCluster),
    TOPIC_PREFIX: topics.behaviouralEvents.replace(/\.behavioural-events$/, ''),
    REDIS_KEY_PREFIX: keyPrefix,
  };
}

/** The scorer's environment for a test: real servers, the test's own topics, group and key prefix. */
export function scorerEnv(topics: TopicNames, keyPrefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...serviceEnv(topics, keyPrefix),
    SCORER_GROUP_ID: `${keyPrefix}-scorer`,
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    PROVISION: 'true',
    GRID_FILE: STARTER_GRID,
    ...extra,
  };
}

/** Starts a scorer in this process (for tests that need to inject a clock or inspect it). */
export async function startScorerInProcess(
  env: Record<string, string>,
  now?: () => number,
  options: Pick<ScorerServiceOptions, 'crashPoint'> = {},
): Promise<ScorerService> {
  const config = loadScorerConfig(env);
  const grid = await loadGridFile(config.gridFile);
  const service = new ScorerService({ config, grid, logger: pino({ level: 'silent' }), ...(now ? { now } : {}), ...options });
  await service.start();
  return service;
}
