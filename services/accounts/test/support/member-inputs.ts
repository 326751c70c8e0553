import type { MemberInput } from '../../src/index.js';

/** A score-changed of the contact as the members stage reads it (`mergeEventId`: a MERGE cause). */
export const score = (sequence: number, value: number, mergeEventId: string | null = null): MemberInput => ({
  kind: 'score',
  scoreChangeId: `s-${sequence}`,
  sequence,
  score: value,
  mergeEventId,
});

/** A contact_updated carrying the account key. */
export const key = (eventId: string, occurredAt: number, accountId: string | null): MemberInput => ({
  kind: 'key',
  eventId,
  occurredAt,
  accountId,
});
