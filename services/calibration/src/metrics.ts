/**
 * Ranking metrics of a score against outcomes. Every function takes parallel arrays
 * (`scores[i]` of a contact, `converted[i]` its outcome) and is pure. "Selected at t" means
 * score ≥ t, like a threshold's `at`.
 */

export interface HistogramBin {
  /** Inclusive. */
  readonly from: number;
  /** Exclusive, except the last bin's, which is inclusive. */
  readonly to: number;
  readonly contacts: number;
  readonly converters: number;
}

/** A step of 1, 2 or 5 × 10^k, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return Math.max(1, m * power);
  return Math.max(1, 10 * power);
}

/** About `bins` bins of a nice width, aligned on multiples of that width. */
export function histogram(scores: readonly number[], converted: readonly boolean[], bins = 10): HistogramBin[] {
  if (scores.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const width = niceStep((max - min) / bins);
  const start = Math.floor(min / width) * width;
  const count = Math.max(1, Math.floor((max - start) / width) + 1);
  const result = Array.from({ length: count }, (_, i) => ({
    from: start + i * width,
    to: start + (i + 1) * width,
    contacts: 0,
    converters: 0,
  }));
  scores.forEach((s, i) => {
    const bin = result[Math.min(count - 1, Math.floor((s - start) / width))]!;
    bin.contacts += 1;
    if (converted[i]) bin.converters += 1;
  });
  return result;
}

/** The order of contacts by score, highest first; ties broken by index (stable). */
export function rankByScore(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

export interface Decile {
  /** 1 = the top 10 % of scores. */
  readonly decile: number;
  readonly contacts: number;
  readonly converters: number;
  readonly conversionRate: number;
  /** conversionRate / the overall conversion rate (1 = no better than picking at random). */
  readonly lift: number;
  /** Share of all converters in this decile and the ones above it. */
  readonly cumulativeRecall: number;
  readonly minScore: number;
  readonly maxScore: number;
}

/**
 * Contacts ranked by score and cut into 10 groups of (nearly) equal size. Contacts with the
 * same score on both sides of a cut are split by their order in the input (the lift of tied
 * groups is shared, not invented).
 */
export function deciles(scores: readonly number[], converted: readonly boolean[], parts = 10): Decile[] {
  const n = scores.length;
  const total = converted.filter(Boolean).length;
  const overall = n === 0 ? 0 : total / n;
  const order = rankByScore(scores);
  const result: Decile[] = [];
  let cumulative = 0;
  for (let d = 0; d < parts; d += 1) {
    const from = Math.floor((d * n) / parts);
    const to = Math.floor(((d + 1) * n) / parts);
    if (to <= from) continue;
    let converters = 0;
    for (let k = from; k < to; k += 1) if (converted[order[k]!]) converters += 1;
    cumulative += converters;
    const rate = converters / (to - from);
    result.push({
      decile: d + 1,
      contacts: to - from,
      converters,
      conversionRate: rate,
      lift: overall === 0 ? 0 : rate / overall,
      cumulativeRecall: total === 0 ? 0 : cumulative / total,
      minScore: scores[order[to - 1]!]!,
      maxScore: scores[order[from]!]!,
    });
  }
  return result;
}

export interface ThresholdStats {
  /** Contacts with score ≥ threshold are selected (e.g. become MQLs). */
  readonly threshold: number;
  readonly selected: number;
  readonly truePositives: number;
  /** Selected but did not convert: MQLs sales chased for nothing. */
  readonly falsePositives: number;
  /** Converted but not selected: buyers the threshold missed. */
  readonly falseNegatives: number;
  readonly trueNegatives: number;
  /** TP / selected (0 when nothing is selected). */
  readonly precision: number;
  /** TP / converters. */
  readonly recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: number;
}

export function thresholdStats(scores: readonly number[], converted: readonly boolean[], threshold: number): ThresholdStats {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const selected = s >= threshold;
    if (converted[i]) {
      if (selected) tp += 1;
      else fn += 1;
    } else if (selected) fp += 1;
    else tn += 1;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    threshold,
    selected: tp + fp,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    precision,
    recall,
    f1,
  };
}

/** Every threshold that selects a different set: each distinct score, ascending. */
export function thresholdSweep(scores: readonly number[], converted: readonly boolean[]): ThresholdStats[] {
  // one pass from the top: contacts at or above each distinct score
  const distinct = [...new Set(scores)].sort((a, b) => b - a);
  const order = rankByScore(scores);
  const total = converted.filter(Boolean).length;
  const n = scores.length;
  const result: ThresholdStats[] = [];
  let k = 0;
  let tp = 0;
  let fp = 0;
  for (const t of distinct) {
    while (k < n && scores[order[k]!]! >= t) {
      if (converted[order[k]!]) tp += 1;
      else fp += 1;
      k += 1;
    }
    const fn = total - tp;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = total === 0 ? 0 : tp / total;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    result.push({
      threshold: t,
      selected: tp + fp,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      trueNegatives: n - total - fp,
      precision,
      recall,
      f1,
    });
  }
  return result.reverse();
}

/** The threshold with the best F1 (the lowest such threshold on ties). */
export function bestF1(sweep: readonly ThresholdStats[]): ThresholdStats | undefined {
  let best: ThresholdStats | undefined;
  for (const s of sweep) if (best === undefined || s.f1 > best.f1) best = s;
  return best;
}

export interface RocPoint {
  /** Selected at score ≥ threshold (Infinity for the (0,0) corner). */
  readonly threshold: number;
  readonly falsePositiveRate: number;
  readonly truePositiveRate: number;
}

export interface Roc {
  /** From (0,0) to (1,1); one point per distinct score, so tied scores make a diagonal step. */
  readonly points: readonly RocPoint[];
  /**
   * Area under the curve: the probability that a random converter scores higher than a random
   * non-converter, ties counting one half (Mann-Whitney). null without both classes.
   */
  readonly auc: number | null;
}

export function roc(scores: readonly number[], converted: readonly boolean[]): Roc {
  const positives = converted.filter(Boolean).length;
  const negatives = converted.length - positives;
  const points: RocPoint[] = [{ threshold: Infinity, falsePositiveRate: 0, truePositiveRate: 0 }];
  if (positives === 0 || negatives === 0) return { points, auc: null };
  const order = rankByScore(scores);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let k = 0;
  while (k < order.length) {
    const t = scores[order[k]!]!;
    const [tp0, fp0] = [tp, fp];
    while (k < order.length && scores[order[k]!]! === t) {
      if (converted[order[k]!]) tp += 1;
      else fp += 1;
      k += 1;
    }
    // trapezoid over the whole tied group: exactly the "ties count one half" rule
    area += ((fp - fp0) * (tp + tp0)) / 2;
    points.push({ threshold: t, falsePositiveRate: fp / negatives, truePositiveRate: tp / positives });
  }
  return { points, auc: area / (positives * negatives) };
}

/** AUC alone (see roc). */
export function auc(scores: readonly number[], converted: readonly boolean[]): number | null {
  return roc(scores, converted).auc;
}

export interface RuleFiring {
  readonly ruleId: string;
  readonly label: string;
  /** Share of converters for whom the rule fired (count > 0, or the condition/property held). */
  readonly convertersRate: number;
  readonly nonConvertersRate: number;
  /** convertersRate / nonConvertersRate; null when it never fired on non-converters. */
  readonly ratio: number | null;
}

export function ruleFiring(
  rules: readonly { readonly ruleId: string; readonly label: string }[],
  features: readonly (readonly number[])[],
  converted: readonly boolean[],
): RuleFiring[] {
  const positives = converted.filter(Boolean).length;
  const negatives = converted.length - positives;
  return rules.map((rule, r) => {
    let onPositives = 0;
    let onNegatives = 0;
    features.forEach((row, i) => {
      if ((row[r] ?? 0) > 0) {
        if (converted[i]) onPositives += 1;
        else onNegatives += 1;
      }
    });
    const convertersRate = positives === 0 ? 0 : onPositives / positives;
    const nonConvertersRate = negatives === 0 ? 0 : onNegatives / negatives;
    return {
      ruleId: rule.ruleId,
      label: rule.label,
      convertersRate,
      nonConvertersRate,
      ratio: nonConvertersRate === 0 ? null : convertersRate / nonConvertersRate,
    };
  });
}
