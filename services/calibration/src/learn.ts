import { compileGrid, type CompiledGrid, type CompiledScore, type Grid } from '@leadscore/engine';
import { CalibrationError, CalibrationErrorCode } from './calibration-error.js';
import { chosenScore, thresholdsOf } from './chosen-score.js';
import type { ContactRow } from './contact-features.js';
import { stratifiedFolds } from './cross-validation.js';
import { designMatrix, featureColumns, type FeatureColumn } from './feature-matrix.js';
import { fitLogistic, type LogisticFit } from './logistic-regression.js';
import { auc, bestF1, ruleFiring, thresholdSweep, type ThresholdStats } from './metrics.js';
import {
  gridYaml,
  proposeGrid,
  scoreFromFeatures,
  withThreshold,
  type ProposedGrid,
  type ProposedRuleExplanation,
} from './propose-grid.js';
import { leftOutWording, proposeScoreGrid, type MovedBand } from './score-proposal.js';

export interface LearnOptions {
  /** Points of the strongest rule (default 1000). */
  readonly scale?: number;
  /** L2 penalty (default 1). */
  readonly l2?: number;
  /** Cross-validation folds (default 5). */
  readonly folds?: number;
  readonly seed?: number;
  readonly maxLevel?: number;
  /**
   * Which of the grid's scores to learn (default: the first): its rules are the features, its
   * value the current score, and only its rules get new points (docs/calibration.md).
   */
  readonly score?: string;
}

export interface FoldResult {
  readonly fold: number;
  readonly contacts: number;
  readonly converters: number;
  readonly proposedAuc: number | null;
  readonly currentAuc: number | null;
}

export interface LearnReport {
  /** "grid": features are the rules of the given grid; "event-types": one rule per event type. */
  readonly basis: 'grid' | 'event-types';
  /** The score learned, for a grid with `scores` only. */
  readonly score?: { readonly id: string; readonly label: string };
  readonly contacts: number;
  readonly converters: number;
  readonly options: Required<Omit<LearnOptions, 'seed' | 'score'>> & { readonly seed: number };
  readonly columns: readonly FeatureColumn[];
  readonly fit: Pick<LogisticFit, 'intercept' | 'iterations' | 'converged'>;
  readonly rules: readonly ProposedRuleExplanation[];
  readonly proposedGrid: Grid;
  readonly proposedYaml: string;
  /** The proposed grid's threshold: best F1 on all contacts. */
  readonly threshold: ThresholdStats | undefined;
  readonly crossValidation: {
    readonly folds: readonly FoldResult[];
    /** Mean over folds of the AUC on held-out contacts. */
    readonly proposedAuc: number | null;
    /** The current grid on the same held-out contacts (null without a current grid). */
    readonly currentAuc: number | null;
  };
  /** On all contacts (optimistic for the proposed grid: it was fitted on them). */
  readonly inSample: { readonly proposedAuc: number | null; readonly currentAuc: number | null };
  /** Scores of every contact under the proposed grid, in row order (the learned score's). */
  readonly proposedScores: readonly number[];
  /**
   * For a grid with `scores` whose matrix reads the learned score: its bands, moved to the
   * learned scale (each keeps about the contacts it held).
   */
  readonly bands?: readonly MovedBand[];
}

