import { Cluster } from 'ioredis';
import { redisUnavailable, type RedisClient } from '@leadscore/service-kit';
import { decodeState, emptyState, type ContactState } from '@leadscore/engine';
import {
  CLAIM_DUE_CONTACTS,
  CLEAR_OUTBOX,
  COMMIT_STATE,
  isSealedState,
  KeyLayout,
  loadScript,
  type ScriptCall,
} from '@leadscore/redis-layout';
import type { ScorerMetrics } from './metrics.js';

/** A contact's state as read, with the raw value for the compare-and-set commit. */
export interface StoredState {
  readonly state: ContactState;
  /** The value read ('' when absent): the commit succeeds only if it is still this. */
  readonly raw: string;
  /** Outputs a previous writer committed but may not have produced ('' when none). */
  readonly outbox: string;
  /**
   * The contact was merged away (its value is `M|<last state>`, seal-contact-2.lua): `state`
   * is empty, nothing may be committed over it, and its events now count for its root.
   */
  readonly sealed?: true;
}

export interface StateCommit {
  readonly contactId: string;
  readonly expected: string;
  readonly encoded: string;
  /** The outputs this change owes, encoded ('' when none). */
  readonly outbox: string;
  /** When the contact's windowed counts next expire (null: never), for the decay sweeper. */
  readonly nextExpiryAt: number | null;
  /**
   * The decay index already holds `nextExpiryAt` for this contact (the expected state's expiry
   * is the same): the commit leaves the index alone, one command less.
   */
  readonly expiryIndexed?: boolean;
}

/**
 * Per-contact scoring state in Redis (keys and scripts of `@leadscore/redis-layout`): one string
 * per contact (the engine's compact encoding) at `<prefix>:c:{<contactId>}`, a transient outbox
 * at `<prefix>:o:{<contactId>}` (same hash slot, so the commit script works on Redis Cluster),
 * and a sorted set `<prefix>:decay` of when each contact's windows next expire.
 *
 * A commit replaces the contact's outbox with the one it owes ('' deletes it), so a writer must
 * carry over what it read as still owed.
 *
 * Every method issues all its commands in one tick and awaits them together: with
 * auto-pipelining that is one write and one round trip per Redis node, whatever the count, and
 * it works unchanged on Redis Cluster (an explicit pipeline there must stay within one slot).
 */
