import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AccountMembers,
  accountScoreOf,
  applyAccountUpdate,
  applyMemberScore,
  applyMembershipChange,
  type AccountAggregate,
  type AccountCause,
  type AccountEvent,
  type AccountState,
  type CompiledGrid,
} from '../src/index.js';
import { accountGrid, newAccount } from './support/account-grid.js';

const NOW = Date.parse('2026-03-10T00:00:00Z');
const CONTACTS = ['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7'];
const contact = fc.constantFrom(...CONTACTS);
const memberScore = fc.integer({ min: -300, max: 1500 });
const aggregate: fc.Arbitrary<AccountAggregate> = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((top) => ({ top })),
  fc.constant({ sum: 'all' as const }),
  fc.constant({ max: true as const }),
);
const cause = (contactId: string, n: number): AccountCause => ({ kind: 'member-score', contactId, scoreChangeId: `sc-${n}` });

/** The aggregate by definition: sort the member scores. */
function naiveAggregate(spec: AccountAggregate, scores: readonly number[]): number {
  if ('sum' in spec) return scores.reduce((a, b) => a + b, 0);
  const n = 'top' in spec ? spec.top : 1;
  return [...scores]
    .filter((s) => s > 0)
    .sort((a, b) => b - a)
    .slice(0, n)
    .reduce((a, b) => a + b, 0);
}

function applyAll(compiled: CompiledGrid, account: AccountState, changes: readonly (readonly [string, number])[]): void {
  changes.forEach(([id, score], i) => applyMemberScore(compiled, account, id, score, cause(id, i), NOW));
}

