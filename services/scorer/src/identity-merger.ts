import { mergedFromOf, type CompiledGrid, type ContactState, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import type { ContactStore, ContactUpdater } from './contact-updater.js';
import type { IdentityStore, PendingMember } from './identity-store.js';
import { applyInputs } from './apply-inputs.js';
import { absorbMembers, asMemberInput } from './member-positions.js';
import { decodeOutbox, type OwedOutput } from './outbox-codec.js';
import type { PositionedEvent } from './input-positions.js';
import { ScorerError } from './scorer-error.js';
import type { CrashPoint } from './crash-points.js';

export interface IdentityMergerDeps {
  readonly identity: IdentityStore;
  readonly updater: ContactUpdater;
  readonly store: ContactStore;
  /** Takes merged-away contacts off the sweep indexes (ContactStateStore.dropFromIndexes). */
  readonly unindex?: (contactIds: readonly string[]) => Promise<void>;
  readonly crashPoint?: CrashPoint | undefined;
  /** `leadscore rebuild`: nothing produced, so a member's outbox is left for a scorer to produce. */
  readonly silent?: boolean | undefined;
}

/** A root that was itself merged away while a step worked on it is re-resolved at most this often. */
const MAX_ROOT_HOPS = 10;

/**
 * The streaming merge (docs/identity.md "The streaming merge"), beside event scoring:
 *
 *  - `merge`: links the two trees in the identity forest (one atomic script: the merge's only
 *    decision), then absorbs into the root the last state of every contact pending there. Each
 *    is sealed first (its value becomes `M|<last state>`, so its own writers can never commit to
 *    it again), and the union is committed with the root's compare-and-set and outbox, each
 *    member marked in the root's state so it is never absorbed twice.
 *  - `applyRedirected`: events of sealed contacts, applied to their root under the member's own
 *    input positions (member-positions.ts), so they are recognised on redelivery exactly.
 *
 * A crash anywhere leaves a state that the redelivery of the same chunk completes: a repeated
 * link links nothing and the absorb of what is still pending runs again; a repeated seal
 * returns the same last state. No lock is held across a network call.
 */
export class IdentityMerger {
  constructor(private readonly deps: IdentityMergerDeps) {}

  /**
   * Applies validated `contact_merged` events of one round of a chunk (merge-rounds.ts: no event
   * of a tree they link between them): each is linked in turn, then what is pending at their
   * roots is absorbed in one round, as a redelivery completes merges a crash cut short.
   * @returns the score changes committed (the targets' and the members')
   */
  async merge(events: readonly LeadEvent[], now: number): Promise<ScoreChange[]> {
    const links = events.map((event) => {
      const mergedFrom = mergedFromOf(event);
      if (mergedFrom === undefined) throw new RangeError('IdentityMerger.merge needs contact_merged events');
      return { mergedFrom, contactId: event.contactId, eventId: event.eventId, occurredAt: event.occurredAt };
    });
    // issued in one tick: Redis runs them in this order (one connection, one slot), in one round trip
    const roots = await settledAll(links.map((link) => this.deps.identity.link(link)));
    // a later merge of the run may have linked an earlier one's root into another tree
    return this.absorbPending(roots.length > 1 ? await this.deps.identity.roots(roots) : roots, now, true);
  }

  /**
   * Absorbs what is pending at the roots (following each one merged away meanwhile).
   * @param afterLink the trees were just linked: the 'after-identity-link' crash point fires
   *   before the first seal, and only where the link left members to absorb, so a redelivered
   *   chunk whose merges all completed replays without rolling it again (under fault injection
   *   a long backlog of completed merges would otherwise kill every restart)
   */
  async absorbPending(roots: readonly string[], now: number, afterLink = false): Promise<ScoreChange[]> {
    const { identity, updater, store, unindex } = this.deps;
    const all: ScoreChange[] = [];
    let current = [...new Set(roots)];
    for (let hop = 0; hop < MAX_ROOT_HOPS; hop += 1) {
      const lists = await identity.pending(current);
      const pendingAt = new Map<string, PendingMember[]>();
      current.forEach((root, i) => {
        if (lists[i]!.length > 0) pendingAt.set(root, lists[i]!);
      });
      if (pendingAt.size === 0) return all;
      if (afterLink && hop === 0) this.deps.crashPoint?.('after-identity-link');
      const members = [...pendingAt.values()].flat();
      const seals = await identity.seal(members.map((member) => member.id));
      this.deps.crashPoint?.('after-seal');
      const snapshots = new Map<string, ContactState>();
      const owedBy = new Map<string, OwedOutput[]>();
      const outboxes = new Map<string, string>();
      members.forEach(({ id }, i) => {
        const { snapshot, outbox } = seals[i]!;
        snapshots.set(id, snapshot);
        // what the member committed but maybe never produced: owed by the root's commit that
        // absorbs it, before the member's drop to 0 (same ids)
        owedBy.set(id, decodeOutbox(outbox));
        if (outbox !== '') outboxes.set(id, outbox);
      });
      const sealedRoots = new Set<string>();
      const changes = await updater.update(
        [...pendingAt.keys()],
        now,
        new Map(),
        (rootId, stored, grid: CompiledGrid) => {
          sealedRoots.delete(rootId);
          const pending = pendingAt.get(rootId)!;
          const absorbed = absorbMembers(grid, rootId, stored.state, pending, snapshots, now);
          const merged = pending
            .filter((member) => absorbed.absorbed.includes(member.id))
            .map((member) => ({ contactId: member.id, mergedInto: rootId, mergeEventId: member.cause, occurredAt: member.at }));
          const carried = absorbed.absorbed.flatMap((id) => owedBy.get(id) ?? []);
          return { state: absorbed.state, changes: absorbed.changes, merged, carried };
        },
        { onSealed: (rootId) => sealedRoots.add(rootId) },
      );
      all.push(...changes);
      // every id pending at a root not merged away is in the root's state now (absorbed here or
      // before); a root merged into another tree meanwhile took its pending ids there with it
      const settled = [...pendingAt].filter(([root]) => !sealedRoots.has(root));
      const ids = settled.flatMap(([, pending]) => pending.map((member) => member.id));
      const settledIds = new Set(ids);
      const cleared = new Map([...outboxes].filter(([id]) => settledIds.has(id)));
      // issued in one tick: with auto-pipelining, one round trip per Redis node
      await settledAll([
        ...settled.map(([root, pending]) =>
          identity.settle(
            root,
            pending.map((member) => member.id),
          ),
        ),
        ...(this.deps.silent ? [] : [store.clearOutboxes(cleared)]),
        ...(unindex ? [unindex(ids)] : []),
      ]);
      if (sealedRoots.size === 0) return all;
      current = [...new Set(await identity.roots([...sealedRoots]))];
    }
    throw new ScorerError(ErrorCode.StateConflict, `a merge's root kept being merged away (${MAX_ROOT_HOPS} times)`);
  }

  /**
   * Applies the events of sealed contacts (member → its events of this chunk) to their roots.
   * @returns the score changes committed
   */
  async applyRedirected(redirected: ReadonlyMap<string, readonly PositionedEvent[]>, now: number): Promise<ScoreChange[]> {
    const { identity, updater } = this.deps;
    const all: ScoreChange[] = [];
    let pending = new Map(redirected);
    for (let hop = 0; hop < MAX_ROOT_HOPS && pending.size > 0; hop += 1) {
      const byRoot = new Map<string, PositionedEvent[]>();
      const membersOf = new Map<string, string[]>();
      const members = [...pending.keys()];
      const roots = await identity.roots(members);
      for (const [i, member] of members.entries()) {
        const events = pending.get(member)!;
        const root = roots[i]!;
        if (root === member)
          throw new ScorerError(ErrorCode.StateConflict, 'a sealed contact has no root in the identity forest');
        const inputs = byRoot.get(root) ?? [];
        for (const input of events) inputs.push(asMemberInput(root, member, input));
        byRoot.set(root, inputs);
        membersOf.set(root, [...(membersOf.get(root) ?? []), member]);
      }
      // A member's events count after its own history and everything merged before it: a root
      // with members still pending (a merge cut short by a crash, or in flight on another
      // partition) absorbs them first, so a re-sent event is recognised by the union's ring.
      all.push(...(await this.absorbPending([...byRoot.keys()], now)));
      const again = new Map<string, readonly PositionedEvent[]>();
      const changes = await updater.update(
        [...byRoot.keys()],
        now,
        new Map(),
        (root, stored, grid) => {
          for (const member of membersOf.get(root)!) again.delete(member);
          return applyInputs(grid, stored, byRoot.get(root)!, now);
        },
        {
          keepIndexedExpiry: true,
          onSealed: (root) => {
            for (const member of membersOf.get(root)!) again.set(member, pending.get(member)!);
          },
        },
      );
      all.push(...changes);
      pending = again;
    }
    if (pending.size > 0) throw new ScorerError(ErrorCode.StateConflict, `roots kept being merged away (${MAX_ROOT_HOPS} times)`);
    return all;
  }
}

/**
 * Awaits calls issued together, then reports the first failure: none is still in flight when
 * the chunk is retried after it.
 */
async function settledAll<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const done = await Promise.allSettled(calls);
  const failed = done.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return done.map((result) => (result as PromiseFulfilledResult<T>).value);
}
