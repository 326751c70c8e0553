import type { AccountMemberChangeValue } from '@leadscore/contracts';
import {
  applyAccountUpdate,
  applyMemberLeft,
  applyMemberScore,
  type AccountCause,
  type AccountEvaluation,
  type AccountEvent,
  type CompiledGrid,
  encodeMemberField,
  type StoredAccount,
} from '@leadscore/engine';

/** What the accounts stage applies to one account. */
export type AccountInput =
  | { readonly kind: 'member'; readonly change: AccountMemberChangeValue }
  | { readonly kind: 'account-event'; readonly event: AccountEvent };

export interface AccountStep {
  /** Null when the input was skipped (an already applied member sequence). */
  readonly evaluation: AccountEvaluation | null;
  /** The member field to write, as [contactId, value]; null when no member changed. */
  readonly memberField: readonly [string, string] | null;
}

/**
 * Applies one input to an account in place (pure but for the account it is given). A member
 * change is applied only when its member sequence is above the last one applied for the
 * contact: each message says what the contact is to the account at that sequence (a member
 * with a score, or not a member), so the latest one wins and a redelivery, a stale zombie's
 * produce or an out-of-order older message changes nothing.
 */
export function applyAccountInput(compiled: CompiledGrid, account: StoredAccount, input: AccountInput, now: number): AccountStep {
  const { state, sequences } = account;
  if (input.kind === 'account-event') {
    return { evaluation: applyAccountUpdate(compiled, state, input.event, now), memberField: null };
  }
  const { change } = input;
  const applied = sequences.get(change.contactId) ?? 0;
  if (change.memberSequence <= applied) return { evaluation: null, memberField: null };
  sequences.set(change.contactId, change.memberSequence);
  if (change.kind === 'LEAVE') {
    const cause: AccountCause = { kind: 'membership', contactId: change.contactId, eventId: change.eventId ?? '' };
    const evaluation = applyMemberLeft(compiled, state, change.contactId, cause, now);
    return { evaluation, memberField: [change.contactId, encodeMemberField(change.memberSequence, null)] };
  }
  const cause: AccountCause =
    change.kind === 'SCORE'
      ? { kind: 'member-score', contactId: change.contactId, scoreChangeId: change.scoreChangeId ?? '' }
      : { kind: 'membership', contactId: change.contactId, eventId: change.eventId ?? '' };
  const evaluation = applyMemberScore(compiled, state, change.contactId, change.score, cause, now);
  return { evaluation, memberField: [change.contactId, encodeMemberField(change.memberSequence, change.score)] };
}
