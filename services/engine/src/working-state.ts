import type { CompiledCountingRule, CompiledGrid, CompiledRule } from './compile-grid.js';
import {
  countsAt,
  emittedFields,
  emptyState,
  lastEmitted,
  normalizeState,
  type ContactState,
  type CounterState,
  type PropertyEntry,
} from './contact-state.js';
import { decayedPoints } from './decay.js';
import { cyrb53, fromBase64Digits, RECENT_KEY_CHARS, toBase64Digits } from './hash.js';
import type { LeadEvent } from './lead-event.js';
import { clamp, scoreValue, type CompiledScore } from './compile-scores.js';
import { DEFAULT_SCORE_ID } from './grid-types.js';
import { scoreAt, scoreOf, type Contribution, type Score } from './score-at.js';
import {
  crossingOf,
  crossingsOf,
  qualifiedCrossingOf,
  scoreChangeOutput,
  scoreChangesOf,
  scoreMovesOf,
  thresholdCrossings,
  type GradeChange,
  type Cause,
  type ChangedContribution,
  type Crossing,
  type ScoreChange,
} from './score-change.js';
import { utcDay } from './utc-day.js';

/**
 * Per grid, where a working state keeps what: counts by `CompiledCounter.index`, the recent ids
 * after them in the same array, and properties by their position among the names property
 * rules read.
 */
export interface Layout {
  /** Counters of the grid: counts occupy `slots[0..counters)`, the ring of recent ids follows. */
  readonly counters: number;
  /** Property name → its position in `WorkingState.propertyEntries`. */
  readonly propertyIndex: ReadonlyMap<string, number>;
  readonly propertyNames: readonly string[];
  /** By rule position: the property position of a property rule (-1 for other rules). */
  readonly propertyOfRule: Int32Array;
  readonly scratch: Scratch;
}

const layoutOf = new WeakMap<CompiledGrid, Layout>();

function layout(compiled: CompiledGrid): Layout {
  let l = layoutOf.get(compiled);
  if (l === undefined) {
    const propertyNames = [...compiled.propertyRules.keys()];
    const propertyIndex = new Map(propertyNames.map((name, i) => [name, i]));
    const propertyOfRule = new Int32Array(compiled.rules.length).fill(-1);
    compiled.rules.forEach((rule, i) => {
      if (rule.kind === 'property') propertyOfRule[i] = propertyIndex.get(rule.property) as number;
    });
    const scratch: Scratch = {
      result: {
        duplicate: false,
        stateChanged: false,
        previousScore: 0,
        score: 0,
        sequence: 0,
        crossings: NO_CROSSINGS,
        output: null,
        outputs: NO_OUTPUTS,
        gradeChange: null,
        emitted: undefined,
        scoredCrossings: NO_SCORED_CROSSINGS,
      },
      matched: [],
      counts: new Float64Array(compiled.rules.length),
      ruleCounts: new Float64Array(compiled.rules.length),
      points: new Float64Array(compiled.rules.length),
      values: new Array<number>(compiled.scores.length).fill(0),
    };
    l = { counters: compiled.counterList.length, propertyIndex, propertyNames, propertyOfRule, scratch };
    layoutOf.set(compiled, l);
  }
  return l;
}

/**
 * A contact's state owned by one caller and changed in place, for loops that apply events at
 * one fixed `now` (replay over a whole file, the scorer over a chunk, benchmarks). `applyEvent`
 * (apply-event.ts) with the immutable ContactState stays the reference: `applyInPlace` gives,
 * event by event, the same duplicates, scores, sequences, crossings and (with `outputs`)
 * score-changed outputs, and `toContactState` the same state (test/working-state.test.ts checks
 * it on random sequences, also from states loaded at another `now` or under another grid).
 * Nothing is copied per event, and a contact is few objects (each
 * one more memory access per event when a replay touches 100 000 contacts at random): the
 * counts and the recent ids share one array, windowed days and properties are made when first
 * needed.
 */
