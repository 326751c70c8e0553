import type { CompiledGrid } from './compile-grid.js';
import type { ContactState } from './contact-state.js';
import type { Threshold } from './grid-types.js';
import { deterministicId } from './hash.js';
import { scoreAt, totalAt, type Contribution } from './score-at.js';

/** Why a score was (re)computed. */
export type Cause =
  | { readonly kind: 'event'; readonly eventId: string }
  | { readonly kind: 'decay' }
  | { readonly kind: 'grid-change' }
  | MergeCause;

/** A score computed because two contacts merged (docs/identity.md): the `contact_merged` event's id. */
export interface MergeCause {
  readonly kind: 'merge';
  readonly eventId: string;
}

/** The same as Cause (kept as a name for the merge code written before the scorer merged). */
export type AnyCause = Cause;

export interface ChangedContribution extends Contribution {
  readonly previousPoints: number;
}

export type Direction = 'up' | 'down';

export interface Crossing {
  /** The threshold's name. */
  readonly threshold: string;
  /** The threshold's level. */
  readonly at: number;
  readonly direction: Direction;
}

/** What both outputs of one evaluation carry (docs/scoring-contract.md §4). */
export interface OutputContext<C extends AnyCause = Cause> {
  readonly contactId: string;
  /** Per contact, strictly increasing from 1. */
  readonly sequence: number;
  /** The last emitted score of this contact (0 before any). */
  readonly previousScore: number;
  readonly score: number;
  readonly gridName: string;
  readonly gridVersion: number;
  readonly cause: C;
  /** The evaluation time ("now", epoch ms). */
  readonly evaluatedAt: number;
}

/** The threshold-crossed output; its id hashes the score change's id, threshold and direction. */
export interface ThresholdCrossing<C extends AnyCause = Cause> extends Crossing, OutputContext<C> {
  readonly id: string;
}

/** The score-changed output. */
export interface ScoreChange<C extends AnyCause = Cause> extends OutputContext<C> {
  /** Deterministic: a hash of contactId, sequence, cause, grid name/version and both scores. */
  readonly id: string;
  readonly delta: number;
  readonly changedContributions: readonly ChangedContribution[];
  readonly thresholdCrossings: readonly ThresholdCrossing<C>[];
}

export interface Evaluation<C extends AnyCause = Cause> {
  /** The new state (the same object as the input when stateChanged is false). */
  readonly state: ContactState;
  /** Whether the state must be written back. */
  readonly stateChanged: boolean;
  /** The event's id was already counted: nothing changed, nothing to emit. */
  readonly duplicate: boolean;
  /** The last emitted score. */
  readonly previousScore: number;
  /** The new score; equal to previousScore when there is no output. */
  readonly score: number;
  readonly delta: number;
  /** All contributions at `now`, in grid order (computed when first read). */
  readonly contributions: readonly Contribution[];
  /** Computed when first read, unless there is an output (which carries them). */
  readonly changedContributions: readonly ChangedContribution[];
  readonly crossings: readonly Crossing[];
  /** Null when the score did not change (docs/scoring-contract.md §4: no output then). */
  readonly output: ScoreChange<C> | null;
}

/** Up when previous < at ≤ score (ascending), down when score < at ≤ previous (descending). */
export function thresholdCrossings(compiled: CompiledGrid, previous: number, score: number): Crossing[] {
  return crossingsOf(compiled.thresholds, previous, score);
}

/** `thresholdCrossings` over any thresholds ascending by `at` (the contact's or the accounts'). */
export function crossingsOf(thresholds: readonly Threshold[], previous: number, score: number): Crossing[] {
  if (score > previous) {
    return thresholds
      .filter((t) => previous < t.at && t.at <= score)
      .map((t) => ({ threshold: t.name, at: t.at, direction: 'up' as const }));
  }
  return thresholds
    .filter((t) => score < t.at && t.at <= previous)
    .reverse()
    .map((t) => ({ threshold: t.name, at: t.at, direction: 'down' as const }));
}

function causeKey(cause: AnyCause): string {
  if (cause.kind === 'event' || cause.kind === 'merge') return `${cause.kind}:${cause.eventId}`;
  return cause.kind;
}

/**
 * Contributions whose points differ. Same grid: rule i is rule i. After a grid change: match
 * by rule id, and list removed rules that had points as now giving 0.
 */
function changedBetween(
  previous: readonly Contribution[],
  current: readonly Contribution[],
  gridChanged: boolean,
): ChangedContribution[] {
  const changed: ChangedContribution[] = [];
  if (!gridChanged) {
    for (let i = 0; i < current.length; i += 1) {
      const c = current[i] as Contribution;
      const before = (previous[i] as Contribution).points;
      if (c.points !== before) changed.push({ ...c, previousPoints: before });
    }
    return changed;
  }
  const previousPoints = new Map(previous.map((c) => [c.ruleId, c.points]));
  for (const c of current) {
    const before = previousPoints.get(c.ruleId) ?? 0;
    if (c.points !== before) changed.push({ ...c, previousPoints: before });
  }
  const currentIds = new Set(current.map((c) => c.ruleId));
  for (const c of previous) {
    if (!currentIds.has(c.ruleId) && c.points !== 0) {
      changed.push({ ruleId: c.ruleId, label: c.label, count: 0, points: 0, previousPoints: c.points });
    }
  }
  return changed;
}

