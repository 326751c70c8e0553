import { decodeState, emptyState } from '@leadscore/engine';
import { isSealedState } from '@leadscore/redis-layout';
import type { StateCommit, StoredState } from '../../src/contact-state-store.js';
import type { ContactStore } from '../../src/contact-updater.js';

/**
 * ContactStateStore's read / commit / clearOutboxes in memory, with the semantics of its Lua
 * scripts (pinned to them by test/integration/store-fakes.test.ts):
 *
 *  - commit (commit-state-2.lua): writes the state only if it is still the value read ('' when
 *    absent), and replaces the outbox with the one given ('' deletes it);
 *  - clear (clear-outbox-1.lua): deletes the outbox only if it still holds the value produced.
 *
 * Each call is atomic here; a scheduler that interleaves writers wraps the calls (see
 * simulation/gated-dependencies.ts).
 */
export class InMemoryContactStore implements ContactStore {
  readonly states = new Map<string, string>();
  readonly outboxes = new Map<string, string>();
  /** The decay index: contactId → next expiry (epoch ms). */
  readonly decayIndex = new Map<string, number>();
  /** Every outbox a commit wrote, in commit order: the outputs the protocol owes, for checks. */
  readonly committedOutboxes: string[] = [];

  async read(contactIds: readonly string[], clears?: ReadonlyMap<string, string>): Promise<Map<string, StoredState>> {
    await this.clearOutboxes(clears ?? new Map());
    const out = new Map<string, StoredState>();
    for (const id of contactIds) {
      const raw = this.states.get(id) ?? '';
      const outbox = this.outboxes.get(id) ?? '';
      if (isSealedState(raw)) out.set(id, { raw, state: emptyState(), outbox, sealed: true });
      else out.set(id, { raw, state: raw === '' ? emptyState() : decodeState(raw), outbox });
    }
    return out;
  }

  async commit(commits: readonly StateCommit[], clears?: ReadonlyMap<string, string>): Promise<Set<string>> {
    const conflicts = new Set<string>();
    if (commits.length === 0) return conflicts;
    await this.clearOutboxes(clears ?? new Map());
    for (const c of commits) {
      if (!this.commitOne(c.contactId, c.expected, c.encoded, c.outbox)) conflicts.add(c.contactId);
      if (c.expiryIndexed === true) continue;
      if (c.nextExpiryAt === null) this.decayIndex.delete(c.contactId);
      else this.decayIndex.set(c.contactId, c.nextExpiryAt);
    }
    return conflicts;
  }

  async clearOutboxes(produced: ReadonlyMap<string, string>): Promise<void> {
    if (produced.size === 0) return;
    for (const [contactId, outbox] of produced) this.clearOne(contactId, outbox);
  }

  /** commit-state-2.lua for one contact: true when committed. */
  commitOne(contactId: string, expected: string, value: string, outbox: string): boolean {
    if ((this.states.get(contactId) ?? '') !== expected) return false;
    this.states.set(contactId, value);
    if (outbox === '') {
      this.outboxes.delete(contactId);
      return true;
    }
    this.outboxes.set(contactId, outbox);
    this.committedOutboxes.push(outbox);
    return true;
  }

  /** clear-outbox-1.lua for one contact: true when cleared. */
  clearOne(contactId: string, produced: string): boolean {
    if (this.outboxes.get(contactId) !== produced) return false;
    this.outboxes.delete(contactId);
    return true;
  }
}
