/**
 * The member records this process committed or read last, as stored (their outboxes produced):
 * what the members stage recalls instead of reading a record, the scorer's owned states for the
 * members stage. Never trusted on its own: a commit from a stale entry loses its compare-and-set
 * (records never return to an earlier value), and the key is read again. Bounded, least recently
 * used out.
 */
export class MemberCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(contactId: string): string | undefined {
    const raw = this.entries.get(contactId);
    if (raw === undefined) return undefined;
    // most recently used last: Map keeps insertion order
    this.entries.delete(contactId);
    this.entries.set(contactId, raw);
    return raw;
  }

  set(contactId: string, raw: string): void {
    if (this.limit <= 0 || raw === '') return;
    this.entries.delete(contactId);
    this.entries.set(contactId, raw);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(contactId: string): void {
    this.entries.delete(contactId);
  }

  clear(): void {
    this.entries.clear();
  }
}
