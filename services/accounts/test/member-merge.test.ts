import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountMemberChangeValue } from '@leadscore/contracts';
import {
  EMPTY_MEMBER,
  applyMemberInput,
  decodeMemberRecord,
  encodeMemberRecord,
  type MemberInput,
  type MemberRecord,
} from '../src/index.js';
import { key, score } from './support/member-inputs.js';

const merged = (into: string, mergeEventId = 'm-1'): MemberInput => ({ kind: 'merged', into, mergeEventId });

/**
 * The members stage in memory: records per contact; each input's forwards applied after it, as
 * the stage commits them once the input's own commit won; every member change in the order
 * produced.
 */
class Members {
  readonly records = new Map<string, MemberRecord>();
  readonly produced: AccountMemberChangeValue[] = [];

  apply(contactId: string, input: MemberInput): this {
    const step = applyMemberInput(contactId, this.record(contactId), input);
    if (step.record !== null) this.records.set(contactId, step.record);
    this.produced.push(...step.changes);
    for (const f of step.forwards) this.apply(f.contactId, f.input);
    return this;
  }

  record(contactId: string): MemberRecord {
    return this.records.get(contactId) ?? EMPTY_MEMBER;
  }

  changes(): [string, string, string, number][] {
    return this.produced.map((c) => [c.contactId, c.kind, c.accountId, c.score]);
  }
}

/** Accounts as the accounts stage ends them: per contact the assertion with the highest member sequence. */
function accountsOf(changes: readonly AccountMemberChangeValue[]): Map<string, Map<string, number>> {
  const last = new Map<string, AccountMemberChangeValue>();
  for (const c of changes) {
    const id = `${c.accountId}/${c.contactId}`;
    if ((last.get(id)?.memberSequence ?? 0) < c.memberSequence) last.set(id, c);
  }
  const out = new Map<string, Map<string, number>>();
  for (const c of last.values()) {
    if (c.kind === 'LEAVE') continue;
    const members = out.get(c.accountId) ?? new Map<string, number>();
    members.set(c.contactId, c.score);
    out.set(c.accountId, members);
  }
  return out;
}

