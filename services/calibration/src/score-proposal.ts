import {
  compileGrid,
  type CompiledGrid,
  type CompiledScore,
  type GradeBand,
  type GradeMatrix,
  type Grid,
  type ScoreDefinition,
  type Threshold,
} from '@leadscore/engine';
import { CalibrationError, CalibrationErrorCode } from './calibration-error.js';
import type { ProposedGrid, ProposedRuleExplanation } from './propose-grid.js';

/** A band of the matrix axis that reads the learned score, moved to the learned scale. */
export interface MovedBand {
  readonly axis: 'rows' | 'columns';
  readonly name: string;
  /** The band's `at` in the current grid, and in the proposed one. */
  readonly previousAt: number;
  readonly at: number;
  /** Contacts at or above `previousAt` under the current grid (the share the move keeps). */
  readonly contacts: number;
  /** Contacts at or above `at` under the proposed grid (as near `contacts` as the scores allow). */
  readonly proposedContacts: number;
}

export interface ScoreProposal {
  /** The whole grid: the learned score's rules re-weighted, everything else as it was. */
  readonly grid: Grid;
  readonly compiled: CompiledGrid;
  /** The explanations of the learned score's rules, in grid order. */
  readonly rules: readonly ProposedRuleExplanation[];
  readonly bands: readonly MovedBand[];
}

const list = (ids: readonly string[]): string => ids.join(', ');

/** Rule id → the ids of the scores other than `score` that list it. */
export function otherScoresOf(compiled: CompiledGrid, score: CompiledScore): Map<string, string[]> {
  const others = new Map<string, string[]>();
  compiled.rules.forEach((rule, i) => {
    if (!score.holds[i]) return;
    const ids = compiled.scores.filter((s) => s !== score && s.holds[i]).map((s) => s.id);
    if (ids.length > 0) others.set(rule.id, ids);
  });
  return others;
}

/**
 * How the explanation says what happens to a rule of the learned score that earns nothing when
 * another score lists it too: the other score keeps it unchanged (for proposeGrid's `leftOut`).
 */
export function leftOutWording(compiled: CompiledGrid, score: CompiledScore): (ruleId: string) => string | undefined {
  const others = otherScoresOf(compiled, score);
  return (ruleId) => {
    const ids = others.get(ruleId);
    return ids === undefined ? undefined : `left out of ${score.id}, kept as it is for ${list(ids)}`;
  };
}

/**
 * The proposal for one score of a grid with `scores` (learn --score): `proposed` is the fit
 * turned into a grid of one score over the same rules (only the chosen score's rules learned),
 * and this puts it back into the whole grid. The chosen score's rules take their learned
 * points, tiers and threshold (when it has one); a rule that earns nothing leaves the score
 * (and the grid, unless another score lists it or a condition reads it); the score loses its
 * bounds and its groups' bounds (the fit knows no clamp, as for one score); the matrix bands on
 * it move to the learned scale (moveBands). Every other rule and score, the matrix's other axis
 * and `accounts` stay as they are. A learned rule that another score lists changes that score
 * too (a rule has one set of points), and its explanation says so. Pure.
 * @throws CalibrationError when no rule of the score is left to score with
 */
export function proposeScoreGrid(
  base: CompiledGrid,
  score: CompiledScore,
  proposed: ProposedGrid,
  scores: { readonly current: readonly number[]; readonly proposed: readonly number[] },
): ScoreProposal {
  const grid = base.grid;
  const others = otherScoresOf(base, score);
  const status = new Map(proposed.rules.map((e) => [e.ruleId, e.status]));
  const learnedRules = new Map(proposed.grid.rules.map((r) => [r.id, r]));
  const scored = new Set(grid.rules.filter((r, i) => score.holds[i] && status.get(r.id) === 'scored').map((r) => r.id));

  const rules = grid.rules.flatMap((rule, i) => {
    if (!score.holds[i] || (!scored.has(rule.id) && others.has(rule.id))) return [rule];
    // learned points, a 0-point counter a condition reads, or nothing
    const learned = learnedRules.get(rule.id);
    return learned === undefined ? [] : [learned];
  });
  const definitions = (grid.scores ?? []).map((s, k) =>
    k === score.index ? learnedScore(s, scored, proposed.grid.thresholds) : s,
  );
  const { bands, matrix } = movedMatrix(grid.matrix, score.id, scores, proposed.granularity);
  const { name, dedupe, rules: _rules, scores: _scores, matrix: _matrix, version: _v, description: _d, ...rest } = grid;
  const result: Grid = {
    name,
    version: proposed.grid.version,
    ...(proposed.grid.description !== undefined && { description: proposed.grid.description }),
    ...(dedupe && { dedupe }),
    rules,
    ...rest,
    scores: definitions,
    ...(matrix && { matrix }),
  };
  return { grid: result, compiled: compileGrid(result), rules: explainedRules(base, score, proposed, others), bands };
}

/**
 * The explanations of the chosen score's rules, grid order: a rule another score lists is
 * "removed" (from this score only) when it earns nothing, and says that its learned points
 * change the other score when it earns some.
 */
