import { describe, expect, it } from 'vitest';
import { compileGrid, validateGrid } from '@leadscore/engine';
import { AccountCache, decodeAccount } from '../src/index.js';

const result = validateGrid({
  name: 'b2b',
  version: 1,
  rules: [{ id: 'demo', on: 'demo_requested', points: 1000 }],
  accounts: { key: 'companyDomain', aggregate: { top: 2 } },
});
if (!result.ok) throw new Error('grid');
const accounts = compileGrid(result.grid).accounts!;

describe('AccountCache', () => {
  it('hands an account back only while Redis holds the header it committed', () => {
    const cache = new AccountCache(10);
    const account = decodeAccount('acme.com', accounts, '', {});
    cache.hold('acme.com', account, '');
    cache.committed('acme.com', 'h1');
    expect(cache.take('acme.com', 'h2')).toBeUndefined(); // another instance wrote it since
    expect(cache.size).toBe(0); // and it is gone
    cache.hold('acme.com', account, '');
    cache.committed('acme.com', 'h1');
    const held = cache.take('acme.com', 'h1');
    expect(held?.state).toBe(account.state);
    expect(held?.version).toBe(1);
  });

  it('keeps nothing of a lost or failed commit, and puts back an account left unchanged', () => {
    const cache = new AccountCache(10);
    const account = decodeAccount('a', accounts, '', {});
    cache.hold('a', account, 'h1');
    cache.drop('a');
    cache.committed('a', 'h2');
    expect(cache.take('a', 'h2')).toBeUndefined();
    cache.hold('a', account, 'h1');
    cache.put('a');
    expect(cache.take('a', 'h1')).toBe(account);
  });

  it('is bounded: the least recently committed account leaves first', () => {
    const cache = new AccountCache(2);
    for (const id of ['a', 'b', 'c']) {
      cache.hold(id, decodeAccount(id, accounts, '', {}), '');
      cache.committed(id, `h-${id}`);
    }
    expect(cache.size).toBe(2);
    expect(cache.take('a', 'h-a')).toBeUndefined();
    expect(cache.take('c', 'h-c')).toBeDefined();
  });
});