const mean = (xs: readonly (number | null)[]): number | null => {
  const ok = xs.filter((x): x is number => x !== null);
  return ok.length === 0 ? null : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/**
 * Learns a grid from labelled contacts. `base` defines the features (its rules; on a grid with
 * `scores`, the rules of the score `options.score`; with basis "event-types" it is the
 * generated one-rule-per-type grid) and `rows` come from contactRows(base, …, { score }). The
 * model is fitted once per fold on the other folds and scored on the held-out one, turned into
 * a grid each time exactly as the final proposal is (same scale, same rounding), so the
 * cross-validated AUC is that of a grid file, not of the raw model. Learning one score of
 * several, the proposal is the whole grid with that score re-weighted (proposeScoreGrid).
 * Pure and deterministic (seeded folds).
 */
export function learnGrid(
  base: Grid,
  basis: 'grid' | 'event-types',
  rows: readonly ContactRow[],
  options: LearnOptions = {},
): LearnReport {
  const settings = {
    scale: options.scale ?? 1000,
    l2: options.l2 ?? 1,
    folds: options.folds ?? 5,
    seed: options.seed ?? 1,
    maxLevel: options.maxLevel ?? 3,
  };
  if (!Number.isInteger(settings.scale) || settings.scale < 10) {
    throw new CalibrationError(CalibrationErrorCode.BadOption, `scale must be a whole number ≥ 10, got ${settings.scale}`);
  }
  const compiled = compileGrid(base);
  const chosen = chosenScore(compiled, options.score);
  const converted = rows.map((r) => r.converted);
  const positives = converted.filter(Boolean).length;
  if (positives < settings.folds || rows.length - positives < settings.folds) {
    throw new CalibrationError(
      CalibrationErrorCode.NotEnoughData,
      `need at least ${settings.folds} converters and ${settings.folds} non-converters to learn and cross-validate; got ${positives} converter(s) among ${rows.length} contact(s)`,
    );
  }
  const features = rows.map((r) => r.features);
  const columns = featureColumns(base, features, {
    maxLevel: settings.maxLevel,
    ...(compiled.multiScore && { learns: chosen.holds }),
  });
  const x = designMatrix(columns, features);
  const ruleIds = base.rules.map((r) => r.id);
  const firing = ruleFiring(
    base.rules.map((r) => ({ ruleId: r.id, label: r.label ?? r.id })),
    features,
    converted,
  );
  const propose = (fit: LogisticFit, description?: string): ProposedGrid =>
    proposeGrid(base, columns, fit, {
      scale: settings.scale,
      firing,
      version: basis === 'grid' ? base.version + 1 : 1,
      ...(description !== undefined && { description }),
      ...(compiled.multiScore && { leftOut: leftOutWording(compiled, chosen) }),
    });

  const foldOf = stratifiedFolds(converted, settings.folds, settings.seed);
  const folds: FoldResult[] = [];
  for (let k = 0; k < settings.folds; k += 1) {
    const train = rows.map((_, i) => i).filter((i) => foldOf[i] !== k);
    const test = rows.map((_, i) => i).filter((i) => foldOf[i] === k);
    const fit = fitLogistic(
      train.map((i) => x[i]!),
      train.map((i) => converted[i]!),
      { l2: settings.l2 },
    );
    const proposed = propose(fit);
    const testLabels = test.map((i) => converted[i]!);
    folds.push({
      fold: k + 1,
      contacts: test.length,
      converters: testLabels.filter(Boolean).length,
      proposedAuc: auc(
        test.map((i) => scoreFromFeatures(proposed.compiled, ruleIds, features[i]!)),
        testLabels,
      ),
      currentAuc:
        basis === 'grid'
          ? auc(
              test.map((i) => rows[i]!.score),
              testLabels,
            )
          : null,
    });
  }

  const fit = fitLogistic(x, converted, { l2: settings.l2 });
  const description =
    `Proposed by leadscore learn from ${rows.length} contacts (${positives} converted): L2 logistic regression ` +
    `(λ = ${settings.l2}) on ${basis === 'grid' ? `the rules of ${learnedWhat(compiled, chosen)}` : 'event types'}; the strongest rule is worth ${settings.scale} points.`;
  let proposed = propose(fit, description);
  const scores = features.map((f) => scoreFromFeatures(proposed.compiled, ruleIds, f));
  const threshold = bestF1(thresholdSweep(scores, converted));
  const thresholdName = thresholdsOf(base, chosen)[0]?.name ?? 'MQL';
  if (threshold !== undefined) {
    proposed = withThreshold(
      proposed,
      thresholdName,
      threshold.threshold,
      `Best F1 on the history: precision ${threshold.precision.toFixed(2)}, recall ${threshold.recall.toFixed(2)} ` +
        `(${threshold.selected} of ${rows.length} contacts at or above it). Move it up for fewer, surer leads; down to miss fewer buyers.`,
    );
  }
  const whole = compiled.multiScore
    ? proposeScoreGrid(compiled, chosen, proposed, { current: rows.map((r) => r.score), proposed: scores })
    : { grid: proposed.grid, rules: proposed.rules, bands: [] };
  const cvProposed = mean(folds.map((f) => f.proposedAuc));
  const cvCurrent = mean(folds.map((f) => f.currentAuc));
  const header = [
    `Proposed by \`leadscore learn\` from ${rows.length} contacts (${positives} converted).`,
    `Weights are log-odds from an L2-regularised logistic regression (λ = ${settings.l2}): +0.69 doubles the odds of converting, −0.69 halves them, other rules being equal. ` +
      `${proposed.pointsPerLogOdds.toFixed(0)} points per unit of log-odds, so the strongest rule is worth ${settings.scale} points; points are rounded to multiples of ${proposed.granularity}.`,
    `Cross-validated AUC (${settings.folds} folds, held-out contacts): proposed ${fmt(cvProposed)}` +
      (basis === 'grid' ? `, current ${fmt(cvCurrent)}.` : '.'),
    ...(compiled.multiScore ? scoreHeader(compiled, chosen, whole.bands) : []),
    'Review every rule before deploying: the model learns correlation in this history, not cause.',
  ];
  return {
    basis,
    ...(compiled.multiScore && { score: { id: chosen.id, label: chosen.label } }),
    contacts: rows.length,
    converters: positives,
    options: settings,
    columns,
    fit: { intercept: fit.intercept, iterations: fit.iterations, converged: fit.converged },
    rules: whole.rules,
    proposedGrid: whole.grid,
    proposedYaml: gridYaml(whole.grid, whole.rules, header),
    threshold,
    crossValidation: { folds, proposedAuc: cvProposed, currentAuc: cvCurrent },
    inSample: {
      proposedAuc: auc(scores, converted),
      currentAuc:
        basis === 'grid'
          ? auc(
              rows.map((r) => r.score),
              converted,
            )
          : null,
    },
    proposedScores: scores,
    ...(whole.bands.length > 0 && { bands: whole.bands }),
  };
}

/** "b2b v1", or "score engagement of b2b v1" for a grid with `scores`. */
function learnedWhat(compiled: CompiledGrid, score: CompiledScore): string {
  const grid = `${compiled.name} v${compiled.version}`;
  return compiled.multiScore ? `score ${score.id} of ${grid}` : grid;
}

/** The header lines of a proposal for one score of several: what changed, and the moved bands. */
function scoreHeader(compiled: CompiledGrid, score: CompiledScore, bands: readonly MovedBand[]): string[] {
  const others = compiled.scores.filter((s) => s !== score).map((s) => s.id);
  const lines = [
    `Only score ${score.id} is learned: its rules' points, its threshold; its bounds and its groups' bounds are left out (the fit knows no clamp). ` +
      `The other scores (${others.join(', ')}) and their rules are as in ${compiled.name} v${compiled.version}.`,
  ];
  if (bands.length > 0) {
    const moves = bands.map(
      (b) => `${b.name} at ${b.previousAt} → ${b.at} (${b.contacts} → ${b.proposedContacts} contacts at or above)`,
    );
    lines.push(
      `The matrix's ${bands[0]!.axis} (${score.id}) moved to the learned scale so that each band holds about the contacts it held: ${moves.join('; ')}.`,
    );
  }
  return lines;
}

const fmt = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