export class WorkingState {
  sequence: number;
  /** The last emitted value of the score `score` (ContactState.score). */
  score: number;
  /** For a grid with `scores`: every score's last emitted value, by score position. */
  readonly emitted: number[] | undefined;
  evaluatedAt: number | null;
  /**
   * `[0, counters)`: by counter index, the count of an all-time counter (0: absent), and for a
   * daily one the sum of its days: every day kept still counts at `now` (a loaded state is
   * normalised at `now`, and only days in the window or still worth something are counted), so
   * that sum is the counter's n at `now`. Then the recent ids' keys as numbers (the 36 bits `recentKey` writes
   * as 6 characters: no string per event), a ring of at most `dedupe.recent`, oldest at `head`
   * once full. Membership is a scan: 32 unboxed doubles by default, at most 1024.
   */
  private readonly slots: number[];
  /** How many recent ids the ring holds (`slots[counters, counters + ringSize)`). */
  private ringSize = 0;
  private head = 0;
  /** Daily (windowed or decaying) counters by counter index: UTC day → count; undefined until one counts. */
  private days: (Map<number, number> | undefined)[] | undefined;
  /** By property position (Layout): the latest entry; undefined until a property is set. */
  private propertyEntries: (PropertyEntry | undefined)[] | undefined;
  readonly inputPositions: ReadonlyMap<string, number>;
  /**
   * The state this was loaded from, until an evaluation replaces its counts and properties with
   * the normalised ones: `applyEvent` keeps a state's counts as they were (days out of the
   * window, counters of another grid) while only its recent ids change, so `toContactState`
   * does too.
   */
  private loaded: ContactState | undefined;
  private recentChanged = false;
  /** The grid's Layout (one look-up per contact, not per event). */
  readonly layout: Layout;

  /**
   * The rules' points at the last evaluation, kept when `outputs`: a score change's changed
   * contributions compare with them (undefined before any: they are the loaded state's then).
   */
  private evaluatedPoints: number[] | undefined;

  /**
   * `state` undefined: a new contact (an empty state, without making one). `outputs`: each
   * score change also builds its score-changed output (`InPlaceResult.output`, as `applyEvent`'s).
   */
  constructor(
    readonly compiled: CompiledGrid,
    readonly now: number,
    state?: ContactState,
    readonly outputs = false,
  ) {
    this.layout = layout(compiled);
    const counters = this.layout.counters;
    // Of doubles from the start, so the array is not copied when the first 36-bit key (not a
    // small integer) arrives; room for RESERVED_RING keys, pushed beyond (each copy survives
    // into the old generation, the garbage collector's work, but most contacts have few events).
    this.slots = new Array<number>(counters + Math.min(compiled.recentLimit, RESERVED_RING)).fill(0.5);
    for (let i = 0; i < counters; i += 1) this.slots[i] = 0;
    if (state === undefined) {
      this.sequence = 0;
      this.score = 0;
      this.emitted = compiled.multiScore ? compiled.scores.map(() => 0) : undefined;
      this.evaluatedAt = null;
      this.inputPositions = NO_POSITIONS;
      return;
    }
    this.loaded = state;
    const base = normalizeState(compiled, state, now);
    this.sequence = base.sequence;
    this.score = base.score;
    this.emitted = compiled.multiScore ? compiled.scores.map((s) => lastEmitted(base, s.id)) : undefined;
    this.evaluatedAt = base.evaluatedAt;
    for (const [key, counter] of base.counters) {
      const index = (compiled.counters.get(key) as { index: number }).index;
      if (counter.kind === 'total') this.slots[index] = counter.count;
      else {
        (this.days ??= new Array<Map<number, number> | undefined>(counters).fill(undefined))[index] = new Map(counter.days);
        let n = 0;
        for (const count of counter.days.values()) n += count;
        this.slots[index] = n;
      }
    }
    const { propertyIndex } = this.layout;
    for (const [name, entry] of base.properties) this.setProperty(propertyIndex.get(name) as number, entry);
    for (const key of base.recent) this.pushRecent(fromBase64Digits(key));
    this.inputPositions = base.inputPositions;
  }

