import type { AccountMemberChangeValue } from '@leadscore/contracts';

/**
 * What the members stage keeps per contact (docs/accounts.md, "The streaming account service"):
 * the account its key names, with the `(occurredAt, eventId)` of the value (latest wins), the
 * score its account was told with the sequence of the last score-changed applied, and the
 * member sequence, which grows at every change sent to an account; for merges (docs/identity.md)
 * the root it was merged into, the merges it absorbed as a root, and a score held back until
 * the merges it counts have been applied here.
 *
 * Every input that changes the record raises `scoreSequence`, the key's `(occurredAt, eventId)`
 * or `memberSequence`, grows `merges`, or sets `mergedInto` for good, so a record never returns
 * to an earlier value (the compare-and-set has no ABA).
 */
export interface MemberRecord {
  /** The account the key names; the contact is a member of it unless `mergedInto` is set. */
  readonly accountId: string | null;
  /** occurredAt (epoch ms) and eventId of the key value held; null before any. */
  readonly keyAt: number | null;
  readonly keyEventId: string | null;
  /** The score the account was told (JOIN, SCORE); a later one may be `held`. */
  readonly score: number;
  /** The sequence of the last score-changed applied, held or told (0: none). */
  readonly scoreSequence: number;
  /** Per contact, strictly increasing with every member change produced (0: none yet). */
  readonly memberSequence: number;
  /** The root this contact was merged into (contact-merged): it is a member of no account from then on. */
  readonly mergedInto: string | null;
  /** The merges (contact_merged eventIds) whose merged-away contact has left its account and whose key this record took. */
  readonly merges: readonly string[];
  /**
   * A score that counts merged-away histories (a MERGE score change, and any after it) whose
   * contact-merged has not reached this record yet: the account hears it only once every merge
   * in `awaiting` is applied, after the merged-away contact's LEAVE, so a history is never
   * counted in an account twice.
   */
  readonly held: HeldScore | null;
}

export interface HeldScore {
  readonly score: number;
  readonly scoreChangeId: string;
  /** The merges it waits for (non-empty). */
  readonly awaiting: readonly string[];
}

/** A contact's account key value: what a contact_updated carries, or a merged-away contact's key taken by its root. */
export interface KeyValue {
  readonly eventId: string;
  readonly occurredAt: number;
  readonly accountId: string | null;
}

export const EMPTY_MEMBER: MemberRecord = Object.freeze({
  accountId: null,
  keyAt: null,
  keyEventId: null,
  score: 0,
  scoreSequence: 0,
  memberSequence: 0,
  mergedInto: null,
  merges: Object.freeze([]) as readonly string[],
  held: null,
});

/** One input of the members stage for one contact. */
export type MemberInput =
  /** A score-changed of the contact; `mergeEventId` when its cause is MERGE. */
  | {
      readonly kind: 'score';
      readonly scoreChangeId: string;
      readonly sequence: number;
      readonly score: number;
      readonly mergeEventId: string | null;
    }
  /** A contact_updated carrying the grid's `accounts.key` (null: no account). */
  | ({ readonly kind: 'key' } & KeyValue)
  /** contact-merged: this contact was merged into `into` by the merge `mergeEventId`. */
  | { readonly kind: 'merged'; readonly into: string; readonly mergeEventId: string }
  /** Sent on by the members stage: a contact was merged into this one; `key` is the merged-away contact's (null: none). */
  | { readonly kind: 'absorbed'; readonly mergeEventId: string; readonly key: KeyValue | null };

/** An input another contact's record owes: applied to that contact's record once this one's commit won. */
export interface ForwardedInput {
  readonly contactId: string;
  readonly input: MemberInput;
}

export interface MemberStep {
  /** The new record; null when the input changes nothing (a redelivery, an older value, a merged-away contact). */
  readonly record: MemberRecord | null;
  /** What to send to the accounts, keyed by accountId. */
  readonly changes: readonly AccountMemberChangeValue[];
  /** Inputs for other records (a merge's root, or the root a merged-away contact's key goes to). */
  readonly forwards: readonly ForwardedInput[];
}

const NOTHING: MemberStep = Object.freeze({ record: null, changes: [], forwards: [] });

