import type { AccountEvent } from './account-event.js';
import type { AccountCause, AccountEvaluation, AccountScoreChange, MemberChange } from './account-change.js';
import type { AccountState } from './account-state.js';
import type { CompiledAccounts } from './compile-accounts.js';
import type { CompiledGrid } from './compile-grid.js';
import { deterministicId, recentKey } from './hash.js';
import type { Contribution } from './score-at.js';
import { crossingsOf, type ChangedContribution } from './score-change.js';

/**
 * The account engine (docs/accounts.md): pure functions of (grid, account state, change, now)
 * that change the caller's AccountState in place and return what the account outputs carry.
 * `account score = clamp(accounts.bounds, aggregate(member scores) + Σ account rule points)`.
 * Cost per call: O(log members) for the member set plus O(account rules), never O(members).
 */

/** Every account rule's contribution (count 1 while it holds) in grid order. */
function ruleContributions(accounts: CompiledAccounts, state: AccountState): Contribution[] {
  return accounts.rules.map((rule) => {
    const holds = rule.holds(state.properties.get(rule.property)?.value);
    return { ruleId: rule.id, label: rule.label, count: holds ? 1 : 0, points: holds ? rule.points : 0 };
  });
}

export interface AccountScore {
  readonly score: number;
  readonly aggregate: number;
  /** Every account rule, in grid order (zeros included). */
  readonly contributions: readonly Contribution[];
}

/** The account's score now: a pure function of its member scores and properties. */
export function accountScoreOf(state: AccountState): AccountScore {
  const accounts = state.accounts;
  const contributions = ruleContributions(accounts, state);
  const aggregate = state.members.aggregate;
  let total = aggregate;
  for (const c of contributions) total += c.points;
  return { score: Math.min(accounts.bounds.max, Math.max(accounts.bounds.min, total)), aggregate, contributions };
}

function causeKey(cause: AccountCause): string {
  switch (cause.kind) {
    case 'member-score':
      return `score-change:${cause.scoreChangeId}`;
    case 'membership':
      return `membership:${cause.contactId}:${cause.eventId}`;
    case 'account-event':
      return `event:${cause.eventId}`;
  }
}

function changedBetween(previous: readonly Contribution[], current: readonly Contribution[]): ChangedContribution[] {
  const changed: ChangedContribution[] = [];
  current.forEach((c, i) => {
    const before = (previous[i] as Contribution).points;
    if (c.points !== before) changed.push({ ...c, previousPoints: before });
  });
  return changed;
}

interface Change {
  readonly stateChanged: boolean;
  readonly changedMember: MemberChange | null;
  /** The rule contributions before the change; undefined when no property changed. */
  readonly previousContributions?: readonly Contribution[];
  readonly cause: AccountCause;
}

/** Scores the account after a change, compares with its last emitted score, builds the outputs. */
function evaluate(compiled: CompiledGrid, state: AccountState, change: Change, now: number): AccountEvaluation {
  const { score, aggregate, contributions } = accountScoreOf(state);
  const previousScore = state.score;
  const changedContributions =
    change.previousContributions === undefined ? [] : changedBetween(change.previousContributions, contributions);
  const base = {
    duplicate: false,
    previousScore,
    score,
    aggregate,
    changedMember: change.changedMember,
    contributions,
    changedContributions,
  };
  // A new account's first evaluation is a change of state even when nothing else is: it
  // establishes the baseline (an `exists: false` rule can score an empty account).
  const stateChanged = change.stateChanged || state.evaluatedAt === null;
  if (score === previousScore) {
    if (stateChanged) state.evaluatedAt = now;
    return { ...base, stateChanged, crossings: [], output: null };
  }
  const sequence = state.sequence + 1;
  const crossings = crossingsOf(state.accounts.thresholds, previousScore, score);
  const id = deterministicId(
    ['account', state.accountId, sequence, causeKey(change.cause), compiled.name, compiled.version, previousScore, score].join(
      '\u0000',
    ),
  );
  const common = {
    accountId: state.accountId,
    sequence,
    previousScore,
    score,
    gridName: compiled.name,
    gridVersion: compiled.version,
    cause: change.cause,
    evaluatedAt: now,
  };
  const output: AccountScoreChange = {
    id,
    ...common,
    delta: score - previousScore,
    aggregate,
    members: state.members.size,
    changedMember: change.changedMember,
    changedContributions,
    thresholdCrossings: crossings.map((crossing) => ({
      id: deterministicId(`${id}\u0000${crossing.threshold}\u0000${crossing.direction}`),
      ...crossing,
      ...common,
    })),
  };
  state.sequence = sequence;
  state.score = score;
  state.evaluatedAt = now;
  return { ...base, stateChanged: true, crossings, output };
}