  /** n of the counter at `index` (all-time: its count; daily: the sum of its days). */
  count(index: number): number {
    return this.slots[index] as number;
  }

  /** Counts one more event of UTC day `day` for the counter at `index` (daily: `day` still counts at `now`). */
  addCount(index: number, daily: boolean, day: number): void {
    this.slots[index] = (this.slots[index] as number) + 1;
    if (!daily) return;
    const all = (this.days ??= new Array<Map<number, number> | undefined>(this.layout.counters).fill(undefined));
    let days = all[index];
    if (days === undefined) days = all[index] = new Map();
    days.set(day, (days.get(day) ?? 0) + 1);
  }

  /** The counts by UTC day of the daily counter at `index`, if it counted any. */
  daysOf(index: number): ReadonlyMap<number, number> | undefined {
    return this.days?.[index];
  }

  /** The entry of the property at `position` (Layout), if set. */
  property(position: number): PropertyEntry | undefined {
    return this.propertyEntries?.[position];
  }

  setProperty(position: number, entry: PropertyEntry): void {
    (this.propertyEntries ??= new Array<PropertyEntry | undefined>(this.layout.propertyNames.length).fill(undefined))[position] =
      entry;
  }

  /** Whether `key` (a `recentKeyNumber`) is among the recent ids. */
  hasRecent(key: number): boolean {
    const slots = this.slots;
    const end = this.layout.counters + this.ringSize;
    for (let i = this.layout.counters; i < end; i += 1) if (slots[i] === key) return true;
    return false;
  }

  /** Appends a key to the recent ids, dropping the oldest beyond the grid's `dedupe.recent`. */
  remember(key: number): void {
    this.pushRecent(key);
    this.recentChanged = true;
  }

  private pushRecent(key: number): void {
    const limit = this.compiled.recentLimit;
    const counters = this.layout.counters;
    if (this.ringSize < limit) {
      const at = counters + this.ringSize;
      if (at < this.slots.length) this.slots[at] = key;
      else this.slots.push(key);
      this.ringSize += 1;
    } else {
      this.slots[counters + this.head] = key;
      this.head = (this.head + 1) % limit;
    }
  }

  /** The state was evaluated (workingTotal's scratch holds its points): its counts and properties are the normalised ones now. */
  evaluated(points: Float64Array): void {
    this.loaded = undefined;
    if (!this.outputs) return;
    const kept = (this.evaluatedPoints ??= new Array<number>(points.length).fill(0));
    for (let i = 0; i < points.length; i += 1) kept[i] = points[i] as number;
  }

  /**
   * The rules' points as the last evaluation left them, which a score change's changed
   * contributions compare with: as `applyEvent` does, the state before the event scored at its
   * `evaluatedAt` (only recent ids change between evaluations, never a count or a property).
   */
  pointsBefore(): readonly number[] {
    if (this.evaluatedPoints !== undefined) return this.evaluatedPoints;
    const before = this.loaded ?? emptyState();
    return scoreAt(this.compiled, before, before.evaluatedAt ?? this.now).contributions.map((c) => c.points);
  }

  /** The recent ids (`recentKey` text), oldest first. */
  recent(): string[] {
    const counters = this.layout.counters;
    const size = this.ringSize;
    const keys: string[] = [];
    for (let i = 0; i < size; i += 1) {
      keys.push(toBase64Digits(this.slots[counters + ((this.head + i) % size)] as number, RECENT_KEY_CHARS));
    }
    return keys;
  }

