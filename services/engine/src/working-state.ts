import type { CompiledGrid, CompiledRule } from './compile-grid.js';
import { normalizeState, type ContactState, type CounterState, type PropertyEntry } from './contact-state.js';
import { cyrb53, fromBase64Digits, RECENT_KEY_CHARS, toBase64Digits } from './hash.js';
import type { LeadEvent } from './lead-event.js';
import { thresholdCrossings, type Crossing } from './score-change.js';
import { inWindow, utcDay } from './utc-day.js';

/**
 * A contact's state owned by one caller and changed in place, for hot loops that apply many
 * events at one fixed `now` (replay, backtests, benchmarks). `applyEvent` (apply-event.ts) with
 * the immutable ContactState stays the reference: `applyInPlace` gives, event by event, the same
 * duplicates, scores, sequences and crossings, and `toContactState` the same state
 * (test/working-state.test.ts checks it on random sequences). Nothing is copied per event:
 * counts live in an array indexed by `CompiledCounter.index`, windowed days in one Map per
 * counter made once, the recent ids in a ring with a membership index.
 */
export class WorkingState {
  sequence: number;
  score: number;
  evaluatedAt: number | null;
  /** All-time counts by counter index (0: absent); a plain array of small integers, cheaper to make than a typed one. */
  readonly totals: number[];
  /** Windowed counters by counter index: UTC day → count; undefined while empty. */
  readonly days: (Map<number, number> | undefined)[];
  readonly properties: Map<string, PropertyEntry>;
  /**
   * The recent ids' keys as numbers (the 36 bits `recentKey` writes as 6 characters: no string
   * per event), in a ring of at most `dedupe.recent`, oldest at `head` once full. Membership is
   * a scan: at most 1024 unboxed doubles, 32 by default, and no index to keep (a Map keyed by
   * numbers beyond 31 bits boxes each key).
   */
  private readonly ring: number[] = [];
  private head = 0;
  readonly inputPositions: ReadonlyMap<string, number>;

  /** `state` undefined: a new contact (an empty state, without making one). */
  constructor(
    readonly compiled: CompiledGrid,
    readonly now: number,
    state?: ContactState,
  ) {
    this.totals = new Array<number>(compiled.counterList.length).fill(0);
    this.days = new Array<Map<number, number> | undefined>(compiled.counterList.length).fill(undefined);
    if (state === undefined) {
      this.sequence = 0;
      this.score = 0;
      this.evaluatedAt = null;
      this.properties = new Map();
      this.inputPositions = NO_POSITIONS;
      return;
    }
    const base = normalizeState(compiled, state, now);
    this.sequence = base.sequence;
    this.score = base.score;
    this.evaluatedAt = base.evaluatedAt;
    for (const [key, counter] of base.counters) {
      const index = (compiled.counters.get(key) as { index: number }).index;
      if (counter.kind === 'total') this.totals[index] = counter.count;
      else this.days[index] = new Map(counter.days);
    }
    this.properties = new Map(base.properties);
    for (const key of base.recent) this.remember(fromBase64Digits(key));
    this.inputPositions = base.inputPositions;
  }

  /** Whether `key` (a `recentKeyNumber`) is among the recent ids. */
  hasRecent(key: number): boolean {
    const ring = this.ring;
    for (let i = 0; i < ring.length; i += 1) if (ring[i] === key) return true;
    return false;
  }

  /** Appends a key to the recent ids, dropping the oldest beyond the grid's `dedupe.recent`. */
  remember(key: number): void {
    const limit = this.compiled.recentLimit;
    if (this.ring.length < limit) this.ring.push(key);
    else {
      this.ring[this.head] = key;
      this.head = (this.head + 1) % limit;
    }
  }

  /** The recent ids (`recentKey` text), oldest first. */
  recent(): string[] {
    const keys: string[] = [];
    const size = this.ring.length;
    for (let i = 0; i < size; i += 1) keys.push(toBase64Digits(this.ring[(this.head + i) % size] as number, RECENT_KEY_CHARS));
    return keys;
  }

  /** A ContactState equal to what the same events give through `applyEvent` (a copy: this stays usable). */
  toContactState(): ContactState {
    const counters = new Map<string, CounterState>();
    for (const counter of this.compiled.counterList) {
      const total = this.totals[counter.index] as number;
      if (total !== 0) counters.set(counter.key, { kind: 'total', count: total });
      const days = this.days[counter.index];
      if (days !== undefined) counters.set(counter.key, { kind: 'daily', days: new Map(days) });
    }
    return {
      sequence: this.sequence,
      score: this.score,
      evaluatedAt: this.evaluatedAt,
      counters,
      properties: new Map(this.properties),
      recent: this.recent(),
      inputPositions: new Map(this.inputPositions),
    };
  }
}

/** The input positions of a new contact (never changed: the engine does not write them). */
const NO_POSITIONS: ReadonlyMap<string, number> = new Map();

/** What one `applyInPlace` did; one object per grid, overwritten by the next call (read it before). */
export interface InPlaceResult {
  /** The event's id was already counted: nothing changed. */
  duplicate: boolean;
  /** Whether the state changed (must be written back). */
  stateChanged: boolean;
  previousScore: number;
  score: number;
  /** The new sequence when the score changed (an output), else the current one. */
  sequence: number;
  /** Threshold crossings of the score change; empty without one. */
  crossings: readonly Crossing[];
}

/** `recentKey` as the number its characters write: the low 36 bits of the eventId's cyrb53. */
export function recentKeyNumber(eventId: string): number {
  return cyrb53(eventId) % RECENT_KEY_SPAN;
}

const RECENT_KEY_SPAN = 2 ** (6 * RECENT_KEY_CHARS);

