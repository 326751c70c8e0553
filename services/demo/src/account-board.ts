import type { AccountScoreChangedValue, AccountThresholdCrossedValue } from '@leadscore/contracts';

/** One company as the view shows it: its latest score and whether it is a qualified account. */
export interface AccountStanding {
  readonly accountId: string;
  readonly score: number;
  readonly members: number;
  readonly sequence: number;
  /** The latest up-crossing of the demo's account threshold while the account stays above it; null otherwise. */
  readonly qualified: { readonly at: number; readonly score: number } | null;
}

/**
 * What the live view knows of the companies, from the account service's outputs. The demo's
 * companies are listed from the start (an account whose members score nothing emits nothing,
 * and should still be seen at 0). Pure; outputs of one account arrive in order (keyed by
 * accountId), and an older sequence is ignored anyway.
 */
export class AccountBoard {
  upCrossings = 0;
  downCrossings = 0;
  private readonly accounts = new Map<string, AccountStanding>();
  /** Per account, the sequence of its latest crossing of the threshold: the score change and the crossing travel apart. */
  private readonly crossedAt = new Map<string, number>();

  constructor(
    /** The threshold the view tells about (the MQA). */
    readonly threshold: string,
    known: readonly string[] = [],
  ) {
    for (const accountId of known)
      this.accounts.set(accountId, { accountId, score: 0, members: 0, sequence: 0, qualified: null });
  }

  applyScoreChanged(value: AccountScoreChangedValue): void {
    const previous = this.accounts.get(value.accountId);
    if (previous && previous.sequence >= value.sequence) return;
    this.accounts.set(value.accountId, {
      accountId: value.accountId,
      score: value.score,
      members: value.members,
      sequence: value.sequence,
      qualified: previous?.qualified ?? null,
    });
  }

  applyThresholdCrossed(value: AccountThresholdCrossedValue): void {
    if (value.threshold !== this.threshold) return;
    // a redelivered crossing (outputs are at least once) is not counted twice
    if ((this.crossedAt.get(value.accountId) ?? 0) >= value.sequence) return;
    this.crossedAt.set(value.accountId, value.sequence);
    if (value.direction === 'UP') this.upCrossings += 1;
    else this.downCrossings += 1;
    const standing = this.accounts.get(value.accountId) ?? {
      accountId: value.accountId,
      score: value.score,
      members: 0,
      sequence: 0,
      qualified: null,
    };
    const qualified = value.direction === 'UP' ? { at: value.evaluatedAt, score: value.score } : null;
    this.accounts.set(value.accountId, { ...standing, qualified });
  }

  /** Highest scores first; ties by accountId, so the list does not flicker. */
  standings(): AccountStanding[] {
    return [...this.accounts.values()].sort((a, b) => b.score - a.score || (a.accountId < b.accountId ? -1 : 1));
  }
}