function explainedRules(
  base: CompiledGrid,
  score: CompiledScore,
  proposed: ProposedGrid,
  others: ReadonlyMap<string, readonly string[]>,
): ProposedRuleExplanation[] {
  const explanations = new Map(proposed.rules.map((e) => [e.ruleId, e]));
  return base.grid.rules.flatMap((rule, i) => {
    const e = explanations.get(rule.id);
    if (!score.holds[i] || e === undefined) return [];
    const ids = others.get(rule.id);
    if (ids === undefined) return [e];
    if (e.status !== 'scored') return [{ ...e, status: 'removed' as const }];
    const them = ids.length === 1 ? 'that score' : 'those scores';
    return [{ ...e, explanation: `${e.explanation} Also in ${list(ids)}: its new points change ${them} too.` }];
  });
}

/**
 * The chosen score with its rules and groups reduced to those that earn points, its learned
 * threshold in place of its own (a score without thresholds gets none: the matrix, or nothing,
 * qualifies on it, and a new threshold would emit crossings nobody asked for), and no bounds
 * (the learned points are not on the old scale). @throws CalibrationError when nothing of it is left
 */
function learnedScore(
  definition: ScoreDefinition,
  scored: ReadonlySet<string>,
  thresholds: readonly Threshold[] | undefined,
): ScoreDefinition {
  const { rules, groups, bounds: _bounds, thresholds: _thresholds, ...names } = definition;
  const kept = (rules ?? []).filter((id) => scored.has(id));
  const keptGroups = (groups ?? []).flatMap(({ bounds: _groupBounds, ...group }) => {
    const members = group.rules.filter((id) => scored.has(id));
    return members.length === 0 ? [] : [{ ...group, rules: members }];
  });
  if (kept.length === 0 && keptGroups.length === 0) {
    throw new CalibrationError(
      CalibrationErrorCode.NotEnoughData,
      `no rule of score ${definition.id} has a measurable effect on conversion in this history: nothing to propose for it`,
    );
  }
  return {
    ...names,
    ...(kept.length > 0 && { rules: kept }),
    ...(keptGroups.length > 0 && { groups: keptGroups }),
    ...((definition.thresholds ?? []).length > 0 && thresholds !== undefined && thresholds.length > 0 && { thresholds }),
  };
}

/** The matrix with the bands of the axis reading `scoreId` moved (unchanged when no axis reads it). */
function movedMatrix(
  matrix: GradeMatrix | undefined,
  scoreId: string,
  scores: { readonly current: readonly number[]; readonly proposed: readonly number[] },
  step: number,
): { readonly matrix: GradeMatrix | undefined; readonly bands: readonly MovedBand[] } {
  if (matrix === undefined) return { matrix, bands: [] };
  const axis = matrix.rows.score === scoreId ? 'rows' : matrix.columns.score === scoreId ? 'columns' : undefined;
  if (axis === undefined) return { matrix, bands: [] };
  const moved = moveBands(axis, matrix[axis].bands, scores.current, scores.proposed, step);
  return {
    matrix: { ...matrix, [axis]: { ...matrix[axis], bands: moved.map((b) => b.band) } },
    bands: moved.flatMap((b) => b.moved),
  };
}

/**
 * Bands on the learned scale: each band's `at` moves to the learned score at or above which
 * about as many contacts are as were at or above its old `at` under the current grid, so every
 * grade holds about the contacts it held (sales get the volume they agreed to, ranked by the
 * learned score). Two bands landing on the same cut stay strictly descending by moving the
 * upper one up a step (an upper band may come out emptier than it was, never fuller: nobody is
 * graded higher than the old volumes allow). The catch-all keeps no `at`. `step` is the learned
 * points' rounding, so every learned score is a multiple of it.
 */
export function moveBands(
  axis: 'rows' | 'columns',
  bands: readonly GradeBand[],
  current: readonly number[],
  proposed: readonly number[],
  step: number,
): { readonly band: GradeBand; readonly moved: readonly MovedBand[] }[] {
  const descending = [...proposed].sort((a, b) => b - a);
  const atOrAbove = (values: readonly number[], t: number): number => values.filter((v) => v >= t).length;
  const cuts = bands.map((band) =>
    band.at === undefined ? undefined : nearestCut(descending, atOrAbove(current, band.at), step),
  );
  // from the lowest band with an `at` up: each at least a step above the one below it
  for (let i = cuts.length - 2; i >= 0; i -= 1) {
    const below = cuts[i + 1];
    if (cuts[i] !== undefined && below !== undefined) cuts[i] = Math.max(cuts[i]!, below + step);
  }
  return bands.map((band, i) => {
    const at = cuts[i];
    if (band.at === undefined || at === undefined) return { band, moved: [] };
    const moved: MovedBand = {
      axis,
      name: band.name,
      previousAt: band.at,
      at,
      contacts: atOrAbove(current, band.at),
      proposedContacts: atOrAbove(proposed, at),
    };
    return { band: { ...band, at }, moved: [moved] };
  });
}

/**
 * The cut (a score of `descending`, or one step above the highest for "nobody") that puts the
 * number of contacts at or above it nearest `target`; on a tie the higher cut.
 */
function nearestCut(descending: readonly number[], target: number, step: number): number {
  let best = (descending[0] ?? 0) + step;
  let gap = target;
  let k = 0;
  while (k < descending.length) {
    const cut = descending[k]!;
    while (k < descending.length && descending[k] === cut) k += 1;
    // k contacts score at or above `cut`
    if (Math.abs(k - target) < gap) {
      best = cut;
      gap = Math.abs(k - target);
    }
  }
  return best;
}
