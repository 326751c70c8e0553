/**
 * Micro-benchmark of the account engine (not part of the test suite):
 *   node --import tsx services/engine/bench/account.bench.ts [--changes 1000000] [--members 100000]
 * Member score changes (applyMemberScore) per second, for each aggregate, on accounts of 3
 * members (members / 3 accounts) against one account of `members` members: the cost per change
 * must not depend on the account's size (target: the large account at ≥ 80 % of the small
 * accounts' rate). Each aggregate is timed twice: the whole change (applyMemberScore, with the
 * outputs it builds: small accounts change score on nearly every change, a large `top` account
 * rarely), and the member set alone (AccountMembers.set), the part whose cost could grow with
 * the account.
 */
import { parseArgs } from 'node:util';
import {
  AccountMembers,
  AccountState,
  applyMemberScore,
  compileGrid,
  validateGrid,
  type AccountAggregate,
} from '../src/index.js';

const { values } = parseArgs({
  options: { changes: { type: 'string', default: '1000000' }, members: { type: 'string', default: '100000' } },
});
const CHANGES = Number(values.changes);
const MEMBERS = Number(values.members);
const NOW = Date.parse('2026-03-10T00:00:00Z');

function grid(aggregate: AccountAggregate) {
  const result = validateGrid({
    name: 'bench',
    version: 1,
    rules: [{ id: 'demo', on: 'demo_requested', points: 10 }],
    accounts: {
      key: 'companyDomain',
      aggregate,
      rules: [{ id: 'enterprise', property: 'employees', gte: 1000, points: 300 }],
      thresholds: [{ name: 'MQA', at: 2000 }],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return compileGrid(result.grid);
}

/** A seeded xorshift, so both runs see the same stream of changes. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Changes per second of the member sets alone (no scoring, no outputs). */
function runMembers(aggregate: AccountAggregate, membersPerAccount: number): number {
  const compiled = grid(aggregate).accounts!;
  const accountCount = Math.ceil(MEMBERS / membersPerAccount);
  const sets = Array.from({ length: accountCount }, () => new AccountMembers(compiled.aggregate));
  const ids = Array.from({ length: MEMBERS }, (_, i) => `c-${i}`);
  const next = random(42);
  for (let i = 0; i < MEMBERS; i += 1)
    (sets[i % accountCount] as AccountMembers).set(ids[i] as string, Math.floor(next() * 2000) - 200);
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < CHANGES; k += 1) {
    const i = Math.floor(next() * MEMBERS);
    const set = sets[i % accountCount] as AccountMembers;
    set.set(ids[i] as string, Math.floor(next() * 2000) - 200);
    sink += set.aggregate;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0.5) console.log(sink); // keeps the loop's reads alive
  return CHANGES / seconds;
}

function run(aggregate: AccountAggregate, membersPerAccount: number): number {
  const compiled = grid(aggregate);
  const accountCount = Math.ceil(MEMBERS / membersPerAccount);
  const accounts = Array.from({ length: accountCount }, (_, i) => new AccountState(`a-${i}`, compiled.accounts!));
  const ids = Array.from({ length: MEMBERS }, (_, i) => `c-${i}`);
  const next = random(42);
  // Every member joins with a score first (not timed).
  for (let i = 0; i < MEMBERS; i += 1) {
    const id = ids[i] as string;
    applyMemberScore(compiled, accounts[i % accountCount] as AccountState, id, Math.floor(next() * 2000) - 200, cause(id), NOW);
  }
  const start = process.hrtime.bigint();
  for (let k = 0; k < CHANGES; k += 1) {
    const i = Math.floor(next() * MEMBERS);
    const id = ids[i] as string;
    applyMemberScore(compiled, accounts[i % accountCount] as AccountState, id, Math.floor(next() * 2000) - 200, cause(id), NOW);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return CHANGES / seconds;
}

const cause = (contactId: string) => ({ kind: 'member-score' as const, contactId, scoreChangeId: contactId });

const report = (what: string, small: number, large: number): void =>
  console.log(
    `${what}: ${Math.round(small)} changes/s on accounts of 3, ${Math.round(large)} changes/s on one account of ` +
      `${MEMBERS}: ratio ${(large / small).toFixed(2)} (target ≥ 0.80)`,
  );

for (const aggregate of [{ top: 5 }, { max: true }, { sum: 'all' }] as AccountAggregate[]) {
  run(aggregate, 3); // warm-up
  report(`account ${JSON.stringify(aggregate)} applyMemberScore`, run(aggregate, 3), run(aggregate, MEMBERS));
  runMembers(aggregate, 3); // warm-up
  report(`account ${JSON.stringify(aggregate)} member set alone`, runMembers(aggregate, 3), runMembers(aggregate, MEMBERS));
}