/**
 * A member's contact score changed to `score` (the contact joins the account if it was not a
 * member). `cause` names the contact's score change.
 */
export function applyMemberScore(
  compiled: CompiledGrid,
  state: AccountState,
  contactId: string,
  score: number,
  cause: AccountCause,
  now: number,
): AccountEvaluation {
  const previous = state.members.scoreOf(contactId) ?? null;
  state.members.set(contactId, score);
  const changedMember = previous === score ? null : { contactId, previousScore: previous, score };
  return evaluate(compiled, state, { stateChanged: changedMember !== null, changedMember, cause }, now);
}

/** The contact left the account (its account key changed or was removed): what the account held for it leaves. */
export function applyMemberLeft(
  compiled: CompiledGrid,
  state: AccountState,
  contactId: string,
  cause: AccountCause,
  now: number,
): AccountEvaluation {
  const previous = state.members.scoreOf(contactId);
  const removed = state.members.remove(contactId);
  const changedMember = removed ? { contactId, previousScore: previous ?? null, score: null } : null;
  return evaluate(compiled, state, { stateChanged: removed, changedMember, cause }, now);
}

export interface MembershipChange {
  /** The old account's evaluation; null when the contact belonged to none. */
  readonly left: AccountEvaluation | null;
  /** The new account's evaluation; null when the contact now belongs to none. */
  readonly entered: AccountEvaluation | null;
}

/**
 * A contact moves from one account to another (either may be null: no account). It leaves
 * `from` exactly as `from` held it, so `from` ends as if the contact had never been a member,
 * and enters `to` with its current `score`. The same `cause` (the contact event that changed
 * the account key) is on both outputs; their ids differ by account.
 */
export function applyMembershipChange(
  compiled: CompiledGrid,
  from: AccountState | null,
  to: AccountState | null,
  contactId: string,
  score: number,
  cause: AccountCause,
  now: number,
): MembershipChange {
  if (from !== null && from === to) return { left: null, entered: applyMemberScore(compiled, to, contactId, score, cause, now) };
  return {
    left: from === null ? null : applyMemberLeft(compiled, from, contactId, cause, now),
    entered: to === null ? null : applyMemberScore(compiled, to, contactId, score, cause, now),
  };
}

/** Whether (at, eventId) is later than an entry: latest occurredAt wins, ties to the larger eventId. */
function isNewer(at: number, eventId: string, entry: { readonly at: number; readonly eventId: string } | undefined): boolean {
  if (entry === undefined) return true;
  return at > entry.at || (at === entry.at && eventId > entry.eventId);
}

/** Whether an account_updated is matching: it carries a property some account rule reads. */
export function isMatchingAccountEvent(accounts: CompiledAccounts, event: AccountEvent): boolean {
  for (const name in event.properties) if (accounts.propertyRules.has(name)) return true;
  return false;
}

/**
 * Applies an account_updated to its account (the caller passes the state of `event.accountId`).
 * A matching event whose id is among the account's recent ids is a duplicate and changes
 * nothing; any other matching event joins the recent ids and sets, per property an account rule
 * reads, the value with the latest occurredAt (ties: the larger eventId; null removes it).
 */
export function applyAccountUpdate(
  compiled: CompiledGrid,
  state: AccountState,
  event: AccountEvent,
  now: number,
): AccountEvaluation {
  const accounts = state.accounts;
  const cause: AccountCause = { kind: 'account-event', eventId: event.eventId };
  if (!isMatchingAccountEvent(accounts, event)) {
    return evaluate(compiled, state, { stateChanged: false, changedMember: null, cause }, now);
  }
  const key = recentKey(event.eventId);
  if (state.hasRecent(key)) {
    const { aggregate, contributions } = accountScoreOf(state);
    return {
      duplicate: true,
      stateChanged: false,
      previousScore: state.score,
      score: state.score,
      aggregate,
      changedMember: null,
      contributions,
      changedContributions: [],
      crossings: [],
      output: null,
    };
  }
  const previousContributions = ruleContributions(accounts, state);
  state.remember(key);
  for (const [name, value] of Object.entries(event.properties)) {
    if (!accounts.propertyRules.has(name)) continue;
    if (!isNewer(event.occurredAt, event.eventId, state.properties.get(name))) continue;
    state.properties.set(name, { value, at: event.occurredAt, eventId: event.eventId });
  }
  return evaluate(compiled, state, { stateChanged: true, changedMember: null, previousContributions, cause }, now);
}
