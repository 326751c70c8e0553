import { describe, expect, it } from 'vitest';
import {
  EMPTY_MEMBER,
  accountIdOf,
  applyMemberInput,
  decodeMemberRecord,
  encodeMemberRecord,
  type MemberInput,
  type MemberRecord,
} from '../src/index.js';
import { key, score } from './support/member-inputs.js';

function run(inputs: readonly MemberInput[], start: MemberRecord = EMPTY_MEMBER) {
  let record = start;
  const changes = [];
  for (const input of inputs) {
    const step = applyMemberInput('ann', record, input);
    if (step.record !== null) record = step.record;
    changes.push(...step.changes);
  }
  return { record, changes };
}

describe('the members stage record', () => {
  it('keeps a score heard before any account, and the join carries it', () => {
    const { record, changes } = run([score(1, 500), key('u-1', 10, 'acme.com')]);
    expect(record).toMatchObject({ accountId: 'acme.com', score: 500, scoreSequence: 1, memberSequence: 1 });
    expect(changes).toEqual([
      {
        accountId: 'acme.com',
        contactId: 'ann',
        kind: 'JOIN',
        memberSequence: 1,
        score: 500,
        scoreChangeId: null,
        eventId: 'u-1',
      },
    ]);
  });

  it('sends each score change of a member to its account with a new member sequence', () => {
    const { changes } = run([key('u-1', 10, 'acme.com'), score(1, 500), score(2, 1000)]);
    expect(changes.map((c) => [c.kind, c.memberSequence, c.score])).toEqual([
      ['JOIN', 1, 0],
      ['SCORE', 2, 500],
      ['SCORE', 3, 1000],
    ]);
  });

  it('changes nothing for a redelivered or older score-changed, or a key value no later than the one held', () => {
    const { record } = run([key('u-2', 20, 'acme.com'), score(2, 1000)]);
    for (const input of [
      score(2, 1000),
      score(1, 500),
      key('u-2', 20, 'globex.io'),
      key('u-1', 10, 'globex.io'),
      key('u-0', 20, 'x'),
    ]) {
      expect(applyMemberInput('ann', record, input)).toEqual({ record: null, changes: [], forwards: [] });
    }
    // same instant, larger eventId: newer (latest wins, ties to the larger eventId, as in replay)
    expect(applyMemberInput('ann', record, key('u-3', 20, 'globex.io')).record?.accountId).toBe('globex.io');
  });

  it('a move sends a LEAVE to the old account and a JOIN with the current score to the new one, with one member sequence', () => {
    const { record, changes } = run([
      key('u-1', 10, 'acme.com'),
      score(1, 700),
      key('u-2', 20, 'globex.io'),
      key('u-3', 30, null),
    ]);
    expect(changes.map((c) => [c.accountId, c.kind, c.memberSequence, c.score])).toEqual([
      ['acme.com', 'JOIN', 1, 0],
      ['acme.com', 'SCORE', 2, 700],
      ['acme.com', 'LEAVE', 3, 0],
      ['globex.io', 'JOIN', 3, 700],
      ['globex.io', 'LEAVE', 4, 0],
    ]);
    expect(record.accountId).toBeNull();
    // a key update naming the same account moves the key's time, sends nothing
    const same = applyMemberInput('ann', { ...record, accountId: 'a' }, key('u-9', 99, 'a'));
    expect(same.changes).toEqual([]);
    expect(same.record?.keyAt).toBe(99);
  });

  it('stores and reads back a record', () => {
    const { record } = run([key('u-1', 10, 'acme.com'), score(4, -20)]);
    expect(decodeMemberRecord(encodeMemberRecord(record))).toEqual(record);
    expect(decodeMemberRecord('')).toEqual(EMPTY_MEMBER);
  });

  it('names no account for absent, null or empty keys, and the text of numbers and booleans', () => {
    expect([undefined, null, '', 42, true, 'acme.com'].map(accountIdOf)).toEqual([null, null, null, '42', 'true', 'acme.com']);
  });
});
