import type { Contribution } from './score-at.js';
import type { ChangedContribution, Crossing } from './score-change.js';

/** What moved an account's score (docs/accounts.md). */
export type AccountCause =
  /** A member's contact score changed: the id of that contact's score-changed. */
  | { readonly kind: 'member-score'; readonly contactId: string; readonly scoreChangeId: string }
  /** The contact's account key changed (it left this account or joined it): the contact event that changed it. */
  | { readonly kind: 'membership'; readonly contactId: string; readonly eventId: string }
  /** An account_updated event. */
  | { readonly kind: 'account-event'; readonly eventId: string };

/** A member's score as the account held it before and after; null when not a member. */
export interface MemberChange {
  readonly contactId: string;
  readonly previousScore: number | null;
  readonly score: number | null;
}

/** What both account outputs of one evaluation carry. */
export interface AccountOutputContext {
  readonly accountId: string;
  /** Per account, strictly increasing from 1. */
  readonly sequence: number;
  /** The last emitted account score (0 before any). */
  readonly previousScore: number;
  readonly score: number;
  readonly gridName: string;
  readonly gridVersion: number;
  readonly cause: AccountCause;
  /** The evaluation time ("now", epoch ms). */
  readonly evaluatedAt: number;
}

/** The account-threshold-crossed output (MQA up/down); its id hashes the change's id, threshold and direction. */
export interface AccountThresholdCrossing extends Crossing, AccountOutputContext {
  readonly id: string;
}

/** The account-score-changed output. */
export interface AccountScoreChange extends AccountOutputContext {
  /** Deterministic: a hash of "account", accountId, sequence, cause, grid name/version and both scores. */
  readonly id: string;
  readonly delta: number;
  /** The aggregate of the member scores after the change. */
  readonly aggregate: number;
  /** How many contacts belong to the account. */
  readonly members: number;
  readonly changedMember: MemberChange | null;
  readonly changedContributions: readonly ChangedContribution[];
  readonly thresholdCrossings: readonly AccountThresholdCrossing[];
}

/** The result of applying one change to an account. */
export interface AccountEvaluation {
  /** An account_updated whose id is among the account's recent ids: nothing changed. */
  readonly duplicate: boolean;
  /** Whether the account's state changed (members, properties or recent ids). */
  readonly stateChanged: boolean;
  /** The last emitted account score. */
  readonly previousScore: number;
  /** The new account score; equal to previousScore when there is no output. */
  readonly score: number;
  readonly aggregate: number;
  readonly changedMember: MemberChange | null;
  /** Every account rule's contribution now, in grid order. */
  readonly contributions: readonly Contribution[];
  readonly changedContributions: readonly ChangedContribution[];
  readonly crossings: readonly Crossing[];
  /** Null when the account score did not change (no output then, as for contacts). */
  readonly output: AccountScoreChange | null;
}