/**
 * Applies one input to a contact's record (pure). A score-changed no later than the last one
 * applied, or a key value no later than the one held, changes nothing: redeliveries are
 * harmless. A move sends a LEAVE to the old account and a JOIN (with the score the account was
 * told) to the new one, both with the same new member sequence.
 *
 * Merges, as replay's `AccountRollup.contactsMerged`: the merged-away contact leaves its
 * account and its key goes to the root (`absorbed`), where the later of the two keys wins, so
 * the root may move; later key values of the merged-away contact go to the root too. A merged
 * -away record never changes again; whatever reaches it is sent on to its root.
 */
export function applyMemberInput(contactId: string, record: MemberRecord, input: MemberInput): MemberStep {
  if (record.mergedInto !== null) return sentOn(record, record.mergedInto, input);
  switch (input.kind) {
    case 'score':
      return scoreChanged(contactId, record, input);
    case 'key':
      return moved(contactId, keyed(record, input), record, input.eventId, record.score, null);
    case 'merged':
      return mergedAway(contactId, record, input.into, input.mergeEventId);
    case 'absorbed':
      return absorbed(contactId, record, input.mergeEventId, input.key);
  }
}

/** The record with the newer key value, or null when `key` is no later than the one held. */
function keyed(record: MemberRecord, key: KeyValue): MemberRecord | null {
  const newer =
    record.keyAt === null ||
    key.occurredAt > record.keyAt ||
    (key.occurredAt === record.keyAt && key.eventId > (record.keyEventId ?? ''));
  if (!newer) return null;
  return { ...record, accountId: key.accountId, keyAt: key.occurredAt, keyEventId: key.eventId };
}

function scoreChanged(contactId: string, record: MemberRecord, input: Extract<MemberInput, { kind: 'score' }>): MemberStep {
  if (input.sequence <= record.scoreSequence) return NOTHING;
  const sequenced = { ...record, scoreSequence: input.sequence };
  const awaiting = [...(record.held?.awaiting ?? [])];
  if (input.mergeEventId !== null && !record.merges.includes(input.mergeEventId) && !awaiting.includes(input.mergeEventId)) {
    awaiting.push(input.mergeEventId);
  }
  if (awaiting.length > 0) {
    return {
      record: { ...sequenced, held: { score: input.score, scoreChangeId: input.scoreChangeId, awaiting } },
      changes: [],
      forwards: [],
    };
  }
  if (record.accountId === null) return { record: { ...sequenced, score: input.score }, changes: [], forwards: [] };
  const memberSequence = record.memberSequence + 1;
  return {
    record: { ...sequenced, score: input.score, memberSequence },
    changes: [change(record.accountId, contactId, 'SCORE', memberSequence, input.score, input.scoreChangeId, null)],
    forwards: [],
  };
}

/**
 * `next` (the record with its new key, null: key not newer) against `before`: a move sends a
 * LEAVE and a JOIN with `score`; otherwise a `released` score, if any, is sent as a SCORE.
 */
function moved(
  contactId: string,
  next: MemberRecord | null,
  before: MemberRecord,
  eventId: string,
  score: number,
  released: { readonly scoreChangeId: string } | null,
): MemberStep {
  if (next === null) return NOTHING;
  const base = { ...next, score };
  if (next.accountId === before.accountId) {
    if (released === null || before.accountId === null || score === before.score) {
      return { record: base, changes: [], forwards: [] };
    }
    const memberSequence = before.memberSequence + 1;
    return {
      record: { ...base, memberSequence },
      changes: [change(before.accountId, contactId, 'SCORE', memberSequence, score, released.scoreChangeId, null)],
      forwards: [],
    };
  }
  const memberSequence = before.memberSequence + 1;
  const changes: AccountMemberChangeValue[] = [];
  if (before.accountId !== null) changes.push(change(before.accountId, contactId, 'LEAVE', memberSequence, 0, null, eventId));
  if (next.accountId !== null) changes.push(change(next.accountId, contactId, 'JOIN', memberSequence, score, null, eventId));
  return { record: { ...base, memberSequence }, changes, forwards: [] };
}

