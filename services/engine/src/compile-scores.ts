import { DEFAULT_SCORE_ID, type GradeBand, type Grid, type Threshold } from './grid-types.js';

/** The clamp of a total; ±Infinity when absent. */
export interface Bounds {
  readonly min: number;
  readonly max: number;
}

/** A group of a score: a sub-total of some rules with its own bounds (a "group limit"). */
export interface CompiledGroup {
  readonly id: string;
  readonly label: string;
  /** Rule positions in the grid. */
  readonly rules: readonly number[];
  readonly bounds: Bounds;
}

/** One score of a contact (docs/grid-authoring.md "Several scores"). */
export interface CompiledScore {
  readonly id: string;
  readonly label: string;
  /** Position in `CompiledGrid.scores`. */
  readonly index: number;
  /** Rule positions the score adds directly, in grid order. */
  readonly rules: readonly number[];
  readonly groups: readonly CompiledGroup[];
  readonly bounds: Bounds;
  /** Ascending by `at`. */
  readonly thresholds: readonly Threshold[];
  /** By rule position: whether the rule is part of this score (directly or through a group). */
  readonly holds: readonly boolean[];
}

/** A matrix axis: the score it reads and its bands, `at` descending, the last at -Infinity. */
export interface CompiledAxis {
  readonly score: number;
  readonly bands: readonly { readonly name: string; readonly at: number }[];
}

export interface CompiledMatrix {
  readonly rows: CompiledAxis;
  readonly columns: CompiledAxis;
  readonly qualified: ReadonlySet<string>;
}

/** Where a grade is: its name, the two band names, and whether it qualifies. */
export interface Grade {
  readonly grade: string;
  readonly row: string;
  readonly column: string;
  readonly qualified: boolean;
}

/** The id threshold-crossed carries for the matrix's `qualified` crossing. */
export const MATRIX_SCORE_ID = 'matrix';
/** The matrix's crossing reads as a threshold `qualified` at 1 on the 0/1 "qualified" indicator. */
export const QUALIFIED_THRESHOLD: Threshold = { name: 'qualified', at: 1 };

const boundsOf = (bounds: { readonly min?: number; readonly max?: number } | undefined): Bounds => ({
  min: bounds?.min ?? -Infinity,
  max: bounds?.max ?? Infinity,
});

const ascending = (thresholds: readonly Threshold[] | undefined): Threshold[] =>
  [...(thresholds ?? [])].sort((a, b) => a.at - b.at);

/**
 * A validated grid's scores: its `scores`, or, without them, the one score `score` holding every
 * rule with the grid's `bounds` and `thresholds` (a grid of before several scores).
 */
export function compileScores(grid: Grid): CompiledScore[] {
  const ruleIndex = new Map(grid.rules.map((rule, index) => [rule.id, index]));
  const positions = (ids: readonly string[] | undefined): number[] =>
    (ids ?? []).map((id) => ruleIndex.get(id) as number).sort((a, b) => a - b);
  const membership = (direct: readonly number[], groups: readonly CompiledGroup[]): boolean[] => {
    const holds = new Array<boolean>(grid.rules.length).fill(false);
    for (const i of direct) holds[i] = true;
    for (const group of groups) for (const i of group.rules) holds[i] = true;
    return holds;
  };
  if (grid.scores === undefined) {
    const rules = grid.rules.map((_, i) => i);
    return [
      {
        id: DEFAULT_SCORE_ID,
        label: 'Score',
        index: 0,
        rules,
        groups: [],
        bounds: boundsOf(grid.bounds),
        thresholds: ascending(grid.thresholds),
        holds: membership(rules, []),
      },
    ];
  }
  return grid.scores.map((score, index) => {
    const groups = (score.groups ?? []).map((group) => ({
      id: group.id,
      label: group.label ?? group.id,
      rules: positions(group.rules),
      bounds: boundsOf(group.bounds),
    }));
    const rules = positions(score.rules);
    return {
      id: score.id,
      label: score.label ?? score.id,
      index,
      rules,
      groups,
      bounds: boundsOf(score.bounds),
      thresholds: ascending(score.thresholds),
      holds: membership(rules, groups),
    };
  });
}

/** A validated grid's matrix, null without one. */
export function compileMatrix(grid: Grid, scores: readonly CompiledScore[]): CompiledMatrix | null {
  const matrix = grid.matrix;
  if (matrix === undefined) return null;
  const axis = (a: { readonly score: string; readonly bands: readonly GradeBand[] }): CompiledAxis => ({
    score: (scores.find((s) => s.id === a.score) as CompiledScore).index,
    bands: a.bands.map((band) => ({ name: band.name, at: band.at ?? -Infinity })),
  });
  return { rows: axis(matrix.rows), columns: axis(matrix.columns), qualified: new Set(matrix.qualified) };
}

export const clamp = (bounds: Bounds, total: number): number => Math.min(bounds.max, Math.max(bounds.min, total));

/** A group's value from the rules' points (by rule position). */
export function groupValue(group: CompiledGroup, points: ArrayLike<number>): number {
  let total = 0;
  for (const i of group.rules) total += points[i] as number;
  return clamp(group.bounds, total);
}

/** A score's value from the rules' points: its groups' values and its own rules' points, clamped. */
export function scoreValue(score: CompiledScore, points: ArrayLike<number>): number {
  let total = 0;
  for (const group of score.groups) total += groupValue(group, points);
  for (const i of score.rules) total += points[i] as number;
  return clamp(score.bounds, total);
}

/** The first band whose `at` ≤ value (the last band catches every value). */
function bandOf(axis: CompiledAxis, value: number): string {
  for (const band of axis.bands) if (band.at <= value) return band.name;
  return (axis.bands[axis.bands.length - 1] as { name: string }).name;
}

/** The grade of a contact whose scores (by score position) are `values`. */
export function gradeOf(matrix: CompiledMatrix, values: ArrayLike<number>): Grade {
  const row = bandOf(matrix.rows, values[matrix.rows.score] as number);
  const column = bandOf(matrix.columns, values[matrix.columns.score] as number);
  const grade = row + column;
  return { grade, row, column, qualified: matrix.qualified.has(grade) };
}
