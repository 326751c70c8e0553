import type { StoredAccount } from '@leadscore/engine';

/**
 * The accounts this process committed last, with the header value it committed (the state of
 * the partitions an instance owns kept in the process and written through, as Kafka Streams
 * does): an account is used from here only while Redis still holds that header, which every
 * read checks, so an entry made stale by another instance is never trusted. Bounded (least
 * recently used out); entries are taken out while being changed and put back only once
 * committed, so a failed round never leaves a half-applied account behind.
 */
export class AccountCache {
  private readonly entries = new Map<string, { account: StoredAccount; header: string }>();
  /** Taken out (being changed), with the header they were read at. */
  private readonly taken = new Map<string, { account: StoredAccount; header: string }>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The account if memory holds the version whose header Redis has (`header`); it leaves the cache either way. */
  take(accountId: string, header: string): StoredAccount | undefined {
    const entry = this.entries.get(accountId);
    this.entries.delete(accountId);
    return entry !== undefined && header !== '' && entry.header === header ? entry.account : undefined;
  }

  /**
   * The account memory holds, recalled without reading its header (it leaves the cache, held):
   * its commit's compare-and-set against that header proves it current, or loses and the
   * account is read again. Entries come only from chunks that completed (a failed chunk drops
   * its accounts), so their outboxes were produced.
   */
  recall(accountId: string): { account: StoredAccount; header: string } | undefined {
    const entry = this.entries.get(accountId);
    if (entry === undefined) return undefined;
    this.entries.delete(accountId);
    this.taken.set(accountId, entry);
    return entry;
  }

  /** An account about to be changed, read at `header` (from memory or Redis): `put` or `committed` brings it back. */
  hold(accountId: string, account: StoredAccount, header: string): void {
    this.taken.set(accountId, { account, header });
  }

  /** A held account left unchanged: back in, at the header it was read at. */
  put(accountId: string): void {
    const taken = this.taken.get(accountId);
    this.taken.delete(accountId);
    if (taken !== undefined) this.set(accountId, taken.account, taken.header);
  }

  /** Its commit won: the account (changed in place) is now at `header`, one version up. */
  committed(accountId: string, header: string): void {
    const taken = this.taken.get(accountId);
    this.taken.delete(accountId);
    if (taken === undefined) return;
    const { state, sequences, version } = taken.account;
    this.set(accountId, { state, sequences, version: version + 1 }, header);
  }

  drop(accountId: string): void {
    this.entries.delete(accountId);
    this.taken.delete(accountId);
  }

  clear(): void {
    this.entries.clear();
    this.taken.clear();
  }

  private set(accountId: string, account: StoredAccount, header: string): void {
    if (this.limit <= 0) return;
    this.entries.set(accountId, { account, header });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}
