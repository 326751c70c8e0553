/** Windows are whole UTC days; all times are epoch milliseconds. */
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of an instant. */
export function utcDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/** `180d` → 180 (the grid schema guarantees the format). */
export function windowDays(within: string): number {
  return Number.parseInt(within.slice(0, -1), 10);
}

/**
 * Whether an event of UTC day `day` counts at `now` in a window of `days` days:
 * `day > utcDay(now) − days` (docs/scoring-contract.md §3). Later days, up to the 24 h of clock skew parseEvent
 * accepts, count too.
 */
export function inWindow(day: number, now: number, days: number): boolean {
  return day > utcDay(now) - days;
}
