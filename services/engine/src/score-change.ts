import type { CompiledGrid } from './compile-grid.js';
import {
  gradeOf,
  MATRIX_SCORE_ID,
  QUALIFIED_THRESHOLD,
  type CompiledMatrix,
  type CompiledScore,
  type Grade,
} from './compile-scores.js';
import { emittedFields, lastEmitted, type ContactState } from './contact-state.js';
import type { Threshold } from './grid-types.js';
import { deterministicId } from './hash.js';
import { scoreAt, totalAt, totalsAt, type Contribution } from './score-at.js';

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
  /** For a grid with `scores`: the score whose threshold this is (`matrix` for the matrix's `qualified`). */
  readonly scoreId?: string;
  /** The threshold's name. */
  readonly threshold: string;
  /** The threshold's level. */
  readonly at: number;
  readonly direction: Direction;
}

/** What both outputs of one evaluation carry (docs/scoring-contract.md §4). */
export interface OutputContext<C extends AnyCause = Cause> {
  readonly contactId: string;
  /** For a grid with `scores`: which score (absent for a grid of one score, whose outputs stay as they were). */
  readonly scoreId?: string;
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
  /**
   * The grade change of the same evaluation, on its last score change (a grade moves only when
   * some score does): whoever emits the score changes emits it after them (`withGradeChange`).
   */
  readonly gradeChange?: GradeChange<C>;
}

/** The outputs with the grade change attached to the last one (none: the same list). */
export function withGradeChange<C extends AnyCause>(
  outputs: readonly ScoreChange<C>[],
  gradeChange: GradeChange<C> | null,
): ScoreChange<C>[] {
  const last = outputs[outputs.length - 1];
  if (gradeChange === null || last === undefined) return [...outputs];
  return [...outputs.slice(0, -1), { ...last, gradeChange }];
}

/** grade-changed: a contact's matrix cell moved (docs/grid-authoring.md "Several scores"). */
export interface GradeChange<C extends AnyCause = Cause> {
  /** Deterministic: a hash of contactId, sequence, cause, grid name/version and both grades. */
  readonly id: string;
  readonly contactId: string;
  /** Per contact, after the sequences of the same evaluation's score changes. */
  readonly sequence: number;
  readonly previousGrade: string;
  readonly grade: string;
  /** The rows' score (fit, say) and the columns' score (engagement), by id and value. */
  readonly rowScore: { readonly id: string; readonly score: number };
  readonly columnScore: { readonly id: string; readonly score: number };
  readonly qualified: boolean;
  readonly gridName: string;
  readonly gridVersion: number;
  readonly cause: C;
  readonly evaluatedAt: number;
  /** The `qualified` crossing (threshold-crossed, scoreId `matrix`) when `qualified` changed. */
  readonly crossing: ThresholdCrossing<C> | null;
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
  /** Null when the score did not change (docs/scoring-contract.md §4: no output then); with `scores`, the first of `outputs`. */
  readonly output: ScoreChange<C> | null;
  /** One score-changed per score whose value changed, in the grid's order of scores (sequences ascending). */
  readonly outputs: readonly ScoreChange<C>[];
  /** The grade change, for a grid with a matrix whose cell moved. */
  readonly gradeChange: GradeChange<C> | null;
  /** For a grid with `scores`: every score's last emitted value after this evaluation, by score position. */
  readonly emitted?: readonly number[];
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
  if (input.compiled.multiScore) return evaluateScores(input);
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
      {
        state,
        stateChanged: input.changed,
        duplicate: false,
        previousScore,
        score,
        delta: 0,
        crossings: [],
        output: null,
        outputs: [],
        gradeChange: null,
      },
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
    outputs: [output],
    gradeChange: null,
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
  /** For a grid with `scores`: the score that changed. */
  readonly scoreId?: string | undefined;
}

/** The score-changed output with its crossings, ids deterministic (a hash of what it says). */
export function scoreChangeOutput<C extends AnyCause>(parts: ScoreChangeParts<C>): ScoreChange<C> {
  const { compiled, contactId, sequence, previousScore, score, cause, now, scoreId } = parts;
  const said = [contactId, sequence, causeKey(cause), compiled.name, compiled.version, previousScore, score];
  // The score's id joins the hash only for grids with `scores`: one score's ids stay as they were.
  if (scoreId !== undefined) said.push(scoreId);
  const id = deterministicId(said.join('\u0000'));
  const common: OutputContext<C> = {
    ...(scoreId !== undefined && { scoreId }),
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
      previousScore: lastEmitted(state, (compiled.scores[0] as CompiledScore).id),
      score: lastEmitted(state, (compiled.scores[0] as CompiledScore).id),
      delta: 0,
      crossings: [],
      output: null,
      outputs: [],
      gradeChange: null,
      ...(compiled.multiScore && { emitted: compiled.scores.map((s) => lastEmitted(state, s.id)) }),
    },
    () => scoreAt(compiled, state, now).contributions,
    () => [],
  );
}

