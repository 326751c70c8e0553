import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountMemberChangeValue } from '@leadscore/contracts';
import { accountScoreOf, compileGrid, validateGrid, type CompiledGrid } from '@leadscore/engine';
import { applyAccountInput, decodeAccount, encodeAccountHeader, type StoredAccount } from '../src/index.js';

function grid(aggregate: { top: number } | { sum: 'all' } | { max: true } = { top: 2 }): CompiledGrid {
  const result = validateGrid({
    name: 'b2b',
    version: 1,
    rules: [{ id: 'demo', on: 'demo_requested', points: 1000 }],
    accounts: {
      key: 'companyDomain',
      aggregate,
      rules: [{ id: 'enterprise', property: 'employees', gte: 1000, points: 300 }],
      bounds: { min: 0, max: 10000 },
      thresholds: [{ name: 'MQA', at: 2000 }],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return compileGrid(result.grid);
}

const G = grid();
const NOW = Date.parse('2026-03-10T00:00:00Z');
const fresh = (g: CompiledGrid = G): StoredAccount => decodeAccount('acme.com', g.accounts!, '', {});

function member(
  contactId: string,
  memberSequence: number,
  kind: 'SCORE' | 'JOIN' | 'LEAVE',
  score = 0,
): AccountMemberChangeValue {
  return {
    accountId: 'acme.com',
    contactId,
    kind,
    memberSequence,
    score,
    scoreChangeId: kind === 'SCORE' ? `s-${contactId}-${memberSequence}` : null,
    eventId: kind === 'SCORE' ? null : `u-${contactId}-${memberSequence}`,
  };
}

/** Applies the changes, writing the member fields as Redis would, and returns the account and its fields. */
function applyAll(changes: readonly AccountMemberChangeValue[], account = fresh()) {
  const fields: Record<string, string> = {};
  for (const change of changes) {
    const step = applyAccountInput(G, account, { kind: 'member', change }, NOW);
    if (step.memberField) fields[step.memberField[0]] = step.memberField[1];
  }
  return { account, fields };
}

describe('the accounts stage applies member changes by member sequence', () => {
  it('applies joins, scores and leaves; emits on score changes', () => {
    const { account } = applyAll([member('ann', 1, 'JOIN', 0), member('ann', 2, 'SCORE', 1500), member('bob', 1, 'JOIN', 900)]);
    expect(accountScoreOf(account.state).score).toBe(2400);
    expect(account.state.score).toBe(2400);
  });

  it('ignores a redelivered or older member change: a stale JOIN after a LEAVE does not bring the contact back', () => {
    const { account } = applyAll([member('ann', 1, 'JOIN', 800), member('ann', 2, 'LEAVE')]);
    expect(account.state.members.size).toBe(0);
    for (const change of [member('ann', 1, 'JOIN', 800), member('ann', 2, 'LEAVE'), member('ann', 2, 'SCORE', 5)]) {
      expect(applyAccountInput(G, account, { kind: 'member', change }, NOW)).toEqual({ evaluation: null, memberField: null });
    }
    expect(account.state.members.size).toBe(0);
    expect(accountScoreOf(account.state).score).toBe(0);
  });

  it('reads back from its header and member fields what it held (former members keep their sequence)', () => {
    const { account, fields } = applyAll([
      member('ann', 1, 'JOIN', 800),
      member('bob', 3, 'JOIN', 1200),
      member('cem', 1, 'JOIN', 400),
      member('ann', 2, 'LEAVE'),
    ]);
    applyAccountInput(
      G,
      account,
      { kind: 'account-event', event: { eventId: 'a-1', accountId: 'acme.com', occurredAt: 5, properties: { employees: 5000 } } },
      NOW,
    );
    const header = encodeAccountHeader(account.state, 7);
    const read = decodeAccount('acme.com', G.accounts!, header, fields);
    expect(read.version).toBe(7);
    expect(accountScoreOf(read.state)).toEqual(accountScoreOf(account.state));
    expect([read.state.sequence, read.state.score, read.state.evaluatedAt]).toEqual([
      account.state.sequence,
      account.state.score,
      account.state.evaluatedAt,
    ]);
    expect(read.state.recent).toEqual(account.state.recent);
    expect(read.state.members.topMembers()).toEqual(account.state.members.topMembers());
    expect([...read.sequences]).toEqual([...account.sequences]);
    // the remembered account_updated stays a duplicate after the read
    const again = applyAccountInput(
      G,
      read,
      { kind: 'account-event', event: { eventId: 'a-1', accountId: 'acme.com', occurredAt: 5, properties: { employees: 5000 } } },
      NOW,
    );
    expect(again.evaluation?.duplicate).toBe(true);
  });

  it('ends as the in-order delivery for any order with any duplicates (zombies, redeliveries)', () => {
    // Per contact, a history of member changes (what the members stage sends, sequences 1..n);
    // delivered in any interleaving with repeats, the account ends as if each contact's last
    // change alone had been applied.
    const change = fc.record({
      kind: fc.constantFrom<'SCORE' | 'JOIN' | 'LEAVE'>('SCORE', 'JOIN', 'LEAVE'),
      score: fc.integer({ min: -500, max: 3000 }),
    });
    const histories = fc.dictionary(
      fc.constantFrom('ann', 'bob', 'cem', 'dan', 'eve'),
      fc.array(change, { minLength: 1, maxLength: 6 }),
      {
        minKeys: 1,
      },
    );
    fc.assert(
      fc.property(histories, fc.array(fc.nat(), { maxLength: 40 }), fc.integer(), (byContact, repeats, seed) => {
        const messages = Object.entries(byContact).flatMap(([contactId, list]) =>
          list.map((c, i) => member(contactId, i + 1, c.kind, c.kind === 'LEAVE' ? 0 : c.score)),
        );
        const delivered = [...messages, ...repeats.map((r) => messages[r % messages.length]!)];
        shuffle(delivered, seed);
        const lastOnly = Object.entries(byContact).map(([contactId, list]) => {
          const last = list[list.length - 1]!;
          return member(contactId, list.length, last.kind, last.kind === 'LEAVE' ? 0 : last.score);
        });
        const expected = applyAll(lastOnly).account;
        const actual = applyAll(delivered).account;
        expect(accountScoreOf(actual.state).score).toBe(accountScoreOf(expected.state).score);
        expect(actual.state.members.size).toBe(expected.state.members.size);
        expect(actual.state.members.topMembers()).toEqual(expected.state.members.topMembers());
      }),
      { numRuns: 300 },
    );
  });
});

function shuffle<T>(items: T[], seed: number): void {
  let s = seed >>> 0;
  for (let i = items.length - 1; i > 0; i -= 1) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