describe('account engine properties', () => {
  it('top N, sum and max equal a naive sort of the member scores after every set and removal', () => {
    fc.assert(
      fc.property(
        aggregate,
        fc.array(fc.tuple(contact, fc.option(memberScore, { nil: null })), { maxLength: 60 }),
        (spec, ops) => {
          const members = new AccountMembers(
            'top' in spec ? { kind: 'top', n: spec.top } : 'sum' in spec ? { kind: 'sum' } : { kind: 'max', n: 1 },
          );
          const model = new Map<string, number>();
          for (const [id, score] of ops) {
            if (score === null) {
              expect(members.remove(id)).toBe(model.delete(id));
            } else {
              members.set(id, score);
              model.set(id, score);
            }
            expect(members.aggregate).toBe(naiveAggregate(spec, [...model.values()]));
            expect(members.size).toBe(model.size);
          }
          if (!('sum' in spec)) {
            const expected = [...model]
              .filter(([, s]) => s > 0)
              .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
              .slice(0, 'top' in spec ? spec.top : 1)
              .map(([contactId, score]) => ({ contactId, score }));
            expect(members.topMembers()).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the final account score does not depend on the order of member changes that end in the same member scores', () => {
    fc.assert(
      fc.property(
        aggregate,
        fc.array(fc.tuple(contact, memberScore), { maxLength: 30 }),
        fc.uniqueArray(fc.tuple(contact, memberScore), { selector: ([id]) => id, minLength: 1 }),
        fc.infiniteStream(fc.nat()),
        (spec, intermediate, finals, randoms) => {
          const compiled = accountGrid(spec, { bounds: { min: -5000, max: 4000 } });
          const inOrder = newAccount(compiled);
          applyAll(compiled, inOrder, [...intermediate, ...finals]);
          // The same changes shuffled, each member's final score still its last change.
          const shuffle = <T>(list: readonly T[]): T[] => {
            const out = [...list];
            const it = randoms[Symbol.iterator]();
            for (let i = out.length - 1; i > 0; i -= 1) {
              const j = (it.next().value as number) % (i + 1);
              [out[i], out[j]] = [out[j] as T, out[i] as T];
            }
            return out;
          };
          const shuffled = newAccount(compiled);
          const last = new Set(finals.map(([id]) => id));
          const early = intermediate.filter(([id]) => !last.has(id));
          applyAll(compiled, shuffled, [...shuffle(intermediate), ...shuffle(finals)]);
          // Members changed only in `intermediate` end at their last intermediate score in both runs.
          const lastOf = new Map(early);
          for (const [id, score] of lastOf) applyMemberScore(compiled, shuffled, id, score, cause(id, -1), NOW);
          for (const [id, score] of lastOf) applyMemberScore(compiled, inOrder, id, score, cause(id, -1), NOW);
          expect(accountScoreOf(shuffled)).toEqual(accountScoreOf(inOrder));
          expect(shuffled.score).toBe(inOrder.score); // the last emitted score is the final one
          const expected = new Map([...intermediate, ...finals]);
          const aggregateNow = naiveAggregate(spec, [...expected.values()]);
          expect(accountScoreOf(inOrder).aggregate).toBe(aggregateNow);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a redelivered account_updated (within the ring) changes nothing', () => {
    const update = fc.record({
      eventId: fc.constantFrom('a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'),
      occurredAt: fc.integer({ min: NOW - 10 * 86_400_000, max: NOW }),
      properties: fc.dictionary(
        fc.constantFrom('employees', 'industry', 'website'),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom('software', 'retail', 'fintech'), fc.constant(null)),
      ),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(update, { selector: (u) => u.eventId, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (updates, again) => {
          const compiled = accountGrid({ top: 3 });
          const events: AccountEvent[] = updates.map((u) => ({ ...u, accountId: 'acme.com' }));
          const once = newAccount(compiled);
          for (const e of events) applyAccountUpdate(compiled, once, e, NOW);
          const twice = newAccount(compiled);
          for (const e of events) applyAccountUpdate(compiled, twice, e, NOW);
          for (const i of again) {
            const e = events[i % Math.max(1, events.length)];
            if (e === undefined) continue;
            const result = applyAccountUpdate(compiled, twice, e, NOW);
            expect(result.output).toBeNull();
            expect(result.stateChanged).toBe(false);
          }
          expect(accountScoreOf(twice)).toEqual(accountScoreOf(once));
          expect([twice.sequence, twice.score]).toEqual([once.sequence, once.score]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('moving a contact from A to B leaves A as if it had never been in A, and B as if it had always been in B', () => {
    fc.assert(
      fc.property(
        aggregate,
        fc.array(fc.tuple(contact, memberScore), { maxLength: 20 }),
        fc.array(fc.tuple(contact, memberScore), { maxLength: 20 }),
        fc.array(memberScore, { minLength: 1, maxLength: 4 }),
        memberScore,
        (spec, inA, inB, moverScores, scoreAtMove) => {
          const compiled = accountGrid(spec, { bounds: { min: -5000, max: 4000 } });
          const others = (list: typeof inA) => list.filter(([id]) => id !== 'c-mover');
          const a = newAccount(compiled, 'a.com');
          const b = newAccount(compiled, 'b.com');
          // The mover's score changes in A interleaved with A's other members.
          const aChanges: [string, number][] = [...others(inA)];
          moverScores.forEach((s, i) => aChanges.splice(Math.min(i * 3, aChanges.length), 0, ['c-mover', s]));
          applyAll(compiled, a, aChanges);
          applyAll(compiled, b, others(inB));
          applyMembershipChange(
            compiled,
            a,
            b,
            'c-mover',
            scoreAtMove,
            { kind: 'membership', contactId: 'c-mover', eventId: 'e-move' },
            NOW,
          );

          const neverInA = newAccount(compiled, 'a.com');
          applyAll(compiled, neverInA, others(inA));
          const alwaysInB = newAccount(compiled, 'b.com');
          applyAll(compiled, alwaysInB, [...others(inB), ['c-mover', scoreAtMove]]);
          expect(accountScoreOf(a)).toEqual(accountScoreOf(neverInA));
          expect(a.members.topMembers()).toEqual(neverInA.members.topMembers());
          expect(a.members.size).toBe(neverInA.members.size);
          expect(accountScoreOf(b)).toEqual(accountScoreOf(alwaysInB));
          expect(b.members.size).toBe(alwaysInB.members.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
