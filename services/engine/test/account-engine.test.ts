import { describe, expect, it } from 'vitest';
import {
  accountScoreOf,
  applyAccountUpdate,
  applyMemberLeft,
  applyMemberScore,
  applyMembershipChange,
  parseAccountEvent,
  type AccountCause,
  type AccountEvent,
} from '../src/index.js';
import { accountGrid, newAccount } from './support/account-grid.js';

const NOW = Date.parse('2026-03-10T00:00:00Z');
const scoreCause = (contactId: string, n = 1): AccountCause => ({
  kind: 'member-score',
  contactId,
  scoreChangeId: `sc-${contactId}-${n}`,
});
let ids = 0;
const update = (properties: AccountEvent['properties'], options: { eventId?: string; at?: string } = {}): AccountEvent => ({
  eventId: options.eventId ?? `a-${(ids += 1)}`,
  accountId: 'acme.com',
  occurredAt: Date.parse(options.at ?? '2026-03-01T10:00:00Z'),
  properties,
});

describe('the account engine', () => {
  it('adds the top N member scores and the account rules, clamped, and emits each change with its member', () => {
    const compiled = accountGrid({ top: 2 });
    const account = newAccount(compiled);
    const a = applyMemberScore(compiled, account, 'c-1', 800, scoreCause('c-1'), NOW);
    expect(a.output).toMatchObject({
      accountId: 'acme.com',
      sequence: 1,
      previousScore: 0,
      score: 800,
      aggregate: 800,
      members: 1,
    });
    expect(a.output?.changedMember).toEqual({ contactId: 'c-1', previousScore: null, score: 800 });
    expect(a.crossings).toEqual([{ threshold: 'WARM', at: 500, direction: 'up' }]);
    applyMemberScore(compiled, account, 'c-2', 700, scoreCause('c-2'), NOW);
    const third = applyMemberScore(compiled, account, 'c-3', 600, scoreCause('c-3'), NOW);
    expect(third.output).toBeNull(); // the third highest does not count for top 2
    expect(third.stateChanged).toBe(true);
    const firmo = applyAccountUpdate(compiled, account, update({ employees: 5000, industry: 'software' }), NOW);
    expect(firmo.output).toMatchObject({ sequence: 3, previousScore: 1500, score: 2000, aggregate: 1500 });
    expect(firmo.output?.changedContributions.map((c) => [c.ruleId, c.previousPoints, c.points])).toEqual([
      ['enterprise', 0, 300],
      ['target-industry', 0, 200],
    ]);
    expect(firmo.output?.thresholdCrossings.map((x) => [x.threshold, x.direction, x.accountId, x.sequence])).toEqual([
      ['MQA', 'up', 'acme.com', 3],
    ]);
    const drop = applyMemberScore(compiled, account, 'c-1', 0, scoreCause('c-1', 2), NOW);
    // c-1 no longer counts (score 0): c-2 and c-3 are the top 2.
    expect(drop.output).toMatchObject({ score: 1800, aggregate: 1300 });
    expect(drop.output?.thresholdCrossings.map((x) => [x.threshold, x.direction])).toEqual([['MQA', 'down']]);
    expect(account.members.topMembers()).toEqual([
      { contactId: 'c-2', score: 700 },
      { contactId: 'c-3', score: 600 },
    ]);
  });

  it('counts members at 0 or below only for sum: all, and max of no positive member is 0', () => {
    const sum = accountGrid({ sum: 'all' }, { bounds: { min: -10000 } });
    const sumAccount = newAccount(sum);
    applyMemberScore(sum, sumAccount, 'c-1', 500, scoreCause('c-1'), NOW);
    applyMemberScore(sum, sumAccount, 'c-2', -200, scoreCause('c-2'), NOW);
    expect(accountScoreOf(sumAccount)).toMatchObject({ aggregate: 300, score: 300 });

    const top = accountGrid({ top: 5 }, { bounds: { min: -10000 } });
    const topAccount = newAccount(top);
    applyMemberScore(top, topAccount, 'c-1', 500, scoreCause('c-1'), NOW);
    applyMemberScore(top, topAccount, 'c-2', -200, scoreCause('c-2'), NOW);
    expect(accountScoreOf(topAccount).aggregate).toBe(500);

    const max = accountGrid({ max: true }, { bounds: { min: -10000 } });
    const maxAccount = newAccount(max);
    applyMemberScore(max, maxAccount, 'c-1', -50, scoreCause('c-1'), NOW);
    applyMemberScore(max, maxAccount, 'c-2', 0, scoreCause('c-2'), NOW);
    expect(accountScoreOf(maxAccount).aggregate).toBe(0);
    applyMemberScore(max, maxAccount, 'c-3', 40, scoreCause('c-3'), NOW);
    applyMemberScore(max, maxAccount, 'c-4', 90, scoreCause('c-4'), NOW);
    expect(accountScoreOf(maxAccount).aggregate).toBe(90);
    expect(maxAccount.members.size).toBe(4);
  });

  it('a membership change leaves the old account exactly as it held the contact and enters the new one', () => {
    const compiled = accountGrid({ top: 3 });
    const a = newAccount(compiled, 'a.com');
    const b = newAccount(compiled, 'b.com');
    applyMemberScore(compiled, a, 'c-1', 900, scoreCause('c-1'), NOW);
    applyMemberScore(compiled, a, 'c-2', 400, scoreCause('c-2'), NOW);
    const cause: AccountCause = { kind: 'membership', contactId: 'c-1', eventId: 'e-move' };
    const { left, entered } = applyMembershipChange(compiled, a, b, 'c-1', 900, cause, NOW);
    expect(left?.output).toMatchObject({ accountId: 'a.com', previousScore: 1300, score: 400, cause });
    expect(left?.output?.changedMember).toEqual({ contactId: 'c-1', previousScore: 900, score: null });
    expect(entered?.output).toMatchObject({ accountId: 'b.com', previousScore: 0, score: 900, cause });
    expect(left?.output?.id).not.toBe(entered?.output?.id);
    expect(a.members.scoreOf('c-1')).toBeUndefined();
    expect(applyMemberLeft(compiled, a, 'c-1', cause, NOW)).toMatchObject({ stateChanged: false, output: null });
  });

  it('account_updated: latest occurredAt wins per property, null removes, a redelivery is a duplicate, non-matching is ignored', () => {
    const compiled = accountGrid({ top: 3 });
    const account = newAccount(compiled);
    const first = update({ employees: 5000 }, { at: '2026-03-02T00:00:00Z' });
    expect(applyAccountUpdate(compiled, account, first, NOW).score).toBe(300);
    const again = applyAccountUpdate(compiled, account, first, NOW);
    expect(again).toMatchObject({ duplicate: true, stateChanged: false, output: null, score: 300 });
    expect(
      applyAccountUpdate(compiled, account, update({ employees: 10 }, { at: '2026-03-01T00:00:00Z' }), NOW).output,
    ).toBeNull();
    expect(accountScoreOf(account).score).toBe(300); // the older value lost
    const removed = applyAccountUpdate(compiled, account, update({ employees: null }, { at: '2026-03-03T00:00:00Z' }), NOW);
    expect(removed.output).toMatchObject({ previousScore: 300, score: 0 });
    const recent = account.recent.length;
    const unrelated = applyAccountUpdate(compiled, account, update({ website: 'acme.com' }), NOW);
    expect(unrelated).toMatchObject({ duplicate: false, stateChanged: false, output: null });
    expect(account.recent).toHaveLength(recent);
    expect(account.properties.has('website')).toBe(false);
  });

  it('keeps only the last dedupe.recent matching account_updated ids', () => {
    const compiled = accountGrid({ top: 3 }, { recent: 2 });
    const account = newAccount(compiled);
    const old = update({ industry: 'software' });
    applyAccountUpdate(compiled, account, old, NOW);
    applyAccountUpdate(compiled, account, update({ industry: 'retail' }), NOW);
    expect(applyAccountUpdate(compiled, account, old, NOW).duplicate).toBe(true);
    applyAccountUpdate(compiled, account, update({ industry: 'retail' }), NOW);
    expect(account.recent).toHaveLength(2);
    expect(applyAccountUpdate(compiled, account, old, NOW).duplicate).toBe(false); // forgotten: the price of bounded memory
  });

  it('gives deterministic ids: the same inputs in the same order give the same ids', () => {
    const run = () => {
      const compiled = accountGrid({ top: 3 });
      const account = newAccount(compiled);
      return [
        applyMemberScore(compiled, account, 'c-1', 2500, scoreCause('c-1'), NOW).output,
        applyAccountUpdate(compiled, account, update({ employees: 5000 }, { eventId: 'a-fixed' }), NOW).output,
      ].map((o) => [o?.id, ...(o?.thresholdCrossings.map((x) => x.id) ?? [])]);
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(new Set(first.flat()).size).toBe(first.flat().length);
    expect(first[0]?.[0]).toMatch(/^[0-9A-Za-z_-]{18}$/);
  });

  it('emits the baseline of a new account whose empty state scores, once', () => {
    const compiled = accountGrid({ top: 3 }, { bounds: { min: 100 } });
    const account = newAccount(compiled);
    const first = applyAccountUpdate(compiled, account, update({ website: 'x' }), NOW);
    expect(first.output).toMatchObject({ previousScore: 0, score: 100, sequence: 1 });
    expect(applyAccountUpdate(compiled, account, update({ website: 'y' }), NOW).output).toBeNull();
  });
});

describe('account_updated events', () => {
  it('parse {eventId, accountId, occurredAt, properties}, and name every bad field', () => {
    const ok = parseAccountEvent(
      {
        type: 'account_updated',
        eventId: 'a-1',
        accountId: 'acme.com',
        occurredAt: '2026-03-01T10:00:00Z',
        properties: { employees: 5000 },
      },
      NOW,
    );
    expect(ok).toEqual({
      ok: true,
      event: {
        eventId: 'a-1',
        accountId: 'acme.com',
        occurredAt: Date.parse('2026-03-01T10:00:00Z'),
        properties: { employees: 5000 },
      },
    });
    const bad = parseAccountEvent(
      { type: 'account_updated', eventId: '', occurredAt: '2027-01-01T00:00:00Z', properties: { x: [1] } },
      NOW,
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toEqual(['eventId', 'accountId', 'occurredAt', 'properties.x']);
  });
});
