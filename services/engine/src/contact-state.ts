import type { CompiledCounter, CompiledGrid } from './compile-grid.js';
import { worthAt } from './decay.js';
import { DEFAULT_SCORE_ID } from './grid-types.js';
import { inWindow } from './utc-day.js';
import type { PropertyValue } from './value-predicate.js';

/** An all-time counter: how many distinct matching events it counted. */
export interface TotalCounterState {
  readonly kind: 'total';
  /** Never above the counter's saturation. */
  readonly count: number;
}

/** A windowed counter: UTC day (days since epoch) → distinct matching events of that day. */
export interface DailyCounterState {
  readonly kind: 'daily';
  readonly days: ReadonlyMap<number, number>;
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
 * Everything the engine remembers about one contact (docs/scoring-contract.md §3), plus what outputs need:
 * the last emitted score and sequence. Immutable: every operation returns a new state.
 * Bounded by the grid and its `dedupe.recent`, never by the contact's history.
 */
export interface ContactState {
  /** Sequence of the last emitted score change (0: none yet). */
  readonly sequence: number;
  /** The last emitted value of the score `score` (0 before any): a grid's one score, or its score of that id. */
  readonly score: number;
  /**
   * The last emitted values of the grid's other scores by score id (absent: 0), for a grid
   * with `scores` (docs/scoring-decisions.md "Several scores"). Undefined when there are none.
   */
  readonly scores?: ReadonlyMap<string, number> | undefined;
  /** `now` of the evaluation that last changed this state (epoch ms); null for a new contact. */
  readonly evaluatedAt: number | null;
  /** Counter key (a rule-definition fingerprint, see CompiledCounter) → counts. */
  readonly counters: ReadonlyMap<string, CounterState>;
  /** Contact property name → latest value (only properties some property rule reads). */
  readonly properties: ReadonlyMap<string, PropertyEntry>;
  /**
   * Dedupe keys (`recentKey` of the eventId) of the contact's last matching events, oldest
   * first, at most the grid's `dedupe.recent` of them: an event whose key is here is a duplicate.
   */
  readonly recent: readonly string[];
  /**
   * Input source → position of the last message applied from it, kept by a streaming host
   * (the scorer: Kafka topic-partition → offset) to recognise its own redeliveries exactly.
   * The engine never reads it; every operation carries it over unchanged.
   */
  readonly inputPositions: ReadonlyMap<string, number>;
}

export function emptyState(): ContactState {
  return {
    sequence: 0,
    score: 0,
    evaluatedAt: null,
    counters: new Map(),
    properties: new Map(),
    recent: [],
    inputPositions: new Map(),
  };
}

/**
 * Fits a state to a grid at `now`: drops counters and properties the grid no longer reads, the
 * last emitted values of scores it no longer has,
 * caps all-time counters at their saturation, prunes the days of windowed or decaying counters
 * that can never count again, and keeps only the last `dedupe.recent` ids. Returns the same object when
 * nothing changed.
 */
export function normalizeState(compiled: CompiledGrid, state: ContactState, now: number): ContactState {
  let counters: Map<string, CounterState> | undefined;
  for (const [key, counterState] of state.counters) {
    const next = normalizeCounter(compiled, key, counterState, now);
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
  const tooMany = state.recent.length > compiled.recentLimit;
  const scores = scoresOfGrid(compiled, state.scores);
  // The last emitted `score` of a grid whose scores no longer include one of that id is forgotten.
  const staleScore = state.score !== 0 && !compiled.scores.some((score) => score.id === DEFAULT_SCORE_ID);
  if (counters === undefined && properties === undefined && !tooMany && scores === state.scores && !staleScore) return state;
  return {
    ...state,
    counters: counters ?? state.counters,
    properties: properties ?? state.properties,
    recent: tooMany ? state.recent.slice(-compiled.recentLimit) : state.recent,
    ...(scores !== state.scores && { scores }),
    ...(staleScore && { score: 0 }),
  };
}

/** The last emitted values of scores the grid still has (the same map when it has them all; undefined for none). */
function scoresOfGrid(
  compiled: CompiledGrid,
  scores: ReadonlyMap<string, number> | undefined,
): ReadonlyMap<string, number> | undefined {
  if (scores === undefined) return undefined;
  let kept: Map<string, number> | undefined;
  for (const [id, value] of scores) {
    if (value !== 0 && compiled.scores.some((score) => score.id === id)) continue;
    kept ??= new Map(scores);
    kept.delete(id);
  }
  if (kept === undefined) return scores;
  return kept.size === 0 ? undefined : kept;
}

/** The last emitted value of the score `id` (0 before any). */
export function lastEmitted(state: ContactState, id: string): number {
  return id === DEFAULT_SCORE_ID ? state.score : (state.scores?.get(id) ?? 0);
}

/**
 * `state`'s last emitted values with `values` (by score position of `compiled`) as the new
 * ones: the fields `score` and `scores` to spread into the new state.
 */
export function emittedFields(
  compiled: CompiledGrid,
  state: ContactState,
  values: ArrayLike<number>,
): { score: number; scores: ReadonlyMap<string, number> | undefined } {
  let score = state.score;
  const scores = new Map(state.scores);
  for (const s of compiled.scores) {
    const value = values[s.index] as number;
    if (s.id === DEFAULT_SCORE_ID) score = value;
    else if (value === 0) scores.delete(s.id);
    else scores.set(s.id, value);
  }
  return { score, scores: scores.size === 0 ? undefined : scores };
}

/**
 * Whether the events of UTC day `day` still count for a daily counter at `now`: in its window,
 * or still worth something under its decay. A day that does not can never count again.
 */
export function countsAt(counter: CompiledCounter, day: number, now: number): boolean {
  if (counter.decay !== null) return worthAt(counter.decay, day, now) > 0;
  return inWindow(day, now, counter.windowDays ?? Infinity);
}

/** A counter fitted to the grid at `now`: the same object, a new one, or undefined (drop it). */
function normalizeCounter(
  compiled: CompiledGrid,
  key: string,
  counterState: CounterState,
  now: number,
): CounterState | undefined {
  const counter = compiled.counters.get(key);
  if (counter === undefined || counter.saturation === 0) return undefined;
  if (counterState.kind === 'total') {
    if (counter.daily) return undefined; // cannot happen: windowed and decaying are in the key
    return counterState.count > counter.saturation ? { kind: 'total', count: counter.saturation } : counterState;
  }
  if (!counter.daily) return undefined;
  let days: Map<number, number> | undefined;
  for (const day of counterState.days.keys()) {
    if (countsAt(counter, day, now)) continue;
    days ??= new Map(counterState.days);
    days.delete(day);
  }
  if (days === undefined) return counterState;
  return days.size === 0 ? undefined : { kind: 'daily', days };
}