  /** A ContactState equal to what the same events give through `applyEvent` (a copy: this stays usable). */
  toContactState(): ContactState {
    if (this.loaded !== undefined) return this.recentChanged ? { ...this.loaded, recent: this.recent() } : this.loaded;
    const counters = new Map<string, CounterState>();
    for (const counter of this.compiled.counterList) {
      if (!counter.daily) {
        const total = this.slots[counter.index] as number;
        if (total !== 0) counters.set(counter.key, { kind: 'total', count: total });
      } else {
        const days = this.days?.[counter.index];
        if (days !== undefined) counters.set(counter.key, { kind: 'daily', days: new Map(days) });
      }
    }
    const properties = new Map<string, PropertyEntry>();
    const { propertyNames } = this.layout;
    for (let i = 0; i < propertyNames.length; i += 1) {
      const entry = this.propertyEntries?.[i];
      if (entry !== undefined) properties.set(propertyNames[i] as string, entry);
    }
    const emitted =
      this.emitted === undefined
        ? { score: this.score }
        : emittedFields(this.compiled, { ...emptyState(), score: this.score }, this.emitted);
    return {
      sequence: this.sequence,
      ...emitted,
      evaluatedAt: this.evaluatedAt,
      counters,
      properties,
      recent: this.recent(),
      inputPositions: new Map(this.inputPositions),
    };
  }
}

/**
 * Recent ids a new working state makes room for: 4 measured as fast as 32 (the default
 * `dedupe.recent`) over 100 000 contacts of ~10 events, and cheaper over 630 000 contacts of
 * 1–2 events (15 % less memory, 10–15 % less CPU in replay).
 */
const RESERVED_RING = 4;

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
  /** The score-changed output, for a working state made with `outputs` (else null), as `applyEvent` builds it; with `scores`, the first of `outputs`. */
  output: ScoreChange | null;
  /** With `outputs`: one score-changed per score that moved (a grid of one score: `output` alone). */
  outputs: readonly ScoreChange[];
  /** With `outputs`, for a grid with a matrix whose cell moved: the grade change. */
  gradeChange: GradeChange | null;
  /** For a grid with `scores`: every score's last emitted value after the event, by score position (the state's own array: read it before the next call). */
  emitted: readonly number[] | undefined;
  /**
   * For a grid with `scores`: `crossings` with the value and sequence of the score change (or
   * grade change) each belongs to, with or without `outputs`; empty for a grid of one score,
   * whose crossings belong to `score` and `sequence`.
   */
  scoredCrossings: readonly ScoredCrossing[];
}

/** A crossing with the change it belongs to: that score's value after it (0/1 for the matrix's `qualified`) and its sequence. */
export interface ScoredCrossing extends Crossing {
  readonly score: number;
  readonly sequence: number;
}

const NO_SCORED_CROSSINGS: readonly ScoredCrossing[] = [];

const NO_OUTPUTS: readonly ScoreChange[] = [];

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
  /** By rule position, from workingTotal: n of counting rules (what conditions read)… */
  readonly counts: Float64Array;
  /** …and each rule's count (conditions and properties: 1 while they hold) and points. */
  readonly ruleCounts: Float64Array;
  readonly points: Float64Array;
  /** By score position: each score's value (a grid with `scores`). */
  readonly values: number[];
}

/** A counting rule's points with n = `count` at the state's `now`: its points for n, or its decayed events' worth. */
function countingPoints(state: WorkingState, rule: CompiledCountingRule, count: number): number {
  const decay = rule.counter.decay;
  return decay === null ? rule.contribution(count) : decayedPoints(decay, state.daysOf(rule.counter.index), state.now);
}

