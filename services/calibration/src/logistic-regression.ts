import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import { CalibrationError, CalibrationErrorCode } from './calibration-error.js';

export interface LogisticFit {
  readonly intercept: number;
  /** Log-odds per unit of each feature (column order of the input). */
  readonly weights: readonly number[];
  /** Approximate standard errors of the weights (from the penalised Hessian). */
  readonly standardErrors: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
}

export interface LogisticOptions {
  /** L2 penalty λ on the weights (not the intercept): minimises −log L + λ/2 · Σ w². Default 1. */
  readonly l2?: number;
  readonly maxIterations?: number;
  /** Stop when no coefficient moves by more than this. */
  readonly tolerance?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS): each step solves
 * (XᵀWX + λP) Δ = Xᵀ(y − p) − λPβ with ml-matrix's Cholesky decomposition, P the identity
 * without the intercept. The penalty keeps weights finite when a behaviour perfectly separates
 * the classes and shrinks the weights of rare behaviours toward 0 (no evidence, no points).
 * `rows[i]` are contact i's feature values, `y[i]` whether it converted. Pure, deterministic.
 * @throws CalibrationError (NotEnoughData) when both classes are not present.
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  y: readonly boolean[],
  options: LogisticOptions = {},
): LogisticFit {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-8;
  const n = rows.length;
  const positives = y.filter(Boolean).length;
  if (positives === 0 || positives === n) {
    throw new CalibrationError(
      CalibrationErrorCode.NotEnoughData,
      `need both converters and non-converters to learn from; got ${positives} converter(s) among ${n} contact(s)`,
    );
  }
  const p = (rows[0]?.length ?? 0) + 1; // column 0: intercept
  const beta = new Float64Array(p);
  beta[0] = Math.log(positives / (n - positives));
  const x = (i: number, j: number): number => (j === 0 ? 1 : rows[i]![j - 1]!);
  let iterations = 0;
  let converged = false;
  let hessian = new Matrix(p, p);
  while (iterations < maxIterations) {
    iterations += 1;
    hessian = new Matrix(p, p);
    const gradient = new Float64Array(p);
    for (let i = 0; i < n; i += 1) {
      let z = 0;
      for (let j = 0; j < p; j += 1) z += beta[j]! * x(i, j);
      const mu = sigmoid(z);
      const w = Math.max(mu * (1 - mu), 1e-12);
      const r = (y[i] ? 1 : 0) - mu;
      for (let j = 0; j < p; j += 1) {
        const xij = x(i, j);
        if (xij === 0) continue;
        gradient[j]! += xij * r;
        for (let k = j; k < p; k += 1) {
          const xik = x(i, k);
          if (xik !== 0) hessian.set(j, k, hessian.get(j, k) + w * xij * xik);
        }
      }
    }
    for (let j = 0; j < p; j += 1) {
      for (let k = 0; k < j; k += 1) hessian.set(j, k, hessian.get(k, j));
      if (j > 0) {
        hessian.set(j, j, hessian.get(j, j) + l2);
        gradient[j]! -= l2 * beta[j]!;
      }
    }
    const step = solveSymmetric(hessian, Matrix.columnVector(Array.from(gradient)));
    let largest = 0;
    for (let j = 0; j < p; j += 1) {
      const d = step.get(j, 0);
      beta[j]! += d;
      largest = Math.max(largest, Math.abs(d));
    }
    if (largest < tolerance) {
      converged = true;
      break;
    }
  }
  const covariance = solveSymmetric(hessian, Matrix.eye(p, p));
  return {
    intercept: beta[0]!,
    weights: Array.from(beta.subarray(1)),
    standardErrors: Array.from({ length: p - 1 }, (_, j) => Math.sqrt(Math.max(0, covariance.get(j + 1, j + 1)))),
    iterations,
    converged,
  };
}

/** Cholesky when positive definite (the usual case with λ > 0), else a general solve. */
function solveSymmetric(a: Matrix, b: Matrix): Matrix {
  const cholesky = new CholeskyDecomposition(a);
  return cholesky.isPositiveDefinite() ? cholesky.solve(b) : solve(a, b, true);
}

/** Log-odds of each row under a fit. */
export function predictLogOdds(fit: LogisticFit, rows: readonly (readonly number[])[]): number[] {
  return rows.map((row) => row.reduce((z, v, j) => z + v * (fit.weights[j] ?? 0), fit.intercept));
}
