/**
 * Redis keys the read API reads or writes. The scorer's state and the lifecycle stage use the
 * layouts of those services (same REDIS_KEY_PREFIX); recent changes and the projection watermark
 * are per contact (hash tag), the leaderboard is one sorted set.
 */
export class ReadKeys {
  constructor(readonly prefix: string) {}

  /** The scorer's contact state (engine encoding); see services/scorer/src/contact-state-store.ts. */
  state(contactId: string): string {
    return `${this.prefix}:c:{${contactId}}`;
  }

  recent(contactId: string): string {
    return `${this.prefix}:recent:{${contactId}}`;
  }

  projection(contactId: string): string {
    return `${this.prefix}:proj:{${contactId}}`;
  }

  leaderboard(): string {
    return `${this.prefix}:leaderboard`;
  }
}
