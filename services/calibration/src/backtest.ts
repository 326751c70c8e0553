import { compileGrid, type Contribution, type Grid } from '@leadscore/engine';
import { CalibrationError, CalibrationErrorCode } from './calibration-error.js';
import { chosenScore, thresholdsOf } from './chosen-score.js';
import type { ContactRow } from './contact-features.js';
import { gradeConversion, type GradeConversion } from './grade-conversion.js';
import {
  bestF1,
  deciles,
  histogram,
  rankByScore,
  roc,
  ruleFiring,
  thresholdStats,
  thresholdSweep,
  type Decile,
  type HistogramBin,
  type Roc,
  type RuleFiring,
  type ThresholdStats,
} from './metrics.js';

export interface TopContact {
  readonly contactId: string;
  readonly score: number;
  readonly converted: boolean;
  /** The chosen score's rules with non-zero points or count, grid order. */
  readonly contributions: readonly Contribution[];
}

export interface TopSegment {
  /** 0.2 for the top 20 %. */
  readonly share: number;
  readonly contacts: number;
  readonly converters: number;
  readonly conversionRate: number;
  /** Share of all converters found in the segment. */
  readonly recall: number;
  readonly lift: number;
  /** The lowest score in the segment. */
  readonly minScore: number;
  readonly contactIds: readonly string[];
}

export interface BacktestReport {
  readonly grid: { readonly name: string; readonly version: number };
  /**
   * The score backtested, for a grid with `scores` only (a grid without them has one score and
   * its report is as it was before several scores).
   */
  readonly score?: { readonly id: string; readonly label: string };
  readonly at: number;
  readonly contacts: number;
  readonly converters: number;
  readonly conversionRate: number;
  readonly histogram: readonly HistogramBin[];
  readonly topSegment: TopSegment;
  readonly topContacts: readonly TopContact[];
  readonly deciles: readonly Decile[];
  /** The chosen score's own thresholds (e.g. MQL at 1000). */
  readonly gridThresholds: readonly (ThresholdStats & { readonly name: string })[];
  /** Every distinct score as a threshold, ascending. */
  readonly sweep: readonly ThresholdStats[];
  readonly bestF1: ThresholdStats | undefined;
  readonly roc: Roc;
  /** The chosen score's rules (directly or through a group), grid order. */
  readonly rules: readonly RuleFiring[];
  /** Conversion by grade, for a grid with a `matrix` only (whatever the chosen score). */
  readonly matrix?: GradeConversion;
}

export interface BacktestOptions {
  readonly topShare?: number;
  readonly topContacts?: number;
  readonly bins?: number;
  /** Which of the grid's scores `rows` hold (default: the first); the one contactRows was given. */
  readonly score?: string;
}

/**
 * The backtest of a grid's chosen score on labelled contacts (see contactRows; `rows` must hold
 * that score). Pure. @throws CalibrationError without rows or for an unknown score
 */
export function backtest(grid: Grid, rows: readonly ContactRow[], at: number, options: BacktestOptions = {}): BacktestReport {
  const compiled = compileGrid(grid);
  const chosen = chosenScore(compiled, options.score);
  if (rows.length === 0) {
    throw new CalibrationError(CalibrationErrorCode.NotEnoughData, 'no labelled contact has events: nothing to backtest');
  }
  // by rule position: whether the rule belongs to the chosen score (every rule without `scores`)
  const ofScore = chosen.holds;
  const scores = rows.map((r) => r.score);
  const converted = rows.map((r) => r.converted);
  const converters = converted.filter(Boolean).length;
  const rate = converters / rows.length;
  const order = rankByScore(scores);
  const share = options.topShare ?? 0.2;
  const topCount = Math.max(1, Math.round(rows.length * share));
  const top = order.slice(0, topCount);
  const topConverters = top.filter((i) => converted[i]).length;
  const sweep = thresholdSweep(scores, converted);
  return {
    grid: { name: grid.name, version: grid.version },
    ...(compiled.multiScore && { score: { id: chosen.id, label: chosen.label } }),
    at,
    contacts: rows.length,
    converters,
    conversionRate: rate,
    histogram: histogram(scores, converted, options.bins ?? 10),
    topSegment: {
      share,
      contacts: topCount,
      converters: topConverters,
      conversionRate: topConverters / topCount,
      recall: converters === 0 ? 0 : topConverters / converters,
      lift: rate === 0 ? 0 : topConverters / topCount / rate,
      minScore: scores[top[top.length - 1]!]!,
      contactIds: top.map((i) => rows[i]!.contactId),
    },
    topContacts: order.slice(0, options.topContacts ?? 10).map((i) => {
      const row = rows[i]!;
      return {
        contactId: row.contactId,
        score: row.score,
        converted: row.converted,
        contributions: row.contributions.filter((c, i) => ofScore[i] && (c.points !== 0 || c.count !== 0)),
      };
    }),
    deciles: deciles(scores, converted),
    gridThresholds: thresholdsOf(grid, chosen).map((t) => ({ name: t.name, ...thresholdStats(scores, converted, t.at) })),
    sweep,
    bestF1: bestF1(sweep),
    roc: roc(scores, converted),
    rules: ruleFiring(
      grid.rules.map((r) => ({ ruleId: r.id, label: r.label ?? r.id })),
      rows.map((r) => r.features),
      converted,
    ).filter((_, i) => ofScore[i]),
    ...(grid.matrix && { matrix: gradeConversion(grid.matrix, rows) }),
  };
}
