import { decodeState, emptyState, type ContactState } from '@leadscore/engine';
import type { RedisClient } from '@leadscore/service-kit';
import {
  IDENTITY_ROOTS,
  KeyLayout,
  LINK_IDENTITY,
  loadScript,
  SEAL_CONTACT,
  sealedSnapshot,
  SETTLE_PENDING,
  type ScriptCall,
} from '@leadscore/redis-layout';
import { redisUnavailable } from '@leadscore/service-kit';

/** A merged-away contact's seal: its last state, and the outbox it still owed. */
export interface Seal {
  readonly snapshot: ContactState;
  readonly outbox: string;
}

/** A member pending at a root: merged into its tree by the merge `cause` (its eventId and occurredAt). */
export interface PendingMember {
  readonly id: string;
  readonly cause: string;
  readonly at: number;
}

/**
 * The identity forest and the seals, as the merge steps use them (RedisIdentityStore in
 * production; an in-memory fake in unit tests). See docs/identity.md "The streaming merge".
 */
export interface IdentityStore {
  /** Links the trees of the merge's two ids (link-identity-2.lua); returns the target's root. */
  link(merge: {
    readonly mergedFrom: string;
    readonly contactId: string;
    readonly eventId: string;
    readonly occurredAt: number;
  }): Promise<string>;
  /** The roots of many ids in one round trip (identity-roots-1.lua), in order. */
  roots(contactIds: readonly string[]): Promise<string[]>;
  /** The members pending at each root (in order): merged into its tree, their last states not yet absorbed. */
  pending(roots: readonly string[]): Promise<PendingMember[][]>;
  /** Seals contacts (idempotent), all in one round trip, and returns their last states and outboxes. */
  seal(contactIds: readonly string[]): Promise<Seal[]>;
  /** Takes absorbed ids off the root's pending list. */
  settle(root: string, absorbed: readonly string[]): Promise<void>;
}

export class RedisIdentityStore implements IdentityStore {
  private readonly keys: KeyLayout;
  private readonly linkIdentity: ScriptCall<typeof LINK_IDENTITY>;
  private readonly identityRoots: ScriptCall<typeof IDENTITY_ROOTS>;
  private readonly sealContact: ScriptCall<typeof SEAL_CONTACT>;
  private readonly settlePending: ScriptCall<typeof SETTLE_PENDING>;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
  ) {
    this.keys = new KeyLayout(keyPrefix);
    this.linkIdentity = loadScript(redis, LINK_IDENTITY);
    this.identityRoots = loadScript(redis, IDENTITY_ROOTS);
    this.sealContact = loadScript(redis, SEAL_CONTACT);
    this.settlePending = loadScript(redis, SETTLE_PENDING);
  }

  async link(merge: { mergedFrom: string; contactId: string; eventId: string; occurredAt: number }): Promise<string> {
    const [, targetRoot] = await guarded('identity-link', () =>
      this.linkIdentity(
        [this.keys.identityParents(), this.keys.identityPending()],
        merge.mergedFrom,
        merge.contactId,
        merge.eventId,
        String(merge.occurredAt),
      ),
    );
    return targetRoot;
  }

  roots(contactIds: readonly string[]): Promise<string[]> {
    if (contactIds.length === 0) return Promise.resolve([]);
    return guarded('identity-roots', () => this.identityRoots([this.keys.identityParents()], ...contactIds));
  }

  async pending(roots: readonly string[]): Promise<PendingMember[][]> {
    if (roots.length === 0) return [];
    const held = await guarded('identity-pending', () => this.redis.hmget(this.keys.identityPending(), ...roots));
    return held.map((list) =>
      list === null
        ? []
        : (JSON.parse(list) as { id: string; cause: string; at: string }[]).map((m) => ({
            id: m.id,
            cause: m.cause,
            at: Number(m.at),
          })),
    );
  }

  async seal(contactIds: readonly string[]): Promise<Seal[]> {
    // issued in one tick: with auto-pipelining, one round trip per Redis node
    const replies = await guarded('seal', () =>
      Promise.all(contactIds.map((id) => this.sealContact([this.keys.contactState(id), this.keys.outbox(id)]))),
    );
    return replies.map(([sealed, outbox]) => {
      const snapshot = sealedSnapshot(sealed);
      return { snapshot: snapshot === '' ? emptyState() : decodeState(snapshot), outbox };
    });
  }

  async settle(root: string, absorbed: readonly string[]): Promise<void> {
    if (absorbed.length === 0) return;
    await guarded('identity-settle', () => this.settlePending([this.keys.identityPending()], root, ...absorbed));
  }
}

async function guarded<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw redisUnavailable(operation, error);
  }
}
