import { AccountState, compileGrid, validateGrid, type AccountAggregate, type CompiledGrid } from '../../src/index.js';

/** A grid with an accounts section: the given aggregate, two account rules, bounds and an MQA. */
export function accountGrid(
  aggregate: AccountAggregate = { top: 3 },
  extra: { bounds?: { min?: number; max?: number }; recent?: number } = {},
): CompiledGrid {
  const grid = {
    name: 'b2b',
    version: 2,
    ...(extra.recent === undefined ? {} : { dedupe: { recent: extra.recent } }),
    rules: [{ id: 'demo', on: 'demo_requested', points: 1000 }],
    accounts: {
      key: 'companyDomain',
      aggregate,
      rules: [
        { id: 'enterprise', property: 'employees', gte: 1000, points: 300 },
        { id: 'target-industry', property: 'industry', in: ['software', 'fintech'], points: 200 },
      ],
      bounds: extra.bounds ?? { min: 0, max: 10000 },
      thresholds: [
        { name: 'WARM', at: 500 },
        { name: 'MQA', at: 2000 },
      ],
    },
  };
  const result = validateGrid(grid);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return compileGrid(result.grid);
}

export function newAccount(compiled: CompiledGrid, accountId = 'acme.com'): AccountState {
  if (compiled.accounts === null) throw new Error('the grid has no accounts section');
  return new AccountState(accountId, compiled.accounts);
}
