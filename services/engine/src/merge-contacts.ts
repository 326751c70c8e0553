import { isNewer } from './apply-event.js';
import type { CompiledGrid } from './compile-grid.js';
import {
  emptyState,
  lastEmitted,
  normalizeState,
  type ContactState,
  type CounterState,
  type PropertyEntry,
} from './contact-state.js';
import { recentKey } from './hash.js';
import type { LeadEvent } from './lead-event.js';
import { scoreAt } from './score-at.js';
import {
  evaluate,
  scoreChangesOf,
  unchanged,
  type GradeChange,
  type AnyCause,
  type Evaluation,
  type MergeCause,
  type ScoreChange,
} from './score-change.js';

/**
 * The union of two contacts' states at `now` (docs/identity.md), as the state of `target`:
 * all-time counts add (capped at the counter's saturation, as counting caps them), windowed day
 * counts add day by day, each property keeps the entry with the later `(occurredAt, eventId)`,
 * and the recent ids are the source's followed by the target's, the last `dedupe.recent` kept
 * (an id in both takes two places). The target's sequence, last score, evaluation time and
 * input positions are kept: it is the target that goes on.
 */
export function unionStates(compiled: CompiledGrid, source: ContactState, target: ContactState, now: number): ContactState {
  const s = normalizeState(compiled, source, now);
  const t = normalizeState(compiled, target, now);
  const counters = new Map<string, CounterState>(t.counters);
  for (const [key, counter] of s.counters) {
    const other = counters.get(key);
    counters.set(key, other === undefined ? counter : addCounters(counter, other));
  }
  const properties = new Map<string, PropertyEntry>(t.properties);
  for (const [name, entry] of s.properties) {
    if (isNewer(entry.at, entry.eventId, properties.get(name))) properties.set(name, entry);
  }
  const union: ContactState = { ...t, counters, properties, recent: [...s.recent, ...t.recent] };
  return normalizeState(compiled, union, now); // saturation caps and the last N recent ids
}

/** Two states of one counter added; both of one kind, since the kind is part of the counter's key. */
function addCounters(a: CounterState, b: CounterState): CounterState {
  if (a.kind === 'total' && b.kind === 'total') return { kind: 'total', count: a.count + b.count };
  if (a.kind === 'daily' && b.kind === 'daily') {
    const days = new Map(b.days);
    for (const [day, count] of a.days) days.set(day, (days.get(day) ?? 0) + count);
    return { kind: 'daily', days };
  }
  throw new TypeError('a counter key held an all-time and a windowed count'); // cannot happen: the window is in the key
}

/** One side of a merge: a root contact and its state. */
export interface MergeSide {
  readonly contactId: string;
  readonly state: ContactState;
}

export interface MergeInput {
  /** The validated `contact_merged` (its id is the outputs' cause). */
  readonly event: LeadEvent;
  /** The root the event's `mergedFrom` resolves to: merged away. */
  readonly source: MergeSide;
  /** The root the event's `contactId` resolves to: it goes on, with both histories. */
  readonly target: MergeSide;
  readonly now: number;
}

export interface MergeResult {
  /** The merge event's id is among the target's recent ids: nothing changes, nothing is emitted. */
  readonly duplicate: boolean;
  /** The target's evaluation: its new state (the union) and its score change (cause MERGE), if any. */
  readonly target: Evaluation<AnyCause>;
  /**
   * The merged-away contact: its state from now on (empty, score 0, its sequence moved on when
   * it had a score to drop) and its score change to 0 with the crossings down, when its last
   * emitted score was not 0.
   */
  readonly source: {
    readonly state: ContactState;
    /** The first of `outputs` (a grid of one score has at most one). */
    readonly output: ScoreChange<AnyCause> | null;
    /** One drop to 0 per score whose last emitted value was not 0, sequences ascending. */
    readonly outputs: readonly ScoreChange<AnyCause>[];
    /** The grade's move to the cell of all-zero scores, for a grid with a matrix. */
    readonly gradeChange: GradeChange<AnyCause> | null;
  };
}

