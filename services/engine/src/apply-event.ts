import type { CompiledCounter, CompiledGrid } from './compile-grid.js';
import { normalizeState, type ContactState, type CounterState, type PropertyEntry } from './contact-state.js';
import { eventKey } from './hash.js';
import type { LeadEvent } from './lead-event.js';
import { scoreAt } from './score-at.js';
import { evaluate, unchanged, type Evaluation } from './score-change.js';
import { inWindow, utcDay } from './utc-day.js';

/** Whether (at, eventId) is later than an entry: latest occurredAt wins, ties to the larger eventId. */
function isNewer(at: number, eventId: string, entry: PropertyEntry | undefined): boolean {
  if (entry === undefined) return true;
  return at > entry.at || (at === entry.at && eventId > entry.eventId);
}

type CounterUpdate = { readonly counter: CompiledCounter; readonly next: CounterState };

/**
 * Applies one validated event to a contact's state at `now` (epoch ms), in the order a stream
 * delivers it. The event's contactId names the contact; the caller must pass that contact's
 * state. An event already counted (same eventId) is a duplicate: nothing changes. An event
 * that changes no count and no property changes nothing either; in both cases no output
 * (except a contact's first event, which emits the baseline score of an empty state if it
 * is not 0).
 */
export function applyEvent(compiled: CompiledGrid, state: ContactState, event: LeadEvent, now: number): Evaluation {
  const base = normalizeState(compiled, state, now);
  let key: string | undefined;
  const updates: CounterUpdate[] = [];

  for (const counter of compiled.countersByType.get(event.type) ?? []) {
    if (!counter.matches(event)) continue;
    key ??= eventKey(event.eventId);
    const current = base.counters.get(counter.key);
    if (counter.windowDays === null) {
      const total = current?.kind === 'total' ? current : { kind: 'total' as const, count: 0, seen: [] };
      if (total.count >= counter.saturation) continue; // saturated: no count or id to keep
      if (total.seen.includes(key)) return unchanged(compiled, state, now, true);
      const count = total.count + 1;
      const seen = count >= counter.saturation ? [] : [...total.seen, key];
      updates.push({ counter, next: { kind: 'total', count, seen } });
    } else {
      const day = utcDay(event.occurredAt);
      if (!inWindow(day, now, counter.windowDays)) continue; // too old to ever count
      const days = current?.kind === 'daily' ? current.days : new Map<number, readonly string[]>();
      for (const keys of days.values()) if (keys.includes(key)) return unchanged(compiled, state, now, true);
      const next = new Map(days);
      next.set(day, [...(days.get(day) ?? []), key]);
      updates.push({ counter, next: { kind: 'daily', days: next } });
    }
  }

  let properties: Map<string, PropertyEntry> | undefined;
  let seenUpdate = false;
  if (event.type === compiled.contactUpdateType) {
    for (const [name, value] of Object.entries(event.properties)) {
      if (!compiled.propertyRules.has(name)) continue;
      const entry = base.properties.get(name);
      if (entry !== undefined && entry.at === event.occurredAt && entry.eventId === event.eventId) seenUpdate = true;
      if (!isNewer(event.occurredAt, event.eventId, entry)) continue;
      properties ??= new Map(base.properties);
      properties.set(name, { value, at: event.occurredAt, eventId: event.eventId });
    }
  }

  if (updates.length === 0 && properties === undefined) {
    // A contact's first event establishes its baseline: with rules such as `exists: false`
    // an empty state can already score, and that score must be emitted once.
    const baseline = state.evaluatedAt === null && scoreAt(compiled, base, now).score !== state.score;
    if (!baseline) return unchanged(compiled, state, now, seenUpdate);
  }
  let counters = base.counters;
  if (updates.length > 0) {
    const next = new Map(base.counters);
    for (const update of updates) next.set(update.counter.key, update.next);
    counters = next;
  }
  const after: ContactState = { ...base, counters, properties: properties ?? base.properties };
  return evaluate({
    compiled,
    contactId: event.contactId,
    before: state,
    after,
    changed: true,
    now,
    cause: { kind: 'event', eventId: event.eventId },
  });
}
