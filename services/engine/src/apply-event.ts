import type { CompiledCounter, CompiledGrid } from './compile-grid.js';
import {
  countsAt,
  lastEmitted,
  normalizeState,
  type ContactState,
  type CounterState,
  type PropertyEntry,
} from './contact-state.js';
import { recentKey } from './hash.js';
import type { LeadEvent } from './lead-event.js';
import { totalAt, totalsAt } from './score-at.js';
import { evaluate, unchanged, type Evaluation } from './score-change.js';
import { utcDay } from './utc-day.js';

/** Whether (at, eventId) is later than an entry: latest occurredAt wins, ties to the larger eventId. */
export function isNewer(at: number, eventId: string, entry: PropertyEntry | undefined): boolean {
  if (entry === undefined) return true;
  return at > entry.at || (at === entry.at && eventId > entry.eventId);
}

/** No stored counter counts the event, yet it is matching (a `points: 0` rule nothing reads, or a property update). */
const MATCHING_UNCOUNTED: readonly CompiledCounter[] = [];

/**
 * The stored counters whose `on` and `where` the event passes, or null when the event is not
 * matching (docs/scoring-contract.md §3): matching means it passes some counting rule's `on`
 * and `where` (whatever the rule's window, limit or tiers, stored or not), or it is a
 * `contact_updated` carrying a property some property rule reads. Each `where` runs once.
 */
function matchedCounters(compiled: CompiledGrid, event: LeadEvent): readonly CompiledCounter[] | null {
  let matched: CompiledCounter[] | undefined;
  let matching = false;
  for (const counter of compiled.matchersByType.get(event.type) ?? []) {
    if (!counter.matches(event)) continue;
    matching = true;
    if (counter.saturation !== 0) (matched ??= []).push(counter);
  }
  if (matched !== undefined) return matched;
  if (matching) return MATCHING_UNCOUNTED;
  if (event.type !== compiled.contactUpdateType) return null;
  for (const name in event.properties) if (compiled.propertyRules.has(name)) return MATCHING_UNCOUNTED;
  return null;
}

/** Whether the event is matching (docs/scoring-contract.md §3): only matching events enter the contact's recent ids. */
export function isMatching(compiled: CompiledGrid, event: LeadEvent): boolean {
  return matchedCounters(compiled, event) !== null;
}

/** The recent ids with `key` appended, the oldest dropped beyond `limit`. */
function remember(recent: readonly string[], key: string, limit: number): string[] {
  const kept = recent.length >= limit ? recent.slice(recent.length - limit + 1) : recent.slice();
  kept.push(key);
  return kept;
}

/** A counter after one more matching event, or null when it does not count it. */
function counted(
  counter: CompiledCounter,
  current: CounterState | undefined,
  event: LeadEvent,
  now: number,
): CounterState | null {
  if (!counter.daily) {
    const count = current?.kind === 'total' ? current.count : 0;
    if (count >= counter.saturation) return null; // saturated: more changes nothing
    return { kind: 'total', count: count + 1 };
  }
  const day = utcDay(event.occurredAt);
  if (!countsAt(counter, day, now)) return null; // too old to ever count
  const days = new Map(current?.kind === 'daily' ? current.days : undefined);
  days.set(day, (days.get(day) ?? 0) + 1);
  return { kind: 'daily', days };
}

/** The contact's properties after a `contact_updated` (latest occurredAt wins), or undefined when none changes. */
function updatedProperties(compiled: CompiledGrid, base: ContactState, event: LeadEvent): Map<string, PropertyEntry> | undefined {
  if (event.type !== compiled.contactUpdateType) return undefined;
  let properties: Map<string, PropertyEntry> | undefined;
  for (const [name, value] of Object.entries(event.properties)) {
    if (!compiled.propertyRules.has(name)) continue;
    if (!isNewer(event.occurredAt, event.eventId, base.properties.get(name))) continue;
    properties ??= new Map(base.properties);
    properties.set(name, { value, at: event.occurredAt, eventId: event.eventId });
  }
  return properties;
}

/**
 * Applies one validated event to a contact's state at `now` (epoch ms), in the order a stream
 * delivers it. The event's contactId names the contact; the caller must pass that contact's
 * state. A matching event whose id is among the contact's recent ids is a duplicate: nothing
 * changes. Any other matching event joins the recent ids (so the state changes even when no
 * count does, e.g. a saturated rule). A non-matching event changes nothing. No output unless
 * the score changes (except a contact's first event, which emits the baseline score of an
 * empty state if it is not 0).
 *
 * Cost: bounded by the grid and `dedupe.recent`, never by the contact's history.
 */
export function applyEvent(compiled: CompiledGrid, state: ContactState, event: LeadEvent, now: number): Evaluation {
  const matched = matchedCounters(compiled, event);
  if (matched === null) {
    // A contact's first event establishes its baseline: with rules such as `exists: false`
    // an empty state can already score, and that score must be emitted once.
    const base = normalizeState(compiled, state, now);
    const baseline = state.evaluatedAt === null && scoresDiffer(compiled, base, state, now);
    if (!baseline) return unchanged(compiled, state, now, false);
    return evaluate({
      compiled,
      contactId: event.contactId,
      before: state,
      after: base,
      changed: true,
      now,
      cause: cause(event),
    });
  }
  const key = recentKey(event.eventId);
  const base = normalizeState(compiled, state, now);
  if (base.recent.includes(key)) return unchanged(compiled, state, now, true);

  let counters: Map<string, CounterState> | undefined;
  for (const counter of matched) {
    const next = counted(counter, base.counters.get(counter.key), event, now);
    if (next === null) continue;
    counters ??= new Map(base.counters);
    counters.set(counter.key, next);
  }
  const properties = updatedProperties(compiled, base, event);
  const recent = remember(base.recent, key, compiled.recentLimit);
  if (counters === undefined && properties === undefined && state.evaluatedAt !== null) {
    // Only the recent ids change (a saturated rule, an event too old for its window): the
    // score cannot, so nothing is evaluated and nothing emitted, as for any event that changes
    // no count (a window that expired since is the sweeper's to emit: docs/scoring-decisions.md).
    return unchanged(compiled, { ...state, recent }, now, false, true);
  }
  const after: ContactState = {
    ...base,
    counters: counters ?? base.counters,
    properties: properties ?? base.properties,
    recent,
  };
  return evaluate({ compiled, contactId: event.contactId, before: state, after, changed: true, now, cause: cause(event) });
}

/** Whether some score of `base` at `now` differs from its last emitted value in `state`. */
function scoresDiffer(compiled: CompiledGrid, base: ContactState, state: ContactState, now: number): boolean {
  if (!compiled.multiScore) return totalAt(compiled, base, now) !== state.score;
  const values = totalsAt(compiled, base, now);
  return compiled.scores.some((s) => values[s.index] !== lastEmitted(state, s.id));
}

const cause = (event: LeadEvent) => ({ kind: 'event' as const, eventId: event.eventId });
