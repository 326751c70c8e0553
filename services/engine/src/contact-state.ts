import type { CompiledGrid } from './compile-grid.js';
import { inWindow } from './utc-day.js';
import type { PropertyValue } from './value-predicate.js';

/** An all-time counter: distinct events counted, and the dedupe keys it still needs. */
export interface TotalCounterState {
  readonly kind: 'total';
  /** Never above the counter's saturation. */
  readonly count: number;
  /** Dedupe keys (hash of eventId) of counted events; emptied once the counter saturates. */
  readonly seen: readonly string[];
}

/** A windowed counter: UTC day (days since epoch) → dedupe keys of the events of that day. */
export interface DailyCounterState {
  readonly kind: 'daily';
  readonly days: ReadonlyMap<number, readonly string[]>;
}

export type CounterState = TotalCounterState | DailyCounterState;

/** The latest `contact_updated` value of a property; `value: null` is a removal (tombstone). */
export interface PropertyEntry {
  readonly value: PropertyValue;
  /** occurredAt of the event that set it (epoch ms). */
  readonly at: number;
  readonly eventId: string;
}

/**
 * Everything the engine remembers about one contact (spec §3), plus what outputs need:
 * the last emitted score and sequence. Immutable: every operation returns a new state.
 */
export interface ContactState {
  /** Sequence of the last emitted score change (0: none yet). */
  readonly sequence: number;
  /** The last emitted score (0 before any). */
  readonly score: number;
  /** `now` of the evaluation that last changed this state (epoch ms); null for a new contact. */
  readonly evaluatedAt: number | null;
  /** Counter key (a rule-definition fingerprint, see CompiledCounter) → counts. */
  readonly counters: ReadonlyMap<string, CounterState>;
  /** Contact property name → latest value (only properties some property rule reads). */
  readonly properties: ReadonlyMap<string, PropertyEntry>;
}

export function emptyState(): ContactState {
  return { sequence: 0, score: 0, evaluatedAt: null, counters: new Map(), properties: new Map() };
}

/**
 * Fits a state to a grid at `now`: drops counters and properties the grid no longer reads,
 * caps all-time counters at their saturation (forgetting their ids), and prunes the days of
 * windowed counters that can never count again. Returns the same object when nothing changed.
 */
export function normalizeState(compiled: CompiledGrid, state: ContactState, now: number): ContactState {
  let counters: Map<string, CounterState> | undefined;
  for (const [key, counterState] of state.counters) {
    const counter = compiled.counters.get(key);
    let next: CounterState | undefined = counterState;
    if (counter === undefined || counter.saturation === 0) next = undefined;
    else if (counterState.kind === 'total') {
      if (counter.windowDays !== null)
        next = undefined; // cannot happen: windowed is in the key
      else if (
        counterState.count >= counter.saturation &&
        (counterState.seen.length > 0 || counterState.count > counter.saturation)
      ) {
        next = { kind: 'total', count: counter.saturation, seen: [] };
      }
    } else if (counter.windowDays === null) next = undefined;
    else {
      let days: Map<number, readonly string[]> | undefined;
      for (const day of counterState.days.keys()) {
        if (inWindow(day, now, counter.windowDays)) continue;
        days ??= new Map(counterState.days);
        days.delete(day);
      }
      if (days !== undefined) next = days.size === 0 ? undefined : { kind: 'daily', days };
    }
    if (next !== counterState) {
      counters ??= new Map(state.counters);
      if (next === undefined) counters.delete(key);
      else counters.set(key, next);
    }
  }
  let properties: Map<string, PropertyEntry> | undefined;
  for (const name of state.properties.keys()) {
    if (!compiled.propertyRules.has(name)) {
      properties ??= new Map(state.properties);
      properties.delete(name);
    }
  }
  if (counters === undefined && properties === undefined) return state;
  return { ...state, counters: counters ?? state.counters, properties: properties ?? state.properties };
}
