import type { SeededRandom } from '@leadscore/seeded-random';

/**
 * Weighted choice among a fixed list, in O(log n) per draw: the cumulative weights are computed
 * once. Zero weights are never drawn.
 */
export class WeightedTable<T> {
  private readonly cumulative: number[] = [];
  private readonly items: T[] = [];
  readonly total: number;

  constructor(entries: readonly (readonly [number, T])[]) {
    let sum = 0;
    for (const [weight, item] of entries) {
      if (weight <= 0) continue;
      sum += weight;
      this.cumulative.push(sum);
      this.items.push(item);
    }
    if (this.items.length === 0) throw new RangeError('a weighted table needs at least one positive weight');
    this.total = sum;
  }

  draw(random: SeededRandom): T {
    return this.items[upperBound(this.cumulative, random.next() * this.total, this.cumulative.length)]!;
  }
}

/** The first index i < length with sorted[i] > value (length - 1 if none: guards float edges). */
export function upperBound(sorted: readonly number[], value: number, length: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
