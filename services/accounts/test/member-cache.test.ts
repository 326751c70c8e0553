import { describe, expect, it } from 'vitest';
import { MemberCache } from '../src/member-cache.js';

describe('MemberCache: the member records a process recalls instead of reading', () => {
  it('keeps at most `limit` records, the least recently used out', () => {
    const cache = new MemberCache(2);
    cache.set('a', 'ra');
    cache.set('b', 'rb');
    expect(cache.get('a')).toBe('ra'); // a is now the most recent
    cache.set('c', 'rc');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('ra');
    expect(cache.get('c')).toBe('rc');
    expect(cache.size).toBe(2);
  });

  it('a newer value replaces the held one; delete and clear forget', () => {
    const cache = new MemberCache(10);
    cache.set('a', 'v1');
    cache.set('a', 'v2');
    expect(cache.get('a')).toBe('v2');
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 'v');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('holds nothing with limit 0, and never an absent record', () => {
    const none = new MemberCache(0);
    none.set('a', 'v');
    expect(none.get('a')).toBeUndefined();
    const cache = new MemberCache(10);
    cache.set('a', '');
    expect(cache.get('a')).toBeUndefined();
  });
});
