import type { RedisClient } from '@leadscore/service-kit';
import { accountScoreOf, decodeAccount, type CompiledGrid, type Contribution, type MemberScore } from '@leadscore/engine';
import { StageReader, type ContactStage, type KeyLayout, type StageHistoryEntry } from '@leadscore/redis-layout';
import { RankedBoard } from './ranked-board.js';

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
  /** The account's stage as the lifecycle service set it (LIFECYCLE_ACCOUNT_STAGES), and its history. */
  readonly lifecycle: { readonly stage: ContactStage | null; readonly history: readonly StageHistoryEntry[] };
  readonly grid: { readonly name: string; readonly version: number };
}

/** One row of the account leaderboard. */
export interface AccountLeaderboardEntry {
  readonly rank: number;
  readonly accountId: string;
  /** The score of the account's last account-score-changed projected (the read API's account projection). */
  readonly score: number;
}

/**
 * Answers `GET /accounts/{id}` from the account service's keys (read-only): the header and the
 * members hash (and the lifecycle service's account stage keys), decoded by the engine's account codec (the one the account service writes with),
 * the score by `accountScoreOf`, the function the account service and `leadscore replay` use.
 * Cost: O(members) per request (the members hash is read whole), as the account service pays
 * once when it first meets an account.
 *
 * The account leaderboard comes from the account projection's sorted set instead (the last
 * emitted score per account, see AccountScoreProjection): ranking by a score computed per request
 * would read every account whole.
 */
export class AccountReader {
  private readonly gridNow: () => CompiledGrid;
  private readonly board: RankedBoard;
  private readonly stages: StageReader;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
    grid: CompiledGrid | { current(): CompiledGrid },
  ) {
    this.gridNow = 'current' in grid ? () => grid.current() : () => grid;
    this.board = new RankedBoard(redis, keys.accountLeaderboard());
    this.stages = new StageReader(redis, keys);
  }

  /** Accounts by their latest emitted score, highest first (ties: accountId, descending). */
  async leaderboard(limit: number): Promise<{ total: number; accounts: AccountLeaderboardEntry[] }> {
    const { total, entries } = await this.board.top(limit);
    return { total, accounts: entries.map(({ rank, id, score }) => ({ rank, accountId: id, score })) };
  }

  async leaderboardSize(): Promise<number> {
    return this.board.size();
  }

  /** null when the grid scores no accounts or the account service never stored this account. */
  async account(accountId: string, historyLimit = 10): Promise<AccountView | null> {
    const grid = this.gridNow();
    const accounts = grid.accounts;
    if (accounts === null) return null;
    const [header, members, stage, history] = await Promise.all([
      this.redis.get(this.keys.accountHeader(accountId)),
      this.redis.hgetall(this.keys.accountMembers(accountId)),
      this.stages.readAccountStage(accountId),
      this.stages.readAccountHistory(accountId, historyLimit),
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
      lifecycle: { stage, history },
      grid: { name: grid.name, version: grid.version },
    };
  }
}
