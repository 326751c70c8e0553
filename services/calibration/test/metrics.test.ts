import { describe, expect, it } from 'vitest';
import { auc, bestF1, deciles, histogram, roc, ruleFiring, thresholdStats, thresholdSweep } from '../src/index.js';

describe('metrics against hand-computed values', () => {
  // scores:    90  80  80  70  60  60  50  40
  // converted:  1   1   0   1   0   1   0   0
  const scores = [90, 80, 80, 70, 60, 60, 50, 40];
  const converted = [true, true, false, true, false, true, false, false];

  it('AUC counts ties one half (Mann-Whitney)', () => {
    // pairs (converter, non-converter): 4 × 4 = 16
    // 90: beats all 4 → 4; 80: beats 60,50,40 (3) + tie with 80 (0.5) → 3.5
    // 70: beats 60,50,40 → 3; 60: beats 50,40 (2) + tie with 60 (0.5) → 2.5; total 13 / 16
    expect(auc(scores, converted)).toBeCloseTo(13 / 16, 12);
    expect(auc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5);
    expect(auc([2, 1], [true, false])).toBe(1);
    expect(auc([1, 2], [true, false])).toBe(0);
    expect(auc([1, 2], [true, true])).toBeNull();
  });

  it('ROC has one point per distinct score, from (0,0) to (1,1)', () => {
    const curve = roc(scores, converted);
    expect(curve.points.map((p) => [p.threshold, p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [Infinity, 0, 0],
      [90, 0, 0.25],
      [80, 0.25, 0.5],
      [70, 0.25, 0.75],
      [60, 0.5, 1],
      [50, 0.75, 1],
      [40, 1, 1],
    ]);
  });

  it('precision, recall, F1, false positives and negatives at a threshold', () => {
    const t = thresholdStats(scores, converted, 70); // selects 90, 80, 80, 70: TP 3, FP 1
    expect(t).toMatchObject({ selected: 4, truePositives: 3, falsePositives: 1, falseNegatives: 1, trueNegatives: 3 });
    expect(t.precision).toBeCloseTo(0.75);
    expect(t.recall).toBeCloseTo(0.75);
    expect(t.f1).toBeCloseTo(0.75);
    const none = thresholdStats(scores, converted, 100);
    expect(none).toMatchObject({ selected: 0, precision: 0, recall: 0, f1: 0 });
  });

  it('the sweep agrees with thresholdStats at every distinct score; best F1', () => {
    const sweep = thresholdSweep(scores, converted);
    expect(sweep.map((s) => s.threshold)).toEqual([40, 50, 60, 70, 80, 90]);
    for (const s of sweep) expect(s).toEqual(thresholdStats(scores, converted, s.threshold));
    // at 60: TP 4, FP 2 → p 2/3, r 1, F1 0.8 (the best)
    expect(bestF1(sweep)?.threshold).toBe(60);
    expect(bestF1(sweep)?.f1).toBeCloseTo(0.8);
  });

  it('deciles: equal groups by rank, lift against the overall rate', () => {
    const d = deciles(scores, converted, 4); // quartiles of 2 contacts
    expect(d.map((q) => [q.converters, q.conversionRate, q.lift, q.cumulativeRecall])).toEqual([
      [2, 1, 2, 0.5],
      [1, 0.5, 1, 0.75],
      [1, 0.5, 1, 1],
      [0, 0, 0, 1],
    ]);
    expect(d[0]).toMatchObject({ minScore: 80, maxScore: 90 });
    expect(deciles(scores, converted)).toHaveLength(8); // 10 parts of 8 contacts: 8 non-empty
  });

  it('histogram: nice bins covering every score, converters counted', () => {
    const bins = histogram(scores, converted, 5);
    expect(bins[0]!.from).toBeLessThanOrEqual(40);
    expect(bins.at(-1)!.to).toBeGreaterThan(90);
    expect(bins.reduce((a, b) => a + b.contacts, 0)).toBe(8);
    expect(bins.reduce((a, b) => a + b.converters, 0)).toBe(4);
    expect(bins.map((b) => b.to - b.from).every((w) => w === 10)).toBe(true);
  });

  it('rule firing rates by class', () => {
    const [rule] = ruleFiring([{ ruleId: 'r', label: 'R' }], [[1], [0], [2], [0]], [true, true, false, false]);
    expect(rule).toEqual({ ruleId: 'r', label: 'R', convertersRate: 0.5, nonConvertersRate: 0.5, ratio: 1 });
  });
});
