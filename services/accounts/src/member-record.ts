import type { AccountMemberChangeValue } from '@leadscore/contracts';

/**
 * What the members stage keeps per contact (docs/accounts.md, "The streaming account service"):
 * the account its key names now, with the `(occurredAt, eventId)` of the value (latest wins),
 * its score with the sequence of the score-changed that carried it, and the member sequence,
 * which grows at every change sent to an account. Every input that changes the record raises
 * `scoreSequence`, the key's `(occurredAt, eventId)` or `memberSequence`, so a record never
 * returns to an earlier value (the compare-and-set has no ABA).
 */
export interface MemberRecord {
  readonly accountId: string | null;
  /** occurredAt (epoch ms) and eventId of the contact_updated that set the key; null before any. */
  readonly keyAt: number | null;
  readonly keyEventId: string | null;
  readonly score: number;
  /** The sequence of the last score-changed applied (0: none). */
  readonly scoreSequence: number;
  /** Per contact, strictly increasing with every member change produced (0: none yet). */
  readonly memberSequence: number;
}

export const EMPTY_MEMBER: MemberRecord = Object.freeze({
  accountId: null,
  keyAt: null,
  keyEventId: null,
  score: 0,
  scoreSequence: 0,
  memberSequence: 0,
});

/** One input of the members stage for one contact. */
export type MemberInput =
  /** A score-changed of the contact. */
  | { readonly kind: 'score'; readonly scoreChangeId: string; readonly sequence: number; readonly score: number }
  /** A contact_updated carrying the grid's `accounts.key` (null: no account). */
  | { readonly kind: 'key'; readonly eventId: string; readonly occurredAt: number; readonly accountId: string | null };

export interface MemberStep {
  /** The new record; null when the input changes nothing (a redelivery, an older value). */
  readonly record: MemberRecord | null;
  /** What to send to the accounts, keyed by accountId. */
  readonly changes: readonly AccountMemberChangeValue[];
}

/**
 * Applies one input to a contact's record (pure). A score-changed no later than the last one
 * applied, or a key value no later than the one held, changes nothing: redeliveries are
 * harmless. A move sends a LEAVE to the old account and a JOIN (with the contact's current
 * score) to the new one, both with the same new member sequence.
 */
export function applyMemberInput(contactId: string, record: MemberRecord, input: MemberInput): MemberStep {
  if (input.kind === 'score') {
    if (input.sequence <= record.scoreSequence) return { record: null, changes: [] };
    if (record.accountId === null) {
      return { record: { ...record, score: input.score, scoreSequence: input.sequence }, changes: [] };
    }
    const memberSequence = record.memberSequence + 1;
    return {
      record: { ...record, score: input.score, scoreSequence: input.sequence, memberSequence },
      changes: [change(record.accountId, contactId, 'SCORE', memberSequence, input.score, input.scoreChangeId, null)],
    };
  }
  const newer =
    record.keyAt === null ||
    input.occurredAt > record.keyAt ||
    (input.occurredAt === record.keyAt && input.eventId > (record.keyEventId ?? ''));
  if (!newer) return { record: null, changes: [] };
  const keyed = { ...record, keyAt: input.occurredAt, keyEventId: input.eventId };
  if (input.accountId === record.accountId) return { record: keyed, changes: [] };
  const memberSequence = record.memberSequence + 1;
  const changes: AccountMemberChangeValue[] = [];
  if (record.accountId !== null) {
    changes.push(change(record.accountId, contactId, 'LEAVE', memberSequence, 0, null, input.eventId));
  }
  if (input.accountId !== null) {
    changes.push(change(input.accountId, contactId, 'JOIN', memberSequence, record.score, null, input.eventId));
  }
  return { record: { ...keyed, accountId: input.accountId, memberSequence }, changes };
}

function change(
  accountId: string,
  contactId: string,
  kind: AccountMemberChangeValue['kind'],
  memberSequence: number,
  score: number,
  scoreChangeId: string | null,
  eventId: string | null,
): AccountMemberChangeValue {
  return { accountId, contactId, kind, memberSequence, score, scoreChangeId, eventId };
}

/** The account a key value names: absent, null or the empty string is none; numbers and booleans by their text. */
export function accountIdOf(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

type Stored = [accountId: string | null, keyAt: number | null, keyEventId: string | null, score: number, q: number, m: number];

/** The record as stored (a short JSON array). */
export function encodeMemberRecord(record: MemberRecord): string {
  const stored: Stored = [
    record.accountId,
    record.keyAt,
    record.keyEventId,
    record.score,
    record.scoreSequence,
    record.memberSequence,
  ];
  return JSON.stringify(stored);
}

/** @param raw '' for a contact with no record yet */
export function decodeMemberRecord(raw: string): MemberRecord {
  if (raw === '') return EMPTY_MEMBER;
  const [accountId, keyAt, keyEventId, score, scoreSequence, memberSequence] = JSON.parse(raw) as Stored;
  return { accountId, keyAt, keyEventId, score, scoreSequence, memberSequence };
}
