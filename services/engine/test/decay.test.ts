/**
 * A decaying points rule's arithmetic (decay.ts): exact worths, whole periods by UTC day, and
 * the next instant a worth changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDecay, decayedPoints, decayPeriods, nextDecayAt, worthAt } from '../src/decay.js';
import { DAY_MS, utcDay } from '../src/utc-day.js';

const NOW = Date.parse('2026-03-10T15:00:00Z');
const TODAY = utcDay(NOW);

/** The worth after k periods straight from the definition, in integers: floor(|P| × (100 − by)^k / 100^k). */
function definitionWorth(points: number, percent: number, k: number): number {
  return Number((BigInt(Math.abs(points)) * BigInt(100 - percent) ** BigInt(k)) / 100n ** BigInt(k));
}

describe('decay arithmetic', () => {
  it('is exact where floating point is not: 100 points at 30 % after two periods are worth 49', () => {
    expect(Math.floor(100 * 0.7 ** 2)).toBe(48); // why the worths are computed in integers
    expect(compileDecay(100, undefined, 30, 30).worths).toEqual([100, 70, 49, 34, 24, 16, 11, 8, 5, 4, 2, 1, 1]);
  });

  it('the table of worths is the definition until it reaches 0, and ends there', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 1, max: 100 }), (points, percent) => {
        const { worths } = compileDecay(points, undefined, 1, percent);
        worths.forEach((worth, k) => expect(worth).toBe(definitionWorth(points, percent, k)));
        expect(definitionWorth(points, percent, worths.length)).toBe(0);
        expect(worths.every((w, k) => w > 0 && (k === 0 || w <= (worths[k - 1] as number)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('by 100%: an event is worth its points for one period, then nothing', () => {
    const decay = compileDecay(-40, undefined, 7, 100);
    expect(decay.worths).toEqual([40]);
    expect(worthAt(decay, TODAY - 6, NOW)).toBe(40);
    expect(worthAt(decay, TODAY - 7, NOW)).toBe(0);
    expect(decayedPoints(decay, new Map([[TODAY - 6, 2]]), NOW)).toBe(-80);
  });

  it('periods are whole UTC days since the event day; an event dated later than today has none', () => {
    const decay = compileDecay(10, undefined, 30, 50);
    expect(decayPeriods(decay, TODAY, NOW)).toBe(0);
    expect(decayPeriods(decay, TODAY + 1, NOW)).toBe(0);
    expect(decayPeriods(decay, TODAY - 29, NOW)).toBe(0);
    expect(decayPeriods(decay, TODAY - 30, NOW)).toBe(1);
    // the boundary is the UTC midnight: the last millisecond before it is still the period before
    const boundary = (TODAY - 29 + 30) * DAY_MS;
    expect(worthAt(decay, TODAY - 29, boundary - 1)).toBe(10);
    expect(worthAt(decay, TODAY - 29, boundary)).toBe(5);
  });

  it('the sum of worths is capped by |limit| and carries the sign of the points', () => {
    const decay = compileDecay(-100, 150, 10, 50);
    const days = new Map([
      [TODAY, 1], // 100
      [TODAY - 10, 1], // 50
      [TODAY - 25, 2], // 25 each
    ]);
    expect(decayedPoints(decay, days, NOW)).toBe(-150);
    expect(decayedPoints(compileDecay(-100, undefined, 10, 50), days, NOW)).toBe(-200);
    expect(decayedPoints(decay, undefined, NOW)).toBe(0);
  });

  it('the next change skips the periods whose floor keeps the worth', () => {
    // 10 points at 10 %: 10, 9, 8, 7, 6, 5, 5, 4, ... (5.9 and 5.3 both floor to 5)
    const decay = compileDecay(10, undefined, 1, 10);
    expect(decay.worths.slice(0, 8)).toEqual([10, 9, 8, 7, 6, 5, 5, 4]);
    const day = TODAY - 5; // k = 5, worth 5: the next change is at k = 7
    expect(nextDecayAt(decay, day, NOW)).toBe((day + 7) * DAY_MS);
    expect(nextDecayAt(decay, TODAY + 2, NOW)).toBe((TODAY + 3) * DAY_MS);
    expect(nextDecayAt(decay, TODAY - 1000, NOW)).toBeNull();
  });

  it('nothing changes between now and the next change, and something does at it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: -3, max: 60 }),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        (points, percent, every, age, timeOfDay) => {
          const decay = compileDecay(points, undefined, every, percent);
          const day = TODAY - age;
          const now = TODAY * DAY_MS + timeOfDay;
          const next = nextDecayAt(decay, day, now);
          if (next === null) {
            expect(worthAt(decay, day, now)).toBe(0);
            return;
          }
          expect(next).toBeGreaterThan(now);
          expect(next % DAY_MS).toBe(0);
          for (let t = now; t < next; t += DAY_MS) expect(worthAt(decay, day, t)).toBe(worthAt(decay, day, now));
          expect(worthAt(decay, day, next - 1)).toBe(worthAt(decay, day, now));
          expect(worthAt(decay, day, next)).toBeLessThan(worthAt(decay, day, now));
        },
      ),
      { numRuns: 300 },
    );
  });
});
