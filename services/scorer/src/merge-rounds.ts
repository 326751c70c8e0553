import { mergedFromOf, type LeadEvent } from '@leadscore/engine';
import type { PositionedEvent } from './input-positions.js';

/** One decoded message of a chunk: an event, or a merge (applied through the identity forest). */
export type Arrival = PositionedEvent | { readonly merge: LeadEvent };

/** A commit round of a chunk: its events, grouped by contact, then its merges (in arrival order). */
export interface Round {
  readonly eventsByContact: Map<string, PositionedEvent[]>;
  readonly merges: LeadEvent[];
}

/** The ids whose roots in the identity forest `planRounds` needs: every contact of the chunk and both ids of its merges. */
export function idsToResolve(arrivals: readonly Arrival[]): string[] {
  const ids = new Set<string>();
  for (const arrival of arrivals) {
    if ('merge' in arrival) ids.add(arrival.merge.contactId).add(mergedFromOf(arrival.merge)!);
    else ids.add(arrival.event.contactId);
  }
  return [...ids];
}

/**
 * Plans a chunk holding merges as replay reads a file, in as few commit rounds as that allows.
 * A merge only touches the trees it links: its two ids' trees, found by their roots before the
 * chunk (links only join trees, so every tree a merge of the chunk links has one of those roots
 * before it). The merges' trees form components (a union-find over each merge's ids and roots);
 * only within a component must a contact's events stay before or after a merge as they arrived.
 * So round r holds every component's events after its r-th run of merges and before its next
 * one, then that next run; a contact in no component (its tree is linked by no merge of the
 * chunk) has all its events in round 0. A chunk whose merges each touch other contacts takes
 * two rounds, whatever its number of merges.
 * @param rootOf the root of each id of `idsToResolve` before the chunk (itself when it has none)
 */
export function planRounds(arrivals: readonly Arrival[], rootOf: ReadonlyMap<string, string>): Round[] {
  const components = new Components();
  for (const arrival of arrivals) {
    if (!('merge' in arrival)) continue;
    const target = arrival.merge.contactId;
    const source = mergedFromOf(arrival.merge)!;
    components.join(target, source, rootOf.get(target) ?? target, rootOf.get(source) ?? source);
  }
  const rounds: Round[] = [{ eventsByContact: new Map(), merges: [] }];
  const roundOf = new Map<string, number>(); // component → the round its next event goes to
  const afterMerge = new Set<string>(); // components whose last arrival so far is a merge
  const roundAt = (index: number): Round => {
    while (rounds.length <= index) rounds.push({ eventsByContact: new Map(), merges: [] });
    return rounds[index]!;
  };
  for (const arrival of arrivals) {
    if ('merge' in arrival) {
      const component = components.of(arrival.merge.contactId)!;
      roundAt(roundOf.get(component) ?? 0).merges.push(arrival.merge);
      afterMerge.add(component);
      continue;
    }
    const contactId = arrival.event.contactId;
    const component = components.of(contactId) ?? components.of(rootOf.get(contactId) ?? contactId);
    let index = 0;
    if (component !== undefined) {
      index = roundOf.get(component) ?? 0;
      if (afterMerge.delete(component)) roundOf.set(component, (index += 1));
    }
    const { eventsByContact } = roundAt(index);
    const list = eventsByContact.get(contactId);
    if (list) list.push(arrival);
    else eventsByContact.set(contactId, [arrival]);
  }
  return rounds;
}

/** A union-find over ids: the components of the trees a chunk's merges link. */
class Components {
  private readonly parent = new Map<string, string>();

  join(...ids: readonly string[]): void {
    const [first, ...rest] = ids.map((id) => this.add(id));
    for (const id of rest) {
      const a = this.find(first!);
      const b = this.find(id);
      if (a !== b) this.parent.set(b, a);
    }
  }

  /** The component's name (one of its ids), or undefined for an id no merge of the chunk touches. */
  of(id: string): string | undefined {
    return this.parent.has(id) ? this.find(id) : undefined;
  }

  private add(id: string): string {
    if (!this.parent.has(id)) this.parent.set(id, id);
    return id;
  }

  private find(id: string): string {
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(id, root);
    return root;
  }
}
