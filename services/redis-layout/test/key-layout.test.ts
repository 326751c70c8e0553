import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/key-layout.js';

describe('KeyLayout', () => {
  const keys = new KeyLayout('ls');

  it('puts every key of one contact in one hash slot, whatever the contact id', () => {
    for (const contactId of ['c-42', 'c-43', 'ünï', 'a:b', 'with}brace', 'x'.repeat(128)]) {
      const slots = new Set(keys.contactKeys(contactId).map((key) => calculateSlot(key)));
      expect(slots.size, contactId).toBe(1);
    }
    // the hash tag is the contact, not the prefix: contacts spread over the slots
    const spread = new Set(Array.from({ length: 50 }, (_, i) => calculateSlot(keys.contactState(`c-${i}`))));
    expect(spread.size).toBeGreaterThan(40);
  });

  it('spells every key as the services have always written them (a change here is a data migration)', () => {
    expect(keys.contactKeys('c-1')).toEqual([
      'ls:c:{c-1}',
      'ls:o:{c-1}',
      'ls:stage:{c-1}',
      'ls:stage-history:{c-1}',
      'ls:recent:{c-1}',
      'ls:proj:{c-1}',
    ]);
    expect([keys.decayIndex(), keys.regradeIndex(), keys.gridRecord(), keys.gridQueueingLock(), keys.leaderboard()]).toEqual([
      'ls:decay',
      'ls:regrade',
      'ls:grid',
      'ls:grid:queueing',
      'ls:leaderboard',
    ]);
  });

  it("keeps an account's keys in one hash slot of its own, and a contact's membership record in the contact's", () => {
    for (const accountId of ['acme.com', 'c-42', 'with}brace', 'x'.repeat(128)]) {
      expect(new Set(keys.accountKeys(accountId).map((key) => calculateSlot(key))).size, accountId).toBe(1);
    }
    expect(keys.accountKeys('acme.com')).toEqual([
      'ls:account:{a:acme.com}',
      'ls:account-members:{a:acme.com}',
      'ls:account-o:{a:acme.com}',
    ]);
    expect([keys.memberRecord('c-1'), keys.memberOutbox('c-1')]).toEqual(['ls:member:{c-1}', 'ls:member-o:{c-1}']);
    expect(calculateSlot(keys.memberRecord('c-1'))).toBe(calculateSlot(keys.contactState('c-1')));
    // an account named like a contact shares none of its keys
    const contact = new Set(keys.contactKeys('acme.com'));
    expect(keys.accountKeys('acme.com').some((key) => contact.has(key))).toBe(false);
  });

  it('keeps the account leaderboard and its sequences in one hash slot, apart from every account', () => {
    expect([keys.accountLeaderboard(), keys.accountLeaderboardSequences()]).toEqual([
      'ls:{account-leaderboard}:scores',
      'ls:{account-leaderboard}:sequences',
    ]);
    expect(calculateSlot(keys.accountLeaderboard())).toBe(calculateSlot(keys.accountLeaderboardSequences()));
    // an account named like the tag gets keys of its own
    expect(keys.accountKeys('account-leaderboard')).not.toContain(keys.accountLeaderboard());
  });

  it("keeps the leaderboard's sequences in the leaderboard's hash slot, under the name it always had", () => {
    expect([keys.leaderboard(), keys.leaderboardSequences()]).toEqual([
      'ls:leaderboard',
      'ls:leaderboard:sequences:{ls:leaderboard}',
    ]);
    for (const prefix of ['ls', 'ls2', 'tenant-7.prod', 'a:b']) {
      const layout = new KeyLayout(prefix);
      expect(calculateSlot(layout.leaderboardSequences()), prefix).toBe(calculateSlot(layout.leaderboard()));
    }
  });

  it("gives each score of a grid with several scores its own board, beside its sequences' hash slot", () => {
    expect([keys.leaderboard('fit'), keys.leaderboardSequences('fit')]).toEqual([
      'ls:leaderboard:score:fit',
      'ls:leaderboard:sequences:{ls:leaderboard:score:fit}',
    ]);
    expect(keys.leaderboard('score')).toBe(keys.leaderboard());
    expect([keys.projectionScoreField('score'), keys.projectionScoreField('fit')]).toEqual(['score', 'score:fit']);
    for (const scoreId of ['fit', 'engagement', 'sequences']) {
      expect(calculateSlot(keys.leaderboardSequences(scoreId)), scoreId).toBe(calculateSlot(keys.leaderboard(scoreId)));
      expect(keys.leaderboard(scoreId)).not.toBe(keys.leaderboardSequences());
    }
  });

  it('gives each role its own key', () => {
    const all = [
      ...keys.contactKeys('c-1'),
      keys.decayIndex(),
      keys.regradeIndex(),
      keys.gridRecord(),
      keys.gridQueueingLock(),
      keys.leaderboard(),
      keys.leaderboardSequences(),
      keys.leaderboard('fit'),
      keys.leaderboardSequences('fit'),
      ...keys.accountKeys('c-1'),
      keys.accountLeaderboard(),
      keys.accountLeaderboardSequences(),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('finds the contact id of a state key, and of nothing else', () => {
    expect(keys.contactIdOfState(keys.contactState('c-1'))).toBe('c-1');
    expect(keys.contactIdOfState(keys.outbox('c-1'))).toBeUndefined();
    expect(keys.contactIdOfState('ls2:c:{c-1}')).toBeUndefined();
    expect(keys.contactIdOfState('ls:c:x')).toBeUndefined();
  });

  it('matches its own prefix literally in SCAN patterns', () => {
    expect(keys.contactStatePattern()).toBe('ls:c:*');
    expect(new KeyLayout('a*b?[c]\\').contactStatePattern()).toBe('a\\*b\\?\\[c\\]\\\\:c:*');
  });

  it('refuses a prefix that would break the hash tags', () => {
    for (const prefix of ['', 'a{b', 'a}b', 'a b']) {
      expect(() => new KeyLayout(prefix), JSON.stringify(prefix)).toThrow(
        expect.objectContaining({ code: 'REDIS_KEY_PREFIX_INVALID' }),
      );
    }
  });
});