/**
 * `evaluate` for a grid with `scores` (docs/grid-authoring.md "Several scores"): every score
 * compared with its last emitted value; one score-changed per score that moved, each with the
 * next sequence, its own crossings and the changed contributions of its own rules; then, with a
 * matrix, a grade-changed when the cell moved, and the `qualified` crossing when that changed.
 */
function evaluateScores<C extends AnyCause>(input: EvaluationInput<C>): Evaluation<C> {
  const { compiled, contactId, before, now, cause } = input;
  const previous = compiled.scores.map((s) => lastEmitted(before, s.id));
  const values = totalsAt(compiled, input.after, now);
  const moved = compiled.scores.filter((s) => values[s.index] !== previous[s.index]);
  const breakdowns = () => {
    const was = scoreAt(input.previousGrid ?? compiled, before, before.evaluatedAt ?? now);
    const current = scoreAt(compiled, input.after, now);
    const changed = changedBetween(was.contributions, current.contributions, input.previousGrid !== undefined);
    return { was: was.contributions, current: current.contributions, changed };
  };
  const core = {
    duplicate: false,
    previousScore: previous[0] as number,
    score: values[0] as number,
    delta: (values[0] as number) - (previous[0] as number),
  };
  if (moved.length === 0) {
    const state = input.changed ? { ...input.after, evaluatedAt: now } : before;
    let computed: ReturnType<typeof breakdowns> | undefined;
    return withBreakdowns<C>(
      {
        ...core,
        state,
        stateChanged: input.changed,
        crossings: [],
        output: null,
        outputs: [],
        gradeChange: null,
        emitted: previous,
      },
      () => (computed ??= breakdowns()).current,
      () => (computed ??= breakdowns()).changed,
    );
  }

  const { was, current, changed } = breakdowns();
  const { outputs, gradeChange, sequence } = scoreChangesOf<C>({
    compiled,
    contactId,
    sequence: before.sequence,
    previous,
    values,
    cause,
    now,
    changedOf: (s) =>
      input.previousGrid === undefined
        ? changed.filter((c) => s.holds[compiled.rules.findIndex((rule) => rule.id === c.ruleId)] === true)
        : changedInScore(s, input.previousGrid, was, current),
  });
  const crossings: Crossing[] = outputs.flatMap((output) => output.thresholdCrossings.map(crossingOf));
  if (gradeChange?.crossing) crossings.push(crossingOf(gradeChange.crossing));
  return {
    ...core,
    state: { ...input.after, ...emittedFields(compiled, input.after, values), sequence, evaluatedAt: now },
    stateChanged: true,
    contributions: current,
    changedContributions: changed,
    crossings,
    output: outputs[0] ?? null,
    outputs,
    gradeChange,
    emitted: values,
  };
}

/** A crossing output as the bare crossing an evaluation (or an in-place result) lists. */
export const crossingOf = (crossing: Crossing): Crossing => ({
  ...(crossing.scoreId !== undefined && { scoreId: crossing.scoreId }),
  threshold: crossing.threshold,
  at: crossing.at,
  direction: crossing.direction,
});

/**
 * After a grid change, a score's changed contributions: its rules now against the rules the
 * previous grid's score of the same id held (a rule it did not hold gave it 0; a rule it no
 * longer holds, or that is gone, now gives it 0), so they add up to the score's delta before
 * its bounds.
 */
function changedInScore(
  score: CompiledScore,
  previousGrid: CompiledGrid,
  was: readonly Contribution[],
  current: readonly Contribution[],
): ChangedContribution[] {
  const before = previousGrid.scores.find((s) => s.id === score.id);
  const previousPoints = new Map<string, Contribution>();
  was.forEach((c, i) => {
    if (before?.holds[i] === true) previousPoints.set(c.ruleId, c);
  });
  const changed: ChangedContribution[] = [];
  const held = new Set<string>();
  current.forEach((c, i) => {
    if (score.holds[i] !== true) return;
    held.add(c.ruleId);
    const previous = previousPoints.get(c.ruleId)?.points ?? 0;
    if (c.points !== previous) changed.push({ ...c, previousPoints: previous });
  });
  for (const [ruleId, c] of previousPoints) {
    if (!held.has(ruleId) && c.points !== 0)
      changed.push({ ruleId, label: c.label, count: 0, points: 0, previousPoints: c.points });
  }
  return changed;
}

/** What `scoreChangesOf` makes the outputs of. */
export interface ScoreChangesParts<C extends AnyCause> {
  readonly compiled: CompiledGrid;
  readonly contactId: string;
  /** The contact's last sequence: the outputs take the next ones. */
  readonly sequence: number;
  /** Each score's last emitted value and its new value, by score position. */
  readonly previous: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly cause: C;
  readonly now: number;
  /** The changed contributions a score's output lists. */
  readonly changedOf: (score: CompiledScore) => readonly ChangedContribution[];
}

/** A score of an evaluation whose value moved, with the sequence its output takes. */
export interface ScoreMove {
  readonly score: CompiledScore;
  readonly from: number;
  readonly to: number;
  readonly sequence: number;
}

/** The grade of an evaluation whose matrix cell moved, with the sequence its output takes. */
export interface GradeMove {
  readonly was: Grade;
  readonly is: Grade;
  readonly sequence: number;
}

