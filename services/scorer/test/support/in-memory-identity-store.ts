import { decodeState, emptyState } from '@leadscore/engine';
import { isSealedState, SEALED_STATE_PREFIX, sealedSnapshot } from '@leadscore/redis-layout';
import type { IdentityStore, PendingMember, Seal } from '../../src/identity-store.js';
import type { InMemoryContactStore } from './in-memory-contact-store.js';

/**
 * RedisIdentityStore in memory, with the semantics of its scripts (pinned to them by
 * test/integration/store-fakes.test.ts): link-identity-2.lua and identity-roots-1.lua (roots resolved inside, the source
 * root and what was pending at it moved to the target root's list), seal-contact-2.lua (on the
 * contact store's values) and settle-pending-1.lua. Each call is atomic here.
 */
export class InMemoryIdentityStore implements IdentityStore {
  readonly parents = new Map<string, string>();
  readonly pendingAt = new Map<string, PendingMember[]>();

  constructor(private readonly contacts: InMemoryContactStore) {}

  async link(merge: { mergedFrom: string; contactId: string; eventId: string; occurredAt: number }): Promise<string> {
    const source = this.root(merge.mergedFrom);
    const target = this.root(merge.contactId);
    if (source === target) return target;
    this.parents.set(source, target);
    const list = [
      ...(this.pendingAt.get(target) ?? []),
      ...(this.pendingAt.get(source) ?? []),
      { id: source, cause: merge.eventId, at: merge.occurredAt },
    ];
    this.pendingAt.delete(source);
    this.pendingAt.set(target, list);
    return target;
  }

  async roots(contactIds: readonly string[]): Promise<string[]> {
    return contactIds.map((id) => this.root(id));
  }

  async pending(roots: readonly string[]): Promise<PendingMember[][]> {
    return roots.map((root) => [...(this.pendingAt.get(root) ?? [])]);
  }

  async seal(contactIds: readonly string[]): Promise<Seal[]> {
    return contactIds.map((id) => this.sealOne(id));
  }

  private sealOne(contactId: string): Seal {
    const raw = this.contacts.states.get(contactId) ?? '';
    const sealed = isSealedState(raw) ? raw : `${SEALED_STATE_PREFIX}${raw}`;
    this.contacts.states.set(contactId, sealed);
    const snapshot = sealedSnapshot(sealed);
    return {
      snapshot: snapshot === '' ? emptyState() : decodeState(snapshot),
      outbox: this.contacts.outboxes.get(contactId) ?? '',
    };
  }

  async settle(root: string, absorbed: readonly string[]): Promise<void> {
    const held = this.pendingAt.get(root);
    if (held === undefined) return;
    const kept = held.filter((member) => !absorbed.includes(member.id));
    if (kept.length === 0) this.pendingAt.delete(root);
    else this.pendingAt.set(root, kept);
  }

  private root(contactId: string): string {
    let id = contactId;
    for (let parent = this.parents.get(id); parent !== undefined; parent = this.parents.get(id)) id = parent;
    return id;
  }
}
