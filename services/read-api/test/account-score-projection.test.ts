import { fileURLToPath } from 'node:url';
import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KeyLayout, PROJECT_ACCOUNT_SCORES } from '@leadscore/redis-layout';
import { loadGridFile, type RedisClient } from '@leadscore/service-kit';
import {
  AccountScoreProjection,
  latestPerAccount,
  loadReadApiConfig,
  ReadApiMetrics,
  ReadApiService,
  type ChunkDecoder,
} from '../src/index.js';

const ACCOUNTS_GRID = fileURLToPath(new URL('../../../deploy/grids/examples/accounts.yaml', import.meta.url));
const STARTER_GRID = fileURLToPath(new URL('../../../deploy/grids/starter.yaml', import.meta.url));

describe('latestPerAccount', () => {
  it("keeps each account's highest sequence, whatever the order the chunk holds them in", () => {
    expect(
      latestPerAccount([
        { accountId: 'acme', sequence: 2, score: 200 },
        { accountId: 'globex', sequence: 7, score: 70 },
        { accountId: 'acme', sequence: 4, score: 400 },
        { accountId: 'acme', sequence: 3, score: 300 }, // older, after a newer one
        { accountId: 'globex', sequence: 7, score: 70 }, // a redelivery
      ]),
    ).toEqual([
      { accountId: 'acme', sequence: 4, score: 400 },
      { accountId: 'globex', sequence: 7, score: 70 },
    ]);
    expect(latestPerAccount([])).toEqual([]);
  });
});

describe('AccountScoreProjection', () => {
  it('projects a chunk in one script call, one triple per account, and counts what the script ignored', async () => {
    const calls: unknown[][] = [];
    // a client that takes the script's definition and answers "1 projected"
    const redis = {
      defineCommand(name: string) {
        (this as Record<string, unknown>)[name] = (...args: unknown[]) => {
          calls.push(args);
          return Promise.resolve(1);
        };
      },
    } as unknown as RedisClient;
    const values = [
      { accountId: 'acme', sequence: 1, score: 100 },
      { accountId: 'acme', sequence: 2, score: 250 },
      { accountId: 'globex', sequence: 5, score: 40 },
    ];
    const decoder = { decode: async () => values } as unknown as ChunkDecoder;
    const metrics = new ReadApiMetrics();
    const keys = new KeyLayout('ls');
    await new AccountScoreProjection(redis, keys, decoder, metrics).handle('t', 0, [] as KafkaMessage[]);

    expect(calls).toEqual([[keys.accountLeaderboard(), keys.accountLeaderboardSequences(), 'acme', 2, 250, 'globex', 5, 40]]);
    expect(PROJECT_ACCOUNT_SCORES.numberOfKeys).toBe(2);
    const counted = await metrics.registry.getSingleMetricAsString('leadscore_read_api_account_score_changes_projected_total');
    expect(counted).toContain('{outcome="projected"} 1');
    expect(counted).toContain('{outcome="ignored"} 2');
  });
});

describe('whether the read API projects accounts', () => {
  const service = async (env: Record<string, string>, grid: string) =>
    new ReadApiService(
      {
        config: loadReadApiConfig({ KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r', REDIS_URL: 'redis://x', ...env }),
        logger: pino({ level: 'silent' }),
      },
      await loadGridFile(grid),
    );

  it('does where the projection runs and the grid scores accounts, unless READ_API_ACCOUNT_PROJECTION=false', async () => {
    expect((await service({}, ACCOUNTS_GRID)).projectsAccounts).toBe(true);
    expect((await service({ READ_API_ACCOUNT_PROJECTION: 'false' }, ACCOUNTS_GRID)).projectsAccounts).toBe(false);
    expect((await service({ READ_API_PROJECTION: 'false' }, ACCOUNTS_GRID)).projectsAccounts).toBe(false);
    expect((await service({}, STARTER_GRID)).projectsAccounts).toBe(false); // no accounts section: nothing to project
  });

  it('refuses a READ_API_ACCOUNT_PROJECTION that is not a boolean', () => {
    expect(() =>
      loadReadApiConfig({
        KAFKA_BROKERS: 'k:9092',
        SCHEMA_REGISTRY_URL: 'http://r',
        REDIS_URL: 'redis://x',
        READ_API_ACCOUNT_PROJECTION: 'maybe',
      }),
    ).toThrow(/READ_API_ACCOUNT_PROJECTION/);
  });
});