/** What `applyEvent` and `reevaluate` share once the new state is known. */
export interface EvaluationInput<C extends AnyCause = Cause> {
  readonly compiled: CompiledGrid;
  readonly contactId: string;
  readonly before: ContactState;
  readonly after: ContactState;
  /** Whether `after` differs from `before` in counters or properties. */
  readonly changed: boolean;
  readonly now: number;
  readonly cause: C;
  /** The grid `before` was last evaluated with, when it differs (a grid change). */
  readonly previousGrid?: CompiledGrid | undefined;
}

/** What an evaluation is without its breakdowns, which `withBreakdowns` adds. */
type EvaluationCore<C extends AnyCause> = Omit<Evaluation<C>, 'contributions' | 'changedContributions'>;

/**
 * An evaluation whose breakdowns are computed on first read: the scorer reads none for the
 * events that change no score (most of them), and replay reads only `scoreAt`.
 */
function withBreakdowns<C extends AnyCause>(
  core: EvaluationCore<C>,
  contributions: () => readonly Contribution[],
  changedContributions: () => readonly ChangedContribution[],
): Evaluation<C> {
  let all: readonly Contribution[] | undefined;
  let changed: readonly ChangedContribution[] | undefined;
  return {
    ...core,
    get contributions() {
      return (all ??= contributions());
    },
    get changedContributions() {
      return (changed ??= changedContributions());
    },
  };
}

/**
 * Scores the new state, compares with the last emitted score, and builds the outputs.
 * Changed contributions compare with the old state as it was last evaluated
 * (`before.evaluatedAt`), so a decay since then shows up in them.
 */
export function evaluate<C extends AnyCause = Cause>(input: EvaluationInput<C>): Evaluation<C> {
  const { compiled, contactId, before, now, cause } = input;
  const previousScore = before.score;
  const score = totalAt(compiled, input.after, now);
  const breakdowns = () => {
    const previous = scoreAt(input.previousGrid ?? compiled, before, before.evaluatedAt ?? now);
    const current = scoreAt(compiled, input.after, now);
    const changed = changedBetween(previous.contributions, current.contributions, input.previousGrid !== undefined);
    return { current: current.contributions, changed };
  };

  if (score === previousScore) {
    const state = input.changed ? { ...input.after, evaluatedAt: now } : before;
    let computed: ReturnType<typeof breakdowns> | undefined;
    return withBreakdowns<C>(
      { state, stateChanged: input.changed, duplicate: false, previousScore, score, delta: 0, crossings: [], output: null },
      () => (computed ??= breakdowns()).current,
      () => (computed ??= breakdowns()).changed,
    );
  }

  const { current, changed: changedContributions } = breakdowns();
  const sequence = before.sequence + 1;
  const crossings = thresholdCrossings(compiled, previousScore, score);
  const output = scoreChangeOutput({
    compiled,
    contactId,
    sequence,
    previousScore,
    score,
    cause,
    now,
    changedContributions,
    crossings,
  });
  return {
    state: { ...input.after, sequence, score, evaluatedAt: now },
    stateChanged: true,
    duplicate: false,
    previousScore,
    score,
    delta: output.delta,
    contributions: current,
    changedContributions,
    crossings,
    output,
  };
}

/** What a score-changed output is made of (evaluate's, and a merged-away contact's drop to 0). */
export interface ScoreChangeParts<C extends AnyCause> {
  readonly compiled: CompiledGrid;
  readonly contactId: string;
  readonly sequence: number;
  readonly previousScore: number;
  readonly score: number;
  readonly cause: C;
  readonly now: number;
  readonly changedContributions: readonly ChangedContribution[];
  readonly crossings: readonly Crossing[];
}

/** The score-changed output with its crossings, ids deterministic (a hash of what it says). */
export function scoreChangeOutput<C extends AnyCause>(parts: ScoreChangeParts<C>): ScoreChange<C> {
  const { compiled, contactId, sequence, previousScore, score, cause, now } = parts;
  const id = deterministicId(
    [contactId, sequence, causeKey(cause), compiled.name, compiled.version, previousScore, score].join('\u0000'),
  );
  const common: OutputContext<C> = {
    contactId,
    previousScore,
    score,
    gridName: compiled.name,
    gridVersion: compiled.version,
    cause,
    sequence,
    evaluatedAt: now,
  };
  return {
    id,
    ...common,
    delta: score - previousScore,
    changedContributions: parts.changedContributions,
    thresholdCrossings: parts.crossings.map((crossing) => ({
      id: deterministicId(`${id}\u0000${crossing.threshold}\u0000${crossing.direction}`),
      ...crossing,
      ...common,
    })),
  };
}

/**
 * The evaluation of an input that changes no score: a duplicate, nothing matched, or only the
 * recent ids changed (`stateChanged`: the state must still be written back).
 */
export function unchanged<C extends AnyCause = Cause>(
  compiled: CompiledGrid,
  state: ContactState,
  now: number,
  duplicate: boolean,
  stateChanged = false,
): Evaluation<C> {
  return withBreakdowns<C>(
    {
      state,
      stateChanged,
      duplicate,
      previousScore: state.score,
      score: state.score,
      delta: 0,
      crossings: [],
      output: null,
    },
    () => scoreAt(compiled, state, now).contributions,
    () => [],
  );
}
