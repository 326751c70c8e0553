import { SeededRandom } from '@leadscore/seeded-random';

/**
 * Stratified k-fold assignment: converters and non-converters are each shuffled (seeded) and
 * dealt round-robin into k folds, so every fold keeps about the overall conversion rate.
 * Returns the fold (0..k-1) of each contact. Pure.
 */
export function stratifiedFolds(converted: readonly boolean[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be a whole number ≥ 2, got ${k}`);
  const random = new SeededRandom(seed);
  const fold = new Array<number>(converted.length).fill(0);
  let next = 0;
  for (const label of [true, false]) {
    const members = random.shuffle(converted.flatMap((c, i) => (c === label ? [i] : [])));
    for (const i of members) {
      fold[i] = next % k;
      next += 1;
    }
  }
  return fold;
}
