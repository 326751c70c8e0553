import { CLEAR_OUTBOX, COMMIT_ACCOUNT, COMMIT_STATE, KeyLayout, loadScript, type ScriptCall } from '@leadscore/redis-layout';
import { redisAll, type RedisClient } from '@leadscore/service-kit';

/** A value as read for a compare-and-set commit, with the outbox a previous writer may have left. */
export interface StoredValue {
  /** '' when absent. */
  readonly raw: string;
  /** '' when none. */
  readonly outbox: string;
}

export interface ValueCommit {
  readonly id: string;
  readonly expected: string;
  readonly value: string;
  readonly outbox: string;
  /** accounts only: the member fields, as contactId, value pairs */
  readonly fields?: readonly string[];
}

/**
 * The account service's Redis side (keys of KeyLayout's account section). Every method issues
 * its commands together (one auto-pipelined round trip; on a cluster one per node).
 * - members stage: one record per contact (`member`, committed with commit-state-2.lua, the
 *   scorer's compare-and-set with an outbox) and its outbox (`member-o`);
 * - accounts stage: the account's header (the compare-and-set value), its members hash and its
 *   outbox, committed together by commit-account-3.lua.
 */
export class AccountServiceStore {
  private readonly keys: KeyLayout;
  private readonly commitState: ScriptCall<typeof COMMIT_STATE>;
  private readonly commitAccount: ScriptCall<typeof COMMIT_ACCOUNT>;
  private readonly clearOutbox: ScriptCall<typeof CLEAR_OUTBOX>;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.keys = new KeyLayout(keyPrefix);
    this.commitState = loadScript(redis, COMMIT_STATE);
    this.commitAccount = loadScript(redis, COMMIT_ACCOUNT);
    this.clearOutbox = loadScript(redis, CLEAR_OUTBOX);
  }

  readMembers(contactIds: readonly string[]): Promise<Map<string, StoredValue>> {
    return this.readValues(
      contactIds,
      (id) => this.keys.memberRecord(id),
      (id) => this.keys.memberOutbox(id),
    );
  }

  readAccountHeaders(accountIds: readonly string[]): Promise<Map<string, StoredValue>> {
    return this.readValues(
      accountIds,
      (id) => this.keys.accountHeader(id),
      (id) => this.keys.accountOutbox(id),
    );
  }

  /** Every member field of each account (O(members): only when an account is loaded). */
  async readAccountMembers(accountIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const replies = await this.all(
      'read-account-members',
      accountIds.map((id) => this.redis.hgetall(this.keys.accountMembers(id))),
    );
    return new Map(accountIds.map((id, i) => [id, (replies[i] ?? {}) as Record<string, string>]));
  }

  /** @returns the contactIds whose record changed since it was read (nothing written for them) */
  async commitMembers(commits: readonly ValueCommit[]): Promise<Set<string>> {
    const replies = await this.all(
      'commit-members',
      commits.map((c) =>
        this.commitState([this.keys.memberRecord(c.id), this.keys.memberOutbox(c.id)], c.expected, c.value, c.outbox),
      ),
    );
    return new Set(commits.filter((_, i) => replies[i] !== 1).map((c) => c.id));
  }

  /** @returns the accountIds whose header changed since it was read (nothing written for them) */
  async commitAccounts(commits: readonly ValueCommit[]): Promise<Set<string>> {
    const replies = await this.all(
      'commit-accounts',
      commits.map((c) =>
        this.commitAccount(
          [this.keys.accountHeader(c.id), this.keys.accountMembers(c.id), this.keys.accountOutbox(c.id)],
          c.expected,
          c.value,
          c.outbox,
          ...(c.fields ?? []),
        ),
      ),
    );
    return new Set(commits.filter((_, i) => replies[i] !== 1).map((c) => c.id));
  }

  /** Clears produced outboxes (each only if unchanged since), by contactId or accountId. */
  async clearOutboxes(stage: 'members' | 'accounts', produced: ReadonlyMap<string, string>): Promise<void> {
    if (produced.size === 0) return;
    const key = stage === 'members' ? (id: string) => this.keys.memberOutbox(id) : (id: string) => this.keys.accountOutbox(id);
    await this.all(
      'clear-outbox',
      [...produced].map(([id, outbox]) => this.clearOutbox([key(id)], outbox)),
    );
  }

  private async readValues(
    ids: readonly string[],
    valueKey: (id: string) => string,
    outboxKey: (id: string) => string,
  ): Promise<Map<string, StoredValue>> {
    const replies = await this.all(
      'read',
      ids.flatMap((id) => [this.redis.get(valueKey(id)), this.redis.get(outboxKey(id))]),
    );
    return new Map(ids.map((id, i) => [id, { raw: asString(replies[2 * i]), outbox: asString(replies[2 * i + 1]) }]));
  }

  private all(operation: string, replies: Promise<unknown>[]): Promise<unknown[]> {
    return redisAll(replies, operation);
  }
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
