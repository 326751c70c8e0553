import { AccountMembers } from './account-members.js';
import type { CompiledAccounts } from './compile-accounts.js';
import type { PropertyEntry } from './contact-state.js';

/**
 * Everything the engine remembers about one account (docs/accounts.md), owned by its caller and
 * changed in place by the apply functions (apply-account.ts): a copy per change would cost
 * O(members), and one member's change must cost O(log members).
 * - `members`: each member's score as the account last heard it, and their aggregate.
 * - `properties`: the latest account_updated value of each property an account rule reads
 *   (bounded by the grid, as a contact's).
 * - `recent`: the dedupe keys of the account's last N matching account_updated events, oldest
 *   first (N: the grid's `dedupe.recent`), as a contact's ring of recent ids.
 */
export class AccountState {
  /** Sequence of the last emitted account-score-changed (0: none yet). */
  sequence = 0;
  /** The last emitted account score (0 before any). */
  score = 0;
  /** `now` of the evaluation that last changed this state (epoch ms); null for a new account. */
  evaluatedAt: number | null = null;
  readonly members: AccountMembers;
  readonly properties = new Map<string, PropertyEntry>();
  private readonly ring: string[] = [];

  constructor(
    readonly accountId: string,
    readonly accounts: CompiledAccounts,
  ) {
    this.members = new AccountMembers(accounts.aggregate);
  }

  /** The recent dedupe keys, oldest first. */
  get recent(): readonly string[] {
    return this.ring;
  }

  hasRecent(key: string): boolean {
    return this.ring.includes(key);
  }

  /** Appends a dedupe key, forgetting the oldest beyond the grid's limit. */
  remember(key: string): void {
    this.ring.push(key);
    if (this.ring.length > this.accounts.recentLimit) this.ring.shift();
  }
}