/** The clamped total of a working state at its `now`: the same pass as score-at.ts's `score`. */
export function workingTotal(state: WorkingState): number {
  const compiled = state.compiled;
  const rules = compiled.rules;
  const counts = state.layout.scratch.counts;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    if (rule.kind !== 'counting') continue;
    const counter = rule.counter;
    const n = state.count(counter.index);
    counts[i] = counter.daily ? n : Math.min(n, counter.saturation); // daily: the sum of its days
  }
  const { propertyOfRule, scratch } = state.layout;
  const { ruleCounts, points } = scratch;
  let total = 0;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    let p: number;
    if (rule.kind === 'counting') {
      ruleCounts[i] = counts[i] as number;
      p = countingPoints(state, rule, counts[i] as number);
    } else {
      const holds =
        rule.kind === 'condition' ? rule.holds(counts) : rule.holds(state.property(propertyOfRule[i] as number)?.value);
      ruleCounts[i] = holds ? 1 : 0;
      p = holds ? rule.points : 0;
    }
    points[i] = p;
    total += p;
  }
  return Math.min(compiled.bounds.max, Math.max(compiled.bounds.min, total));
}

/**
 * `scoreAt(compiled, state.toContactState(), now)` read from the working state itself, without
 * making the ContactState (replay's final breakdown of every contact): the same pass as
 * score-at.ts's `score`. `nonZero`: only the contributions with a count or points.
 */
export function workingScore(state: WorkingState, nonZero = false): Score {
  const compiled = state.compiled;
  const rules = compiled.rules;
  const counts = new Array<number>(rules.length).fill(0);
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    if (rule.kind !== 'counting') continue;
    const n = state.count(rule.counter.index);
    counts[i] = rule.counter.daily ? n : Math.min(n, rule.counter.saturation);
  }
  const propertyOfRule = state.layout.propertyOfRule;
  const contributions: Contribution[] = [];
  let total = 0;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    let count: number;
    let points: number;
    if (rule.kind === 'counting') {
      count = counts[i] as number;
      points = countingPoints(state, rule, count);
    } else {
      const holds =
        rule.kind === 'condition' ? rule.holds(counts) : rule.holds(state.property(propertyOfRule[i] as number)?.value);
      count = holds ? 1 : 0;
      points = holds ? rule.points : 0;
    }
    total += points;
    contributions.push({ ruleId: rule.id, label: rule.label, count, points });
  }
  const kept = nonZero ? contributions.filter((c) => c.count !== 0 || c.points !== 0) : contributions;
  return { ...scoreOf(compiled, contributions, clamp(compiled.bounds, total)), contributions: kept };
}

/** Counts the matched counters (indexes in `matched[0..n)`) in place; whether any count changed. */
function countInPlace(state: WorkingState, event: LeadEvent, matched: readonly number[], n: number): boolean {
  let changed = false;
  for (let m = 0; m < n; m += 1) {
    const counter = state.compiled.counterList[matched[m] as number];
    if (counter === undefined || counter.saturation === 0) continue;
    if (!counter.daily) {
      if (state.count(counter.index) >= counter.saturation) continue; // saturated: more changes nothing
      state.addCount(counter.index, false, 0);
      changed = true;
      continue;
    }
    const day = utcDay(event.occurredAt);
    if (!countsAt(counter, day, state.now)) continue; // too old to ever count
    state.addCount(counter.index, true, day);
    changed = true;
  }
  return changed;
}

/** Sets the properties a `contact_updated` carries (latest occurredAt wins); whether any changed. */
function updateInPlace(state: WorkingState, event: LeadEvent): boolean {
  let changed = false;
  const propertyIndex = state.layout.propertyIndex;
  for (const name in event.properties) {
    if (!Object.hasOwn(event.properties, name)) continue;
    const position = propertyIndex.get(name);
    if (position === undefined) continue;
    const entry = state.property(position);
    const newer =
      entry === undefined || event.occurredAt > entry.at || (event.occurredAt === entry.at && event.eventId > entry.eventId);
    if (!newer) continue;
    state.setProperty(position, { value: event.properties[name] ?? null, at: event.occurredAt, eventId: event.eventId });
    changed = true;
  }
  return changed;
}