/**
 * What an evaluation of every score moved, numbered: each score whose value moved, in the grid's
 * order of scores, takes the next sequence; then, with a matrix whose cell moved, the grade.
 * The one numbering of score-changed and grade-changed outputs (`scoreChangesOf`), and of the
 * crossings of an in-place evaluation without outputs. Pure.
 */
export function scoreMovesOf(
  compiled: CompiledGrid,
  lastSequence: number,
  previous: ArrayLike<number>,
  values: ArrayLike<number>,
): { moves: ScoreMove[]; grade: GradeMove | null; sequence: number } {
  let sequence = lastSequence;
  const moves: ScoreMove[] = [];
  for (const score of compiled.scores) {
    const from = previous[score.index] as number;
    const to = values[score.index] as number;
    if (from !== to) moves.push({ score, from, to, sequence: (sequence += 1) });
  }
  let grade: GradeMove | null = null;
  if (compiled.matrix !== null) {
    const was = gradeOf(compiled.matrix, previous);
    const is = gradeOf(compiled.matrix, values);
    if (was.grade !== is.grade) grade = { was, is, sequence: (sequence += 1) };
  }
  return { moves, grade, sequence };
}

/**
 * One score-changed per score whose value moved, in the grid's order of scores, each with the
 * next sequence and its own crossings; then, with a matrix whose cell moved, the grade change
 * (with the next sequence, attached to the last score change: `withGradeChange`). A grid
 * without `scores` gives its one output without `scoreId`, as before several scores. Pure.
 */
export function scoreChangesOf<C extends AnyCause>(
  parts: ScoreChangesParts<C>,
): { outputs: ScoreChange<C>[]; gradeChange: GradeChange<C> | null; sequence: number } {
  const { compiled, contactId, previous, values, cause, now } = parts;
  const { moves, grade, sequence } = scoreMovesOf(compiled, parts.sequence, previous, values);
  const outputs = moves.map(({ score: s, from, to, sequence: at }) => {
    const scoreId = compiled.multiScore ? s.id : undefined;
    return scoreChangeOutput({
      compiled,
      contactId,
      sequence: at,
      previousScore: from,
      score: to,
      cause,
      now,
      changedContributions: parts.changedOf(s),
      crossings: crossingsOf(s.thresholds, from, to).map((c) => (scoreId === undefined ? c : { scoreId, ...c })),
      scoreId,
    });
  });
  const gradeChange =
    grade === null
      ? null
      : gradeChangeOutput({ compiled, contactId, sequence: grade.sequence, cause, now, was: grade.was, is: grade.is, values });
  return { outputs: withGradeChange(outputs, gradeChange), gradeChange, sequence };
}

/** The matrix's `qualified` crossing of a grade move, if `qualified` changed. */
export function qualifiedCrossingOf(grade: GradeMove): Crossing | null {
  if (grade.was.qualified === grade.is.qualified) return null;
  return {
    scoreId: MATRIX_SCORE_ID,
    threshold: QUALIFIED_THRESHOLD.name,
    at: QUALIFIED_THRESHOLD.at,
    direction: grade.is.qualified ? 'up' : 'down',
  };
}

/** What a grade-changed output is made of. */
export interface GradeChangeParts<C extends AnyCause> {
  readonly compiled: CompiledGrid;
  readonly contactId: string;
  readonly sequence: number;
  readonly cause: C;
  readonly now: number;
  readonly was: Grade;
  readonly is: Grade;
  /** The new score values by score position. */
  readonly values: ArrayLike<number>;
}

/** The grade-changed output and its `qualified` crossing, ids deterministic. */
export function gradeChangeOutput<C extends AnyCause>(parts: GradeChangeParts<C>): GradeChange<C> {
  const { compiled, contactId, sequence, cause, now, was, is, values } = parts;
  const matrix = compiled.matrix as CompiledMatrix;
  const id = deterministicId(
    [contactId, sequence, causeKey(cause), compiled.name, compiled.version, 'grade', was.grade, is.grade].join('\u0000'),
  );
  const axisScore = (index: number) => ({ id: (compiled.scores[index] as CompiledScore).id, score: values[index] as number });
  const qualified = qualifiedCrossingOf({ was, is, sequence });
  const crossing: ThresholdCrossing<C> | null = qualified && {
    id: deterministicId(`${id}\u0000${qualified.threshold}\u0000${qualified.direction}`),
    ...qualified,
    contactId,
    sequence,
    previousScore: was.qualified ? 1 : 0,
    score: is.qualified ? 1 : 0,
    gridName: compiled.name,
    gridVersion: compiled.version,
    cause,
    evaluatedAt: now,
  };
  return {
    id,
    contactId,
    sequence,
    previousGrade: was.grade,
    grade: is.grade,
    rowScore: axisScore(matrix.rows.score),
    columnScore: axisScore(matrix.columns.score),
    qualified: is.qualified,
    gridName: compiled.name,
    gridVersion: compiled.version,
    cause,
    evaluatedAt: now,
    crossing,
  };
}
