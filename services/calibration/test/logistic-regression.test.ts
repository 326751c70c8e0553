import { describe, expect, it } from 'vitest';
import { CalibrationError, fitLogistic } from '../src/index.js';

/** n rows of feature value x and label y. */
const rows = (n: number, x: number, y: boolean) => Array.from({ length: n }, () => ({ x: [x], y }));

describe('fitLogistic (IRLS over ml-matrix)', () => {
  // 2×2 table: x=1: 30 converted / 10 not; x=0: 20 / 40
  const data = [...rows(30, 1, true), ...rows(10, 1, false), ...rows(20, 0, true), ...rows(40, 0, false)];
  const x = data.map((d) => d.x);
  const y = data.map((d) => d.y);

  it('without penalty, recovers the log odds ratio of a 2×2 table exactly', () => {
    const fit = fitLogistic(x, y, { l2: 0 });
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(Math.log(20 / 40), 8);
    expect(fit.weights[0]).toBeCloseTo(Math.log(30 / 10 / (20 / 40)), 8);
    // Woolf's standard error of a log odds ratio: sqrt(1/a + 1/b + 1/c + 1/d)
    expect(fit.standardErrors[0]).toBeCloseTo(Math.sqrt(1 / 30 + 1 / 10 + 1 / 20 + 1 / 40), 6);
  });

  it('the L2 penalty shrinks the weight, not the intercept, and stays finite under separation', () => {
    const shrunk = fitLogistic(x, y, { l2: 10 });
    expect(shrunk.weights[0]!).toBeGreaterThan(0);
    expect(shrunk.weights[0]!).toBeLessThan(Math.log(6));
    const separated = fitLogistic([[1], [1], [0], [0]], [true, true, false, false], { l2: 1 });
    expect(separated.converged).toBe(true);
    expect(Number.isFinite(separated.weights[0]!)).toBe(true);
    expect(separated.weights[0]!).toBeGreaterThan(0.5);
  });

  it('needs both classes', () => {
    expect(() => fitLogistic([[1], [0]], [true, true])).toThrowError(CalibrationError);
  });
});
