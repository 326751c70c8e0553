import type { AccountEvent } from './account-event.js';
import type { AccountCause, AccountEvaluation } from './account-change.js';
import type { MemberScore } from './account-members.js';
import { AccountState } from './account-state.js';
import { accountScoreOf, applyAccountUpdate, applyMemberLeft, applyMemberScore, applyMembershipChange } from './apply-account.js';
import type { CompiledAccounts } from './compile-accounts.js';
import type { CompiledGrid } from './compile-grid.js';
import type { LeadEvent } from './lead-event.js';
import type { Contribution } from './score-at.js';
import type { Direction, Evaluation, ScoreChange } from './score-change.js';

export interface ReplayAccountCrossing {
  readonly threshold: string;
  readonly at: number;
  readonly direction: Direction;
  readonly score: number;
  readonly sequence: number;
  readonly cause: AccountCause;
}

export interface ReplayedAccount {
  readonly accountId: string;
  readonly score: number;
  readonly aggregate: number;
  /** How many contacts belong to it at the end. */
  readonly members: number;
  /** The members the aggregate counts, highest first (`top`/`max`; empty for `sum: all`). */
  readonly topMembers: readonly MemberScore[];
  /** Account rules that hold, in grid order. */
  readonly contributions: readonly Contribution[];
  /** In the order they happened. */
  readonly crossings: readonly ReplayAccountCrossing[];
}

/** What the rollup reads of a contact's evaluation (an `Evaluation` or an `InPlaceResult`). */
export type MemberEvaluation = Pick<Evaluation, 'duplicate' | 'score' | 'output' | 'outputs' | 'emitted'>;

/**
 * The score `accounts.from` names after an evaluation, and its score change if it moved: a
 * grid of one score rolls up that score; a grid with `scores`, the one of that id.
 */
export function memberScoreOf(
  compiled: CompiledGrid,
  section: CompiledAccounts,
  evaluation: Omit<MemberEvaluation, 'duplicate'>,
): { score: number; output: ScoreChange | null } {
  if (!compiled.multiScore) return { score: evaluation.score, output: evaluation.output };
  const index = compiled.scores.findIndex((s) => s.id === section.from);
  return {
    score: (evaluation.emitted as readonly number[])[index] as number,
    output: evaluation.outputs.find((output) => output.scoreId === section.from) ?? null,
  };
}

/** The latest value of a contact's account key (latest occurredAt wins, ties to the larger eventId). */
interface KeyEntry {
  readonly accountId: string | null;
  readonly at: number;
  readonly eventId: string;
}

/**
 * The account side of replay (docs/accounts.md): follows each contact's account key and score
 * through the contact replay, in file order, and applies account_updated events, with the same
 * account engine a streaming account service will use.
 */
export class AccountRollup {
  private readonly accounts = new Map<string, { state: AccountState; crossings: ReplayAccountCrossing[] }>();
  /** Contact → the latest value of its account key. */
  private readonly keys = new Map<string, KeyEntry>();
  /** Contact → the account it is a member of. */
  private readonly memberOf = new Map<string, string>();

  constructor(
    private readonly compiled: CompiledGrid,
    private readonly section: CompiledAccounts,
    private readonly now: number,
  ) {}

  /**
   * After a contact event was applied: its account key may have changed (a contact_updated
   * carrying `accounts.key`), its score may have. Today the contact has one score, the one
   * `accounts.from` names; with several scores per contact this reads the score `from` names,
   * and with merges the root contact's key.
   */
  contactEvaluated(event: LeadEvent, evaluation: MemberEvaluation): void {
    if (evaluation.duplicate) return;
    const contactId = event.contactId;
    const { score, output } = memberScoreOf(this.compiled, this.section, evaluation);
    const current = this.memberOf.get(contactId) ?? null;
    let next = current;
    const moved = this.keyUpdate(event);
    if (moved !== undefined) next = moved;
    if (next !== current) {
      const cause: AccountCause = { kind: 'membership', contactId, eventId: event.eventId };
      const from = current === null ? null : this.account(current);
      const to = next === null ? null : this.account(next);
      const { left, entered } = applyMembershipChange(this.compiled, from, to, contactId, score, cause, this.now);
      if (next === null) this.memberOf.delete(contactId);
      else this.memberOf.set(contactId, next);
      if (left !== null && current !== null) this.note(current, left);
      if (entered !== null && next !== null) this.note(next, entered);
      return;
    }
    if (current === null || output === null) return;
    const cause: AccountCause = { kind: 'member-score', contactId, scoreChangeId: output.id };
    this.note(current, applyMemberScore(this.compiled, this.account(current), contactId, score, cause, this.now));
  }