/** contact-merged: leave the account, for good; the key goes to the root, with the merge. */
function mergedAway(contactId: string, record: MemberRecord, into: string, mergeEventId: string): MemberStep {
  const gone: MemberRecord = { ...record, mergedInto: into, merges: [], held: null };
  const forwards = [{ contactId: into, input: absorbedInput(record, mergeEventId) }];
  if (record.accountId === null) return { record: gone, changes: [], forwards };
  const memberSequence = record.memberSequence + 1;
  return {
    record: { ...gone, memberSequence },
    changes: [change(record.accountId, contactId, 'LEAVE', memberSequence, 0, null, mergeEventId)],
    forwards,
  };
}

/** A merged-away contact's key and merge, at its root: the later key wins; a score held for this merge may be released. */
function absorbed(contactId: string, record: MemberRecord, mergeEventId: string, key: KeyValue | null): MemberStep {
  const known = record.merges.includes(mergeEventId);
  const withKey = key === null ? null : keyed(record, key);
  if (known && withKey === null) return NOTHING;
  const merges = known ? record.merges : [...record.merges, mergeEventId];
  let held = record.held;
  let score = record.score;
  let released: { scoreChangeId: string } | null = null;
  if (held !== null && held.awaiting.includes(mergeEventId)) {
    const awaiting = held.awaiting.filter((m) => m !== mergeEventId);
    if (awaiting.length > 0) held = { ...held, awaiting };
    else {
      score = held.score;
      released = { scoreChangeId: held.scoreChangeId };
      held = null;
    }
  }
  const next = { ...(withKey ?? record), merges, held };
  return moved(contactId, next, record, mergeEventId, score, released);
}

/** What reaches a merged-away record goes on to its root; the record itself stays as it is. */
function sentOn(record: MemberRecord, root: string, input: MemberInput): MemberStep {
  switch (input.kind) {
    case 'score':
      return NOTHING; // its drop to 0 at the merge: the contact has left already
    case 'key':
      return { record: null, changes: [], forwards: [{ contactId: root, input }] };
    case 'merged': // redelivered: the root gets the same input again (idempotent there)
      return { record: null, changes: [], forwards: [{ contactId: root, input: absorbedInput(record, input.mergeEventId) }] };
    case 'absorbed': // merged into this one, which is merged away itself: the key goes on; the root awaits nothing of it
      return input.key === null
        ? NOTHING
        : { record: null, changes: [], forwards: [{ contactId: root, input: { kind: 'key', ...input.key } }] };
  }
}

function absorbedInput(record: MemberRecord, mergeEventId: string): MemberInput {
  const key =
    record.keyAt === null ? null : { eventId: record.keyEventId ?? '', occurredAt: record.keyAt, accountId: record.accountId };
  return { kind: 'absorbed', mergeEventId, key };
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

type Stored = [
  accountId: string | null,
  keyAt: number | null,
  keyEventId: string | null,
  score: number,
  q: number,
  m: number,
  mergedInto?: string | null,
  merges?: string[],
  held?: [score: number, scoreChangeId: string, awaiting: string[]] | null,
];

/** The record as stored (a short JSON array; the merge fields only once a merge touched it). */
export function encodeMemberRecord(record: MemberRecord): string {
  const stored: Stored = [
    record.accountId,
    record.keyAt,
    record.keyEventId,
    record.score,
    record.scoreSequence,
    record.memberSequence,
  ];
  if (record.mergedInto !== null || record.merges.length > 0 || record.held !== null) {
    const { held } = record;
    stored.push(record.mergedInto, [...record.merges], held && [held.score, held.scoreChangeId, [...held.awaiting]]);
  }
  return JSON.stringify(stored);
}

/** @param raw '' for a contact with no record yet; records written before merges were followed read as never merged */
export function decodeMemberRecord(raw: string): MemberRecord {
  if (raw === '') return EMPTY_MEMBER;
  const [accountId, keyAt, keyEventId, score, scoreSequence, memberSequence, mergedInto, merges, held] = JSON.parse(
    raw,
  ) as Stored;
  return {
    accountId,
    keyAt,
    keyEventId,
    score,
    scoreSequence,
    memberSequence,
    mergedInto: mergedInto ?? null,
    merges: merges ?? [],
    held: held ? { score: held[0], scoreChangeId: held[1], awaiting: held[2] } : null,
  };
}
