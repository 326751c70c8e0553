import {
  applyEvent,
  CONTACT_MERGED,
  emptyState,
  mergeContacts,
  mergedFromOf,
  type CompiledGrid,
  type ContactState,
  type LeadEvent,
} from '@leadscore/engine';
import type { EventHistory } from './event-history.js';

export interface ContactEvaluation {
  readonly state: ContactState;
  /** Events kept (those of merged-away contacts included; merges not counted). */
  readonly events: number;
  /** Events left out by `keep`. */
  readonly skipped: number;
}

/**
 * A root contact's state at `now` from the events `keep` keeps, merges included
 * (docs/identity.md): its own list in file order, and at each kept merge the state of the
 * merged-away contact's list (evaluated the same way, recursively) joined in by
 * `mergeContacts`, as replay joins them. A merge `keep` leaves out leaves the merged-away
 * history out with it: as of then, nobody knew the two were one. Pure.
 */
export function evaluateContact(
  compiled: CompiledGrid,
  history: Pick<EventHistory, 'byContact'>,
  contactId: string,
  keep: (event: LeadEvent) => boolean,
  now: number,
): ContactEvaluation {
  let state = emptyState();
  let events = 0;
  let skipped = 0;
  for (const event of history.byContact.get(contactId) ?? []) {
    const merge = event.type === CONTACT_MERGED;
    const from = merge ? (mergedFromOf(event) as string) : undefined;
    if (!keep(event)) {
      if (from === undefined) skipped += 1;
      else skipped += contactEvents(history, from);
      continue;
    }
    if (from === undefined) {
      events += 1;
      state = applyEvent(compiled, state, event, now).state;
      continue;
    }
    const source = evaluateContact(compiled, history, from, keep, now);
    events += source.events;
    skipped += source.skipped;
    const merged = mergeContacts(compiled, {
      event,
      source: { contactId: from, state: source.state },
      target: { contactId, state },
      now,
    });
    state = merged.target.state;
  }
  return { state, events, skipped };
}

/** How many events a contact's list and the lists merged into it hold (merges not counted). */
export function contactEvents(history: Pick<EventHistory, 'byContact'>, contactId: string): number {
  let n = 0;
  for (const event of history.byContact.get(contactId) ?? []) {
    n += event.type === CONTACT_MERGED ? contactEvents(history, mergedFromOf(event) as string) : 1;
  }
  return n;
}