  /**
   * After a merge of `source` into `target` (docs/identity.md): the merged-away contact leaves
   * its account; the target's account key becomes the later of the two (as its properties do),
   * so it may move; then the account holds the target's new score. `scoreChangeId`: the target's
   * score change, null when its score did not change.
   */
  contactsMerged(source: string, target: string, event: LeadEvent, score: number, scoreChangeId: string | null): void {
    const cause: AccountCause = { kind: 'membership', contactId: source, eventId: event.eventId };
    const left = this.memberOf.get(source);
    if (left !== undefined) {
      this.note(left, applyMemberLeft(this.compiled, this.account(left), source, cause, this.now));
      this.memberOf.delete(source);
    }
    const sourceKey = this.keys.get(source);
    const targetKey = this.keys.get(target);
    this.keys.delete(source);
    const laterKey =
      sourceKey !== undefined &&
      (targetKey === undefined ||
        sourceKey.at > targetKey.at ||
        (sourceKey.at === targetKey.at && sourceKey.eventId > targetKey.eventId));
    if (laterKey) this.keys.set(target, sourceKey);
    const current = this.memberOf.get(target) ?? null;
    const next = (laterKey ? sourceKey.accountId : current) ?? null;
    if (next !== current) {
      const moved: AccountCause = { kind: 'membership', contactId: target, eventId: event.eventId };
      const from = current === null ? null : this.account(current);
      const to = next === null ? null : this.account(next);
      const change = applyMembershipChange(this.compiled, from, to, target, score, moved, this.now);
      if (next === null) this.memberOf.delete(target);
      else this.memberOf.set(target, next);
      if (change.left !== null && current !== null) this.note(current, change.left);
      if (change.entered !== null && next !== null) this.note(next, change.entered);
      return;
    }
    if (current === null || scoreChangeId === null) return;
    const scored: AccountCause = { kind: 'member-score', contactId: target, scoreChangeId };
    this.note(current, applyMemberScore(this.compiled, this.account(current), target, score, scored, this.now));
  }

  accountEvent(event: AccountEvent): AccountEvaluation {
    const evaluation = applyAccountUpdate(this.compiled, this.account(event.accountId), event, this.now);
    this.note(event.accountId, evaluation);
    return evaluation;
  }

  /** Every account seen, by accountId (code-unit order). */
  result(): ReplayedAccount[] {
    const ids = [...this.accounts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ids.map((accountId) => {
      const { state, crossings } = this.accounts.get(accountId) as { state: AccountState; crossings: ReplayAccountCrossing[] };
      const { score, aggregate, contributions } = accountScoreOf(state);
      return {
        accountId,
        score,
        aggregate,
        members: state.members.size,
        topMembers: state.members.topMembers(),
        contributions: contributions.filter((c) => c.points !== 0),
        crossings,
      };
    });
  }

  /** The account the event's key names now, null for none; undefined when the event does not change the key. */
  private keyUpdate(event: LeadEvent): string | null | undefined {
    if (event.type !== this.compiled.contactUpdateType || !Object.hasOwn(event.properties, this.section.key)) return undefined;
    const previous = this.keys.get(event.contactId);
    const newer =
      previous === undefined ||
      event.occurredAt > previous.at ||
      (event.occurredAt === previous.at && event.eventId > previous.eventId);
    if (!newer) return undefined;
    const value = event.properties[this.section.key];
    // Absent, null or empty: no account (docs/accounts.md).
    const accountId = value === null || value === undefined || value === '' ? null : String(value);
    this.keys.set(event.contactId, { accountId, at: event.occurredAt, eventId: event.eventId });
    return accountId;
  }

  private account(accountId: string): AccountState {
    let entry = this.accounts.get(accountId);
    if (entry === undefined) {
      entry = { state: new AccountState(accountId, this.section), crossings: [] };
      this.accounts.set(accountId, entry);
    }
    return entry.state;
  }

  private note(accountId: string, evaluation: AccountEvaluation): void {
    const crossings = this.accounts.get(accountId)?.crossings;
    for (const x of evaluation.output?.thresholdCrossings ?? []) {
      crossings?.push({
        threshold: x.threshold,
        at: x.at,
        direction: x.direction,
        score: x.score,
        sequence: x.sequence,
        cause: x.cause,
      });
    }
  }
}
