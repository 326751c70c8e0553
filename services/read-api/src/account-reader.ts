import type { RedisClient } from '@leadscore/service-kit';
import { accountScoreOf, decodeAccount, type CompiledGrid, type Contribution, type MemberScore } from '@leadscore/engine';
import type { KeyLayout } from '@leadscore/redis-layout';

export interface AccountView {
  readonly accountId: string;
  /** The account score now, computed by the engine from the stored members and properties. */
  readonly score: number;
  /** The aggregate of the member scores (before the account rules). */
  readonly aggregate: number;
  /** How many contacts belong to the account. */
  readonly members: number;
  /** The members the aggregate counts, highest first (`top`/`max`; empty for `sum: all`), as replay prints them. */
  readonly topMembers: readonly MemberScore[];
  /** Account property rules that hold, in grid order. */
  readonly contributions: readonly Contribution[];
  readonly thresholdsReached: readonly { name: string; at: number }[];
  readonly grid: { readonly name: string; readonly version: number };
}

/**
 * Answers `GET /accounts/{id}` from the account service's keys (read-only): the header and the
 * members hash, decoded by the engine's account codec (the one the account service writes with),
 * the score by `accountScoreOf`, the function the account service and `leadscore replay` use.
 * Cost: O(members) per request (the members hash is read whole), as the account service pays
 * once when it first meets an account.
 */
export class AccountReader {
  private readonly gridNow: () => CompiledGrid;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    grid: CompiledGrid | { current(): CompiledGrid },
  ) {
    this.gridNow = 'current' in grid ? () => grid.current() : () => grid;
  }

  /** null when the grid scores no accounts or the account service never stored this account. */
  async account(accountId: string): Promise<AccountView | null> {
    const grid = this.gridNow();
    const accounts = grid.accounts;
    if (accounts === null) return null;
    const [header, members] = await Promise.all([
      this.redis.get(this.keys.accountHeader(accountId)),
      this.redis.hgetall(this.keys.accountMembers(accountId)),
    ]);
    if (header === null) return null;
    const { state } = decodeAccount(accountId, accounts, header, members);
    const { score, aggregate, contributions } = accountScoreOf(state);
    return {
      accountId,
      score,
      aggregate,
      members: state.members.size,
      topMembers: state.members.topMembers(),
      contributions: contributions.filter((c) => c.points !== 0),
      thresholdsReached: accounts.thresholds.filter((t) => score >= t.at).map((t) => ({ name: t.name, at: t.at })),
      grid: { name: grid.name, version: grid.version },
    };
  }
}
