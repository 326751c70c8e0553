import type { Scalar, ValueOperators } from './grid-types.js';

/** A property value as events carry it; `undefined` means absent. */
export type PropertyValue = string | number | boolean | null;

export type ValuePredicate = (value: PropertyValue | undefined) => boolean;

/**
 * Equality as a marketer reads a grid: same value, or the same text across types, so the
 * grid's `123` matches an event's `"123"` and `true` matches `"true"`.
 */
export function sameValue(a: Scalar, b: Scalar): boolean {
  return a === b || (typeof a !== typeof b && String(a) === String(b));
}

/** Numbers, and strings that are numbers (`"42"`); anything else is not comparable. */
function asNumber(value: Scalar): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

type Test = (value: Scalar) => boolean;

/**
 * Compiles operators (all must hold) into one predicate. A missing property (absent or null)
 * fails every operator except `exists: false` and `notIn` (docs/scoring-contract.md §2).
 */
export function compileValuePredicate(ops: ValueOperators): ValuePredicate {
  const tests: Test[] = [];
  let whenMissing = true;
  const add = (test: Test, holdsWhenMissing = false): void => {
    tests.push(test);
    whenMissing &&= holdsWhenMissing;
  };
  if (ops.exists !== undefined) {
    const wanted = ops.exists;
    add(() => wanted, !wanted);
  }
  if (ops.equals !== undefined) {
    const expected = ops.equals;
    add((v) => sameValue(v, expected));
  }
  if (ops.in !== undefined) {
    const list = ops.in;
    add((v) => list.some((item) => sameValue(v, item)));
  }
  if (ops.notIn !== undefined) {
    const list = ops.notIn;
    add((v) => !list.some((item) => sameValue(v, item)), true);
  }
  if (ops.startsWith !== undefined) {
    const prefix = ops.startsWith;
    add((v) => String(v).startsWith(prefix));
  }
  if (ops.contains !== undefined) {
    const part = ops.contains;
    add((v) => String(v).includes(part));
  }
  if (ops.matches !== undefined) {
    // Same flags as grid validation (grid-semantics.ts). No `g`: test() must be stateless.
    const regex = new RegExp(ops.matches, 'u');
    add((v) => regex.test(String(v)));
  }
  const bounds: [number | undefined, (n: number, k: number) => boolean][] = [
    [ops.gte, (n, k) => n >= k],
    [ops.gt, (n, k) => n > k],
    [ops.lte, (n, k) => n <= k],
    [ops.lt, (n, k) => n < k],
  ];
  for (const [limit, compare] of bounds) {
    if (limit === undefined) continue;
    add((v) => {
      const n = asNumber(v);
      return n !== undefined && compare(n, limit);
    });
  }
  const holdsWhenMissing = whenMissing && tests.length > 0;
  return (value) => {
    if (value === undefined || value === null) return holdsWhenMissing;
    for (const test of tests) if (!test(value)) return false;
    return true;
  };
}
