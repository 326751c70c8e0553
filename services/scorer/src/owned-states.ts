import { decodeState, emptyState } from '@leadscore/engine';
import type { StoredState } from './contact-state-store.js';

/** What is kept per contact: the encoded value (decoded again on use), not the decoded state. */
interface OwnedEntry {
  readonly raw: string;
  readonly outbox: string;
}

/**
 * The states this process last committed, kept in memory so that the next chunk of a contact
 * it owns skips the Redis read (docs/streaming.md "One round trip per chunk"), and the outbox
 * clears it owes, deferred into its next Redis round trip.
 *
 * An entry is never trusted, only used as the read would be: every write made from it is a
 * compare-and-set on its `raw` value, so an entry another writer has overtaken (a rebalance's
 * new owner, a sweeper of another instance) fails its commit, is forgotten and re-read. That is
 * how Kafka Streams and Flink use their local state, with the compare-and-set as the fence
 * against zombie owners. An entry's `outbox` is the outbox committed with `raw` until this
 * process produced it, then '': since a commit writes the state and its outbox together, while
 * the state is still `raw` the outbox in Redis is that one or already cleared.
 *
 * Bounded: least recently used entries go first (a Map keeps insertion order). Entries hold the
 * encoded value (~60–250 bytes) rather than the decoded state (~1.5 KB of objects and Maps with
 * the starter grid): a decode is a few microseconds, far less than the Redis read it replaces,
 * and no caller can change a kept state by mutating what `get` returned.
 */
export class OwnedStates {
  private readonly entries = new Map<string, OwnedEntry>();
  private clears = new Map<string, string>();

  /** @param capacity contacts kept; 0 keeps none (every chunk reads its states) */
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The state last committed for a contact, if still kept (and marks it recently used). */
  get(contactId: string): StoredState | undefined {
    const entry = this.entries.get(contactId);
    if (entry === undefined) return undefined;
    this.entries.delete(contactId);
    this.entries.set(contactId, entry);
    return { raw: entry.raw, outbox: entry.outbox, state: entry.raw === '' ? emptyState() : decodeState(entry.raw) };
  }

  /** A commit of this process won its compare-and-set: this is now the contact's stored state. */
  committed(contactId: string, stored: StoredState): void {
    if (this.capacity === 0) return;
    this.entries.delete(contactId);
    this.entries.set(contactId, { raw: stored.raw, outbox: stored.outbox });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * The outbox `outbox` of a contact was produced: its entry owes nothing more, and the outbox
   * is cleared with the next round trip (if a commit has not replaced it by then).
   */
  produced(contactId: string, outbox: string): void {
    const entry = this.entries.get(contactId);
    if (entry !== undefined && entry.outbox === outbox) this.entries.set(contactId, { raw: entry.raw, outbox: '' });
    this.clears.set(contactId, outbox);
  }

  /** Drops entries that may be stale (a lost compare-and-set, a failed round trip). */
  forget(contactIds: Iterable<string>): void {
    for (const id of contactIds) this.entries.delete(id);
  }

  /** Drops every entry (the partitions were re-assigned); the owed clears stay. */
  forgetAll(): void {
    this.entries.clear();
  }

  get hasClears(): boolean {
    return this.clears.size > 0;
  }

  /** The owed outbox clears (contactId → outbox produced), handed to one round trip. */
  takeClears(): Map<string, string> {
    const taken = this.clears;
    this.clears = new Map();
    return taken;
  }

  /** Clears a failed round trip took: owed again (a newer one for the same contact wins). */
  restoreClears(clears: ReadonlyMap<string, string>): void {
    for (const [contactId, outbox] of clears) if (!this.clears.has(contactId)) this.clears.set(contactId, outbox);
  }
}