/**
 * Merges two distinct root contacts (the caller resolves the event's ids to their roots first,
 * and does nothing when they are one: a repeated merge). The merge event is deduplicated like
 * any event, against the target's recent ids, and enters no ring itself. The target's score is
 * then evaluated as usual, cause MERGE; the source's last emitted score drops to 0, cause MERGE,
 * with its own sequence and crossings down: it has become an alias of the target. Pure.
 *
 * @throws RangeError when both sides are one contact
 */
export function mergeContacts(compiled: CompiledGrid, input: MergeInput): MergeResult {
  const { event, source, target, now } = input;
  if (source.contactId === target.contactId) throw new RangeError('mergeContacts needs two distinct root contacts');
  const base = normalizeState(compiled, target.state, now);
  if (base.recent.includes(recentKey(event.eventId))) {
    return {
      duplicate: true,
      target: unchanged<AnyCause>(compiled, target.state, now, true),
      source: { state: source.state, output: null, outputs: [], gradeChange: null },
    };
  }
  return { duplicate: false, ...absorbContact(compiled, { causeEventId: event.eventId, source, target, now }) };
}

export interface AbsorbInput {
  /** The id of the `contact_merged` that made `source` part of `target`'s tree: the outputs' cause. */
  readonly causeEventId: string;
  readonly source: MergeSide;
  readonly target: MergeSide;
  readonly now: number;
}

/**
 * The union step of a merge alone, with no dedupe of the merge event: the streaming scorer
 * decides once, in the identity forest, that `source` belongs to `target`'s tree, and then
 * absorbs the source's last state exactly once (docs/identity.md "The streaming merge").
 * Outputs as `mergeContacts`: the target evaluated with cause MERGE, the source dropped to 0.
 */
export function absorbContact(compiled: CompiledGrid, input: AbsorbInput): Omit<MergeResult, 'duplicate'> {
  const { source, target, now } = input;
  if (source.contactId === target.contactId) throw new RangeError('absorbContact needs two distinct root contacts');
  const cause: MergeCause = { kind: 'merge', eventId: input.causeEventId };
  const targetEvaluation = evaluate<AnyCause>({
    compiled,
    contactId: target.contactId,
    before: target.state,
    after: unionStates(compiled, source.state, target.state, now),
    changed: true,
    now,
    cause,
  });
  return { target: targetEvaluation, source: droppedToZero(compiled, source, cause, now) };
}

/** The merged-away side: nothing of its own any more, each last emitted score taken back to 0. */
function droppedToZero(compiled: CompiledGrid, source: MergeSide, cause: MergeCause, now: number): MergeResult['source'] {
  const { state } = source;
  const emptied: ContactState = { ...emptyState(), inputPositions: state.inputPositions };
  const previous = compiled.scores.map((s) => lastEmitted(state, s.id));
  if (previous.every((value) => value === 0)) {
    return { state: { ...emptied, sequence: state.sequence, evaluatedAt: now }, output: null, outputs: [], gradeChange: null };
  }
  const contributions = scoreAt(compiled, state, state.evaluatedAt ?? now).contributions;
  const { outputs, gradeChange, sequence } = scoreChangesOf<AnyCause>({
    compiled,
    contactId: source.contactId,
    sequence: state.sequence,
    previous,
    values: compiled.scores.map(() => 0),
    cause,
    now,
    changedOf: (s) =>
      contributions
        .filter((c, i) => c.points !== 0 && s.holds[i] === true)
        .map((c) => ({ ruleId: c.ruleId, label: c.label, count: 0, points: 0, previousPoints: c.points })),
  });
  return { state: { ...emptied, sequence, evaluatedAt: now }, output: outputs[0] ?? null, outputs, gradeChange };
}
