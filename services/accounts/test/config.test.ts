import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { compileGrid, validateGrid } from '@leadscore/engine';
import { AccountsService, loadAccountsConfig } from '../src/index.js';

const BASE = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('the account service configuration', () => {
  it('has defaults for everything but the servers', () => {
    const config = loadAccountsConfig(BASE);
    expect(config).toMatchObject({
      membersGroupId: 'leadscore-accounts-members',
      accountsGroupId: 'leadscore-accounts',
      httpPort: 9466,
      chunkSize: 500,
      cacheAccounts: 10_000,
      cacheMembers: 100_000,
    });
    expect(config.crashPoints.size).toBe(0);
  });

  it('lists every problem at once', () => {
    expect(() => loadAccountsConfig({ ...BASE, ACCOUNTS_CHUNK_SIZE: '0', ACCOUNTS_CRASH_POINTS: 'nowhere=2' })).toThrow(
      /ACCOUNTS_CHUNK_SIZE[\s\S]*ACCOUNTS_CRASH_POINTS|ACCOUNTS_CRASH_POINTS[\s\S]*ACCOUNTS_CHUNK_SIZE/,
    );
  });

  it('refuses a grid without an accounts section (exit 2: GRID_INVALID)', () => {
    const result = validateGrid({ name: 'g', version: 1, rules: [{ id: 'demo', on: 'demo_requested', points: 1 }] });
    if (!result.ok) throw new Error('grid');
    expect(
      () =>
        new AccountsService({
          config: loadAccountsConfig(BASE),
          grid: compileGrid(result.grid),
          logger: pino({ level: 'silent' }),
        }),
    ).toThrow(expect.objectContaining({ code: 'GRID_INVALID' }));
  });
});