const NO_CROSSINGS: readonly Crossing[] = [];

/** Per grid: the reusable result and scratch arrays (the hot path allocates none). */
interface Scratch {
  readonly result: InPlaceResult;
  readonly matched: number[];
  readonly counts: Float64Array;
}

const scratchOf = new WeakMap<CompiledGrid, Scratch>();

function scratch(compiled: CompiledGrid): Scratch {
  let s = scratchOf.get(compiled);
  if (s === undefined) {
    s = {
      result: { duplicate: false, stateChanged: false, previousScore: 0, score: 0, sequence: 0, crossings: NO_CROSSINGS },
      matched: [],
      counts: new Float64Array(compiled.rules.length),
    };
    scratchOf.set(compiled, s);
  }
  return s;
}

/** The clamped total of a working state at its `now`: the same pass as score-at.ts's `score`. */
export function workingTotal(state: WorkingState): number {
  const { compiled, now } = state;
  const rules = compiled.rules;
  const counts = scratch(compiled).counts;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    if (rule.kind !== 'counting') continue;
    const counter = rule.counter;
    if (counter.windowDays === null) counts[i] = Math.min(state.totals[counter.index] as number, counter.saturation);
    else {
      let n = 0;
      const days = state.days[counter.index];
      if (days !== undefined) for (const [day, count] of days) if (inWindow(day, now, counter.windowDays)) n += count;
      counts[i] = n;
    }
  }
  let total = 0;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    if (rule.kind === 'counting') total += rule.contribution(counts[i] as number);
    else if (rule.kind === 'condition') total += rule.holds(counts) ? rule.points : 0;
    else total += rule.holds(state.properties.get(rule.property)?.value) ? rule.points : 0;
  }
  return Math.min(compiled.bounds.max, Math.max(compiled.bounds.min, total));
}

/** Counts the matched counters (indexes in `matched[0..n)`) in place; whether any count changed. */
function countInPlace(state: WorkingState, event: LeadEvent, matched: readonly number[], n: number): boolean {
  let changed = false;
  for (let m = 0; m < n; m += 1) {
    const counter = state.compiled.counterList[matched[m] as number];
    if (counter === undefined || counter.saturation === 0) continue;
    if (counter.windowDays === null) {
      const count = state.totals[counter.index] as number;
      if (count >= counter.saturation) continue; // saturated: more changes nothing
      state.totals[counter.index] = count + 1;
      changed = true;
      continue;
    }
    const day = utcDay(event.occurredAt);
    if (!inWindow(day, state.now, counter.windowDays)) continue; // too old to ever count
    let days = state.days[counter.index];
    if (days === undefined) days = state.days[counter.index] = new Map();
    days.set(day, (days.get(day) ?? 0) + 1);
    changed = true;
  }
  return changed;
}

/** Sets the properties a `contact_updated` carries (latest occurredAt wins); whether any changed. */
function updateInPlace(state: WorkingState, event: LeadEvent): boolean {
  let changed = false;
  for (const name in event.properties) {
    if (!Object.hasOwn(event.properties, name) || !state.compiled.propertyRules.has(name)) continue;
    const entry = state.properties.get(name);
    const newer =
      entry === undefined || event.occurredAt > entry.at || (event.occurredAt === entry.at && event.eventId > entry.eventId);
    if (!newer) continue;
    state.properties.set(name, { value: event.properties[name] ?? null, at: event.occurredAt, eventId: event.eventId });
    changed = true;
  }
  return changed;
}

/**
 * `applyEvent` on a working state, at the state's `now` (docs/scoring-contract.md §3): a
 * matching event already among the recent ids is a duplicate; any other joins them; a score
 * change bumps the sequence. No breakdowns are computed, and the score only when a count or a
 * property changed (or for a new contact's baseline). The result is overwritten by the next call.
 */
export function applyInPlace(state: WorkingState, event: LeadEvent): InPlaceResult {
  const compiled = state.compiled;
  const s = scratch(compiled);
  const result = s.result;
  result.duplicate = false;
  result.stateChanged = false;
  result.previousScore = state.score;
  result.score = state.score;
  result.sequence = state.sequence;
  result.crossings = NO_CROSSINGS;

  let n = 0;
  let matching = false;
  const matchers = compiled.matchersByType.get(event.type);
  if (matchers !== undefined) {
    for (const counter of matchers) {
      if (!counter.matches(event)) continue;
      matching = true;
      if (counter.saturation !== 0) s.matched[n++] = counter.index;
    }
  }
  if (!matching && event.type === compiled.contactUpdateType) {
    for (const name in event.properties) {
      if (Object.hasOwn(event.properties, name) && compiled.propertyRules.has(name)) {
        matching = true;
        break;
      }
    }
  }
  let changed = false;
  if (matching) {
    const key = recentKeyNumber(event.eventId);
    if (state.hasRecent(key)) {
      result.duplicate = true;
      return result;
    }
    changed = countInPlace(state, event, s.matched, n);
    if (event.type === compiled.contactUpdateType && updateInPlace(state, event)) changed = true;
    state.remember(key);
    result.stateChanged = true;
  }
  // A contact's first event establishes its baseline (see applyEvent): evaluated even unchanged.
  if (!changed && state.evaluatedAt !== null) return result;
  const score = workingTotal(state);
  if (!matching && score === state.score) return result; // not matching and no baseline to emit
  result.stateChanged = true;
  state.evaluatedAt = state.now;
  if (score === state.score) return result;
  result.crossings = thresholdCrossings(compiled, state.score, score);
  state.sequence += 1;
  state.score = score;
  result.score = score;
  result.sequence = state.sequence;
  return result;
}