/** Whether a score change from `previous` to `score` crosses a threshold (without making the list of none). */
function crossesAny(compiled: CompiledGrid, previous: number, score: number): boolean {
  const low = Math.min(previous, score);
  const high = Math.max(previous, score);
  for (const t of compiled.thresholds) if (low < t.at && t.at <= high) return true;
  return false;
}

/**
 * `applyEvent` on a working state, at the state's `now` (docs/scoring-contract.md §3): a
 * matching event already among the recent ids is a duplicate; any other joins them; a score
 * change bumps the sequence. No breakdowns are computed, and the score only when a count or a
 * property changed (or for a new contact's baseline). The result is overwritten by the next call.
 */
export function applyInPlace(state: WorkingState, event: LeadEvent): InPlaceResult {
  const compiled = state.compiled;
  const s = state.layout.scratch;
  const result = s.result;
  result.duplicate = false;
  result.stateChanged = false;
  const emitted = state.emitted;
  result.previousScore = emitted === undefined ? state.score : (emitted[0] as number);
  result.score = result.previousScore;
  result.sequence = state.sequence;
  result.crossings = NO_CROSSINGS;
  result.output = null;
  result.outputs = NO_OUTPUTS;
  result.gradeChange = null;
  result.emitted = emitted;
  result.scoredCrossings = NO_SCORED_CROSSINGS;

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
  if (emitted !== undefined) return scoresInPlace(state, event, matching, emitted, result);
  if (!matching && score === state.score) return result; // not matching and no baseline to emit
  result.stateChanged = true;
  state.evaluatedAt = state.now;
  if (score === state.score) {
    state.evaluated(s.points);
    return result;
  }
  result.crossings = crossesAny(compiled, state.score, score) ? thresholdCrossings(compiled, state.score, score) : NO_CROSSINGS;
  if (state.outputs) result.output = outputOf(state, event, score, result.crossings);
  state.evaluated(s.points);
  state.sequence += 1;
  state.score = score;
  result.score = score;
  result.sequence = state.sequence;
  if (result.output !== null) result.outputs = [result.output];
  return result;
}

/**
 * The end of `applyInPlace` for a grid with `scores` (the rules' points in the scratch), as
 * `evaluate` does it: every score against its last emitted value, one score change per score
 * that moved (sequences ascending), then the grade.
 */
function scoresInPlace(
  state: WorkingState,
  event: LeadEvent,
  matching: boolean,
  emitted: number[],
  result: InPlaceResult,
): InPlaceResult {
  const compiled = state.compiled;
  const { points, values } = state.layout.scratch;
  let moved = false;
  for (const s of compiled.scores) {
    values[s.index] = scoreValue(s, points);
    if (values[s.index] !== emitted[s.index]) moved = true;
  }
  if (!matching && !moved) return result;
  result.stateChanged = true;
  state.evaluatedAt = state.now;
  if (!moved) {
    state.evaluated(points);
    return result;
  }
  const sequence = state.outputs
    ? outputsInPlace(state, event, emitted, result)
    : crossingsInPlace(compiled, state.sequence, emitted, values, result);
  state.evaluated(points);
  for (const s of compiled.scores) {
    emitted[s.index] = values[s.index] as number;
    if (s.id === DEFAULT_SCORE_ID) state.score = values[s.index] as number;
  }
  state.sequence = sequence;
  result.score = values[0] as number;
  result.sequence = sequence;
  result.crossings = result.scoredCrossings.length === 0 ? NO_CROSSINGS : result.scoredCrossings.map(crossingOf);
  return result;
}

