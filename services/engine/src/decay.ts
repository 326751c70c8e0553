import { DAY_MS, utcDay } from './utc-day.js';

/**
 * A points rule's `decay` compiled (docs/grid-authoring.md#decay): every counted event loses
 * `by` of its worth each `every` days after its UTC day, exactly, in whole points.
 */
export interface CompiledDecay {
  readonly everyDays: number;
  /**
   * `worths[k]`: what one event is worth after k whole periods, `floor(|points| × (1 − by)^k)`
   * computed in integers (no floating point); positive and non-increasing; 0 from
   * `worths.length` on, when the event can be forgotten.
   */
  readonly worths: readonly number[];
  /** The sign of the rule's points. */
  readonly sign: number;
  /** |limit|, or Infinity without a limit. */
  readonly cap: number;
}

/** `50%` → 50 (the grid schema guarantees the format, the semantic checks the range 1-100). */
export function decayPercent(by: string): number {
  return Number.parseInt(by.slice(0, -1), 10);
}

/**
 * Longest table of worths a rule may have: whole percents from 1 % make about 100 × ln|points|
 * periods, under 2 200 for any points a grid can hold; this only stops a runaway loop.
 */
const MAX_PERIODS = 100_000;

export function compileDecay(points: number, limit: number | undefined, everyDays: number, percent: number): CompiledDecay {
  const worths: number[] = [];
  const kept = BigInt(100 - percent);
  let numerator = BigInt(Math.abs(points));
  let denominator = 1n;
  for (let k = 0; k < MAX_PERIODS; k += 1) {
    const worth = numerator / denominator; // BigInt division floors for non-negative values
    if (worth === 0n) break;
    worths.push(Number(worth));
    numerator *= kept;
    denominator *= 100n;
  }
  return { everyDays, worths, sign: Math.sign(points), cap: limit === undefined ? Infinity : Math.abs(limit) };
}

/** Whole periods since an event of UTC day `day` at `now`; 0 for an event dated later than today. */
export function decayPeriods(decay: CompiledDecay, day: number, now: number): number {
  const age = utcDay(now) - day;
  return age <= 0 ? 0 : Math.floor(age / decay.everyDays);
}

/** What one event of UTC day `day` is worth at `now` (0: it can be forgotten). */
export function worthAt(decay: CompiledDecay, day: number, now: number): number {
  return decay.worths[decayPeriods(decay, day, now)] ?? 0;
}

/** The rule's contribution at `now` from its counts by UTC day: `sign · min(Σ worths, cap)`. */
export function decayedPoints(decay: CompiledDecay, days: ReadonlyMap<number, number> | undefined, now: number): number {
  if (days === undefined || decay.sign === 0) return 0;
  let sum = 0;
  for (const [day, count] of days) sum += count * worthAt(decay, day, now);
  return sum === 0 ? 0 : decay.sign * Math.min(sum, decay.cap);
}

/**
 * The first UTC midnight after `now` at which an event of UTC day `day` is worth less than at
 * `now`, or null when it is worth 0 already. Periods whose floor gives the same worth are
 * skipped: nothing changes at their boundaries.
 */
export function nextDecayAt(decay: CompiledDecay, day: number, now: number): number | null {
  const k = decayPeriods(decay, day, now);
  const worth = decay.worths[k];
  if (worth === undefined) return null;
  let next = k + 1;
  while (next < decay.worths.length && decay.worths[next] === worth) next += 1;
  return (day + next * decay.everyDays) * DAY_MS;
}