export class ContactStateStore {
  private readonly keys: KeyLayout;
  private readonly commitState: ScriptCall<typeof COMMIT_STATE>;
  private readonly clearOutbox: ScriptCall<typeof CLEAR_OUTBOX>;
  private readonly claimDueContacts: ScriptCall<typeof CLAIM_DUE_CONTACTS>;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly metrics?: ScorerMetrics,
  ) {
    this.keys = new KeyLayout(keyPrefix);
    this.commitState = loadScript(redis, COMMIT_STATE);
    this.clearOutbox = loadScript(redis, CLEAR_OUTBOX);
    this.claimDueContacts = loadScript(redis, CLAIM_DUE_CONTACTS);
  }

  stateKey(contactId: string): string {
    return this.keys.contactState(contactId);
  }

  outboxKey(contactId: string): string {
    return this.keys.outbox(contactId);
  }

  decayIndexKey(): string {
    return this.keys.decayIndex();
  }

  /** Contacts owed a grid-change re-evaluation (a sorted set like the decay index, all due at once). */
  regradeIndexKey(): string {
    return this.keys.regradeIndex();
  }

  /**
   * Reads the states (and outboxes) of many contacts; absent contacts get the empty state.
   * `clears` (see clearOutboxes) go first, in the same round trip.
   */
  async read(contactIds: readonly string[], clears?: ReadonlyMap<string, string>): Promise<Map<string, StoredState>> {
    const out = new Map<string, StoredState>();
    if (contactIds.length === 0) return out;
    const cleared = this.clearCalls(clears);
    const replies = await this.all('read', [
      ...cleared,
      ...contactIds.flatMap((id) => [this.redis.get(this.stateKey(id)), this.redis.get(this.outboxKey(id))]),
    ]);
    contactIds.forEach((id, i) => {
      const raw = asString(replies[cleared.length + 2 * i]);
      const outbox = asString(replies[cleared.length + 2 * i + 1]);
      if (isSealedState(raw)) out.set(id, { raw, state: emptyState(), outbox, sealed: true });
      else out.set(id, { raw, state: raw === '' ? emptyState() : decodeState(raw), outbox });
    });
    return out;
  }

  /**
   * Commits states and their outboxes with compare-and-set (each replacing the contact's outbox,
   * see commit-state-2.lua), and indexes their next expiry; `clears` go first, in the same round
   * trip. Returns the contactIds whose state changed since they were read (nothing written for them).
   */
  async commit(commits: readonly StateCommit[], clears?: ReadonlyMap<string, string>): Promise<Set<string>> {
    const conflicts = new Set<string>();
    if (commits.length === 0) return conflicts;
    const cleared = this.clearCalls(clears);
    const replies = await this.all('commit', [
      ...cleared,
      ...commits.map((c) =>
        this.commitState([this.stateKey(c.contactId), this.outboxKey(c.contactId)], c.expected, c.encoded, c.outbox),
      ),
      // Not atomic with the commit (another key, maybe another cluster slot): a stale entry only
      // makes the sweeper re-evaluate a contact for nothing.
      ...commits
        .filter((c) => c.expiryIndexed !== true)
        .map((c) =>
          c.nextExpiryAt === null
            ? this.redis.zrem(this.decayIndexKey(), c.contactId)
            : this.redis.zadd(this.decayIndexKey(), c.nextExpiryAt, c.contactId),
        ),
    ]);
    commits.forEach((c, i) => {
      if (replies[cleared.length + i] !== 1) conflicts.add(c.contactId);
    });
    return conflicts;
  }

  /** Clears outboxes whose outputs were produced (each only if unchanged since). */
  async clearOutboxes(produced: ReadonlyMap<string, string>): Promise<void> {
    if (produced.size === 0) return;
    await this.all('clear-outbox', this.clearCalls(produced));
  }

  private clearCalls(produced: ReadonlyMap<string, string> | undefined): Promise<unknown>[] {
    if (produced === undefined || produced.size === 0) return [];
    return [...produced].map(([contactId, outbox]) => this.clearOutbox([this.outboxKey(contactId)], outbox));
  }

  /**
   * Claims up to `count` contacts due by `now` (see claim-due-contacts-1.lua): from the decay
   * index (windows expiring), or from the grid-change index.
   */
  async claimDue(now: number, count: number, leaseMs: number, index: 'decay' | 'regrade' = 'decay'): Promise<string[]> {
    const stop = this.metrics?.redisDuration.startTimer({ operation: 'claim' });
    try {
      return await this.claimDueContacts(
        [index === 'decay' ? this.decayIndexKey() : this.regradeIndexKey()],
        now,
        count,
        leaseMs,
      );
    } catch (error) {
      throw redisUnavailable('claim', error);
    } finally {
      stop?.();
    }
  }

  /** Queues contacts for a grid-change re-evaluation (those already queued keep their place). */
  async queueRegrade(contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.all('regrade-queue', [this.redis.zadd(this.regradeIndexKey(), 'NX', ...contactIds.flatMap((id) => [0, id]))]);
  }

  /** Takes merged-away contacts off both sweep indexes: nothing is ever re-evaluated under them again. */
  async dropFromIndexes(contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.all('unindex', [
      this.redis.zrem(this.decayIndexKey(), ...contactIds),
      this.redis.zrem(this.regradeIndexKey(), ...contactIds),
    ]);
  }

  /** Takes re-evaluated contacts off the grid-change index. */
  async doneRegrade(contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.all('regrade-done', [this.redis.zrem(this.regradeIndexKey(), ...contactIds)]);
  }

  /** How many contacts still wait for a grid-change re-evaluation. */
  async regradePending(): Promise<number> {
    return Number((await this.all('regrade-count', [this.redis.zcard(this.regradeIndexKey())]))[0]);
  }

  /**
   * Every contact with a stored state, in pages (a SCAN of each primary's keyspace: on a Redis
   * Cluster the states are spread over the nodes). A contact may be listed twice; none is missed.
   */
  async *contactIdPages(pageSize = 1000): AsyncGenerator<string[]> {
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node
          .scan(cursor, 'MATCH', this.keys.contactStatePattern(), 'COUNT', pageSize)
          .catch((error: unknown) => {
            throw redisUnavailable('scan', error);
          });
        cursor = next;
        const ids = keys.map((key) => this.keys.contactIdOfState(key)).filter((id) => id !== undefined);
        if (ids.length > 0) yield ids;
      } while (cursor !== '0');
    }
  }

  /** Awaits commands issued together (one auto-pipelined round trip), timed as one operation. */
  private async all(operation: string, replies: Promise<unknown>[]): Promise<unknown[]> {
    const stop = this.metrics?.redisDuration.startTimer({ operation });
    try {
      return await Promise.all(replies);
    } catch (error) {
      throw redisUnavailable(operation, error);
    } finally {
      stop?.();
    }
  }
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString();
  return '';
}