/** The outputs of an evaluation of several scores (`scoreChangesOf`) into `result`, with their crossings: the last sequence. */
function outputsInPlace(state: WorkingState, event: LeadEvent, emitted: readonly number[], result: InPlaceResult): number {
  const compiled = state.compiled;
  const { points, ruleCounts, values } = state.layout.scratch;
  const before = state.pointsBefore();
  const { outputs, gradeChange, sequence } = scoreChangesOf({
    compiled,
    contactId: event.contactId,
    sequence: state.sequence,
    previous: emitted,
    values,
    cause: { kind: 'event', eventId: event.eventId } satisfies Cause,
    now: state.now,
    changedOf: (s) => changedContributions(compiled, s, points, ruleCounts, before),
  });
  const scored: ScoredCrossing[] = [];
  for (const output of outputs) {
    for (const c of output.thresholdCrossings) scored.push({ ...crossingOf(c), score: output.score, sequence: output.sequence });
  }
  const qualified = gradeChange?.crossing;
  if (qualified) scored.push({ ...crossingOf(qualified), score: qualified.score, sequence: qualified.sequence });
  result.outputs = outputs;
  result.output = outputs[0] ?? null;
  result.gradeChange = gradeChange;
  if (scored.length > 0) result.scoredCrossings = scored;
  return sequence;
}

/**
 * Without `outputs` (replay, benchmarks): only the crossings, with the sequences the outputs
 * would take (`scoreMovesOf`, their one numbering), and no output, id or breakdown built.
 */
function crossingsInPlace(
  compiled: CompiledGrid,
  lastSequence: number,
  emitted: readonly number[],
  values: readonly number[],
  result: InPlaceResult,
): number {
  const { moves, grade, sequence } = scoreMovesOf(compiled, lastSequence, emitted, values);
  const scored: ScoredCrossing[] = [];
  for (const move of moves) {
    for (const c of crossingsOf(move.score.thresholds, move.from, move.to)) {
      scored.push({ scoreId: move.score.id, ...c, score: move.to, sequence: move.sequence });
    }
  }
  const qualified = grade && qualifiedCrossingOf(grade);
  if (qualified) scored.push({ ...qualified, score: grade.is.qualified ? 1 : 0, sequence: grade.sequence });
  if (scored.length > 0) result.scoredCrossings = scored;
  return sequence;
}

/** A score's rules whose points differ from the last evaluation's (`before`), as its output lists them. */
function changedContributions(
  compiled: CompiledGrid,
  score: CompiledScore,
  points: Float64Array,
  ruleCounts: Float64Array,
  before: readonly number[],
): ChangedContribution[] {
  const changed: ChangedContribution[] = [];
  for (let i = 0; i < compiled.rules.length; i += 1) {
    if (score.holds[i] !== true || points[i] === before[i]) continue;
    const rule = compiled.rules[i] as CompiledRule;
    changed.push({
      ruleId: rule.id,
      label: rule.label,
      count: ruleCounts[i] as number,
      points: points[i] as number,
      previousPoints: before[i] as number,
    });
  }
  return changed;
}

/** The score-changed output of an event that moves the score to `score` (before the state records it), as `evaluate` builds it. */
function outputOf(state: WorkingState, event: LeadEvent, score: number, crossings: readonly Crossing[]): ScoreChange {
  const { rules } = state.compiled;
  const { ruleCounts, points } = state.layout.scratch;
  const before = state.pointsBefore();
  const changed: ChangedContribution[] = [];
  for (let i = 0; i < rules.length; i += 1) {
    const p = points[i] as number;
    const previousPoints = before[i] as number;
    if (p === previousPoints) continue;
    const rule = rules[i] as CompiledRule;
    changed.push({ ruleId: rule.id, label: rule.label, count: ruleCounts[i] as number, points: p, previousPoints });
  }
  const cause: Cause = { kind: 'event', eventId: event.eventId };
  return scoreChangeOutput({
    compiled: state.compiled,
    contactId: event.contactId,
    sequence: state.sequence + 1,
    previousScore: state.score,
    score,
    cause,
    now: state.now,
    changedContributions: changed,
    crossings,
  });
}