describe('the members stage record on a merge', () => {
  it('a merged-away contact in another company leaves it; the root moves there when that key is later', () => {
    const m = new Members()
      .apply('anon', key('u-a', 20, 'globex.io'))
      .apply('anon', score(1, 500))
      .apply('c-1', key('u-c', 10, 'acme.com'))
      .apply('c-1', score(1, 200));
    m.produced.length = 0;
    m.apply('anon', merged('c-1'));
    expect(m.changes()).toEqual([
      ['anon', 'LEAVE', 'globex.io', 0],
      ['c-1', 'LEAVE', 'acme.com', 0],
      ['c-1', 'JOIN', 'globex.io', 200],
    ]);
    expect(m.produced.map((c) => c.eventId)).toEqual(['m-1', 'm-1', 'm-1']);
    expect(m.record('anon')).toMatchObject({ mergedInto: 'c-1', accountId: 'globex.io', memberSequence: 3 });
    expect(m.record('c-1')).toMatchObject({ accountId: 'globex.io', keyEventId: 'u-a', merges: ['m-1'] });
    // the root's MERGE score change after the merge was applied: an ordinary SCORE
    m.produced.length = 0;
    m.apply('c-1', score(2, 700, 'm-1'));
    expect(m.changes()).toEqual([['c-1', 'SCORE', 'globex.io', 700]]);
  });

  it('a merged-away key older than the root’s changes no account of the root', () => {
    const m = new Members().apply('anon', key('u-a', 5, 'globex.io')).apply('c-1', key('u-c', 10, 'acme.com'));
    m.produced.length = 0;
    m.apply('anon', merged('c-1'));
    expect(m.changes()).toEqual([['anon', 'LEAVE', 'globex.io', 0]]);
    expect(m.record('c-1')).toMatchObject({ accountId: 'acme.com', keyEventId: 'u-c', merges: ['m-1'] });
  });

  it('in the same company: the merged-away contact leaves before the root’s merged score reaches the account, once', () => {
    const m = new Members()
      .apply('anon', key('u-a', 20, 'acme.com'))
      .apply('anon', score(1, 500))
      .apply('c-1', key('u-c', 10, 'acme.com'))
      .apply('c-1', score(1, 200));
    m.produced.length = 0;
    // the scorer's MERGE outputs arrive first: the root's score counts anon's history, held;
    // anon's drop to 0 is held too (it leaves at the merge instead)
    m.apply('c-1', score(2, 700, 'm-1'))
      .apply('anon', score(2, 0, 'm-1'))
      .apply('c-1', score(3, 800));
    expect(m.changes()).toEqual([]);
    expect(m.record('c-1')).toMatchObject({
      score: 200,
      scoreSequence: 3,
      held: { score: 800, scoreChangeId: 's-3', awaiting: ['m-1'] },
    });
    m.apply('anon', merged('c-1'));
    expect(m.changes()).toEqual([
      ['anon', 'LEAVE', 'acme.com', 0],
      ['c-1', 'SCORE', 'acme.com', 800],
    ]);
    expect(m.produced[1]).toMatchObject({ scoreChangeId: 's-3' });
    expect(m.record('c-1')).toMatchObject({ score: 800, held: null, merges: ['m-1'] });
    expect(accountsOf(m.produced)).toEqual(new Map([['acme.com', new Map([['c-1', 800]])]]));
  });

  it('a merged-away contact with no account sends nothing; the root takes note of the merge', () => {
    const m = new Members().apply('anon', score(1, 500)).apply('c-1', key('u-c', 10, 'acme.com'));
    m.produced.length = 0;
    m.apply('c-1', score(1, 900, 'm-1'));
    expect(m.changes()).toEqual([]);
    m.apply('anon', merged('c-1'));
    expect(m.changes()).toEqual([['c-1', 'SCORE', 'acme.com', 900]]);
    expect(m.record('anon')).toMatchObject({ mergedInto: 'c-1', memberSequence: 0 });
  });

  it('a root without an account joins the merged-away contact’s, with its own score', () => {
    const m = new Members().apply('anon', key('u-a', 20, 'globex.io')).apply('c-1', score(1, 300));
    m.produced.length = 0;
    m.apply('anon', merged('c-1'));
    expect(m.changes()).toEqual([
      ['anon', 'LEAVE', 'globex.io', 0],
      ['c-1', 'JOIN', 'globex.io', 300],
    ]);
    // neither has a key: nothing to send, the root only notes the merge
    const n = new Members().apply('c-2', score(1, 300)).apply('anon-2', merged('c-2', 'm-2'));
    expect(n.changes()).toEqual([]);
    expect(n.record('c-2')).toMatchObject({ accountId: null, merges: ['m-2'] });
  });

  it('later key values of the merged-away id go to its root; every input again changes nothing', () => {
    const m = new Members().apply('c-1', key('u-c', 10, 'acme.com')).apply('anon', merged('c-1'));
    m.produced.length = 0;
    m.apply('anon', key('u-a2', 30, 'initech.io'));
    expect(m.changes()).toEqual([
      ['c-1', 'LEAVE', 'acme.com', 0],
      ['c-1', 'JOIN', 'initech.io', 0],
    ]);
    expect(m.produced[1]).toMatchObject({ eventId: 'u-a2' });
    const records = new Map(m.records);
    m.produced.length = 0;
    for (const input of [key('u-a2', 30, 'initech.io'), merged('c-1'), score(5, 0, 'm-1'), key('u-old', 1, 'x')]) {
      m.apply('anon', input);
    }
    m.apply('c-1', { kind: 'absorbed', mergeEventId: 'm-1', key: null });
    expect(m.produced).toEqual([]);
    expect(m.records).toEqual(records);
  });

  it('follows a chain of merged-away records to the root', () => {
    const m = new Members()
      .apply('c-9', key('u-9', 10, 'acme.com'))
      .apply('c-1', merged('c-9', 'm-2')) // c-1 was merged into c-9 first
      .apply('anon', key('u-a', 20, 'globex.io'));
    m.produced.length = 0;
    m.apply('anon', merged('c-1', 'm-1')); // then anon's merge into c-1 arrives
    expect(m.changes()).toEqual([
      ['anon', 'LEAVE', 'globex.io', 0],
      ['c-9', 'LEAVE', 'acme.com', 0],
      ['c-9', 'JOIN', 'globex.io', 0],
    ]);
    expect(m.record('c-1')).toMatchObject({ mergedInto: 'c-9', merges: [] });
  });

  it('stores and reads back the merge fields; a record stored before them reads as never merged', () => {
    const m = new Members().apply('c-1', key('u-c', 10, 'acme.com')).apply('c-1', score(1, 7, 'm-1'));
    const held = m.record('c-1');
    expect(decodeMemberRecord(encodeMemberRecord(held))).toEqual(held);
    m.apply('c-1', merged('c-2', 'm-3'));
    expect(decodeMemberRecord(encodeMemberRecord(m.record('c-1')))).toEqual(m.record('c-1'));
    expect(decodeMemberRecord('["acme.com",10,"u-c",5,1,2]')).toEqual({
      ...EMPTY_MEMBER,
      accountId: 'acme.com',
      keyAt: 10,
      keyEventId: 'u-c',
      score: 5,
      scoreSequence: 1,
      memberSequence: 2,
    });
    expect(encodeMemberRecord(decodeMemberRecord('["acme.com",10,"u-c",5,1,2]'))).toBe('["acme.com",10,"u-c",5,1,2]');
  });

  it('in any arrival order, with redeliveries: ends as replay (anon nowhere, c-1 at the latest key, its last score), never counting anon twice', () => {
    // replay's file order: anon's and c-1's keys and scores, the merge (c-1: 200 + 500 = 700,
    // anon: 0), c-1 scores on (800), a later key of anon's id (its root's now)
    const byTopic = (keys: readonly [string, MemberInput][]) => [
      [
        ['anon', score(1, 500)],
        ['anon', score(2, 0, 'm-1')],
      ],
      [
        ['c-1', score(1, 200)],
        ['c-1', score(2, 700, 'm-1')],
        ['c-1', score(3, 800)],
      ],
      [['anon', merged('c-1')]],
      keys,
    ];
    const keyOrders = fc.constantFrom<[string, MemberInput][]>(
      [
        ['anon', key('u-a', 20, 'globex.io')],
        ['c-1', key('u-c', 10, 'acme.com')],
        ['anon', key('u-a2', 30, 'initech.io')],
      ],
      [
        ['anon', key('u-a', 20, 'acme.com')],
        ['c-1', key('u-c', 10, 'acme.com')],
      ],
      [
        ['anon', key('u-a', 5, 'globex.io')],
        ['c-1', key('u-c', 10, 'acme.com')],
      ],
      [['anon', key('u-a', 5, 'globex.io')]],
      [['c-1', key('u-c', 10, 'acme.com')]],
      [],
    );
    const expectedAccount = (keys: readonly [string, MemberInput][]) => {
      let latest: Extract<MemberInput, { kind: 'key' }> | null = null;
      for (const [, k] of keys) {
        if (k.kind === 'key' && (latest === null || k.occurredAt > latest.occurredAt)) latest = k;
      }
      return latest?.accountId ?? null;
    };
    fc.assert(
      fc.property(
        keyOrders,
        fc.array(fc.nat(3), { maxLength: 12 }),
        fc.array(fc.nat(30), { maxLength: 5 }),
        (keys, picks, again) => {
          // one queue per topic-partition: each delivers in order, the queues interleave as `picks` says
          const queues = byTopic(keys).map((q) => [...q]) as [string, MemberInput][][];
          const m = new Members();
          const seen: [string, MemberInput][] = [];
          const step = ([contactId, input]: [string, MemberInput]) => {
            seen.push([contactId, input]);
            m.apply(contactId, input);
            // anon's pre-merge score and c-1's merged one are never members at once
            const members = [...accountsOf(m.produced).values()].flatMap((a) => [...a]);
            const anonCounted = members.some(([c, s]) => c === 'anon' && s === 500);
            expect(anonCounted && members.some(([c, s]) => c === 'c-1' && s >= 700)).toBe(false);
            // redeliveries of what came before
            if (again.includes(seen.length)) m.apply(...seen[seen.length % Math.max(1, seen.length - 1)]!);
          };
          for (const pick of picks) {
            const next = queues[pick]!.shift();
            if (next) step(next);
          }
          while (queues.some((q) => q.length > 0)) for (const q of queues) if (q.length > 0) step(q.shift()!);
          const account = expectedAccount(keys);
          expect(accountsOf(m.produced)).toEqual(account === null ? new Map() : new Map([[account, new Map([['c-1', 800]])]]));
          expect(m.record('c-1').held).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });
});
