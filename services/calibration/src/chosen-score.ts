import type { CompiledGrid, CompiledScore, Grid, Threshold } from '@leadscore/engine';
import { CalibrationError, CalibrationErrorCode } from './calibration-error.js';

/**
 * The score backtest and learn evaluate: the one named `id`, or the grid's first when no id is
 * given (a grid without `scores` has one, `score`). @throws CalibrationError for an unknown id,
 * naming the grid's score ids.
 */
export function chosenScore(compiled: CompiledGrid, id?: string): CompiledScore {
  const first = compiled.scores[0] as CompiledScore;
  if (id === undefined) return first;
  const score = compiled.scores.find((s) => s.id === id);
  if (score !== undefined) return score;
  throw new CalibrationError(
    CalibrationErrorCode.BadOption,
    `grid ${compiled.name} v${compiled.version} has no score ${JSON.stringify(id)}; its scores: ${compiled.scores.map((s) => s.id).join(', ')}`,
  );
}

/**
 * The chosen score's thresholds as the grid file lists them (in its order, not sorted): the
 * grid's own `thresholds` without `scores`, else the score's.
 */
export function thresholdsOf(grid: Grid, score: CompiledScore): readonly Threshold[] {
  if (grid.scores === undefined) return grid.thresholds ?? [];
  return grid.scores[score.index]?.thresholds ?? [];
}
