import type { CompiledGrid } from './compile-grid.js';
import type { ContactState } from './contact-state.js';
import { DAY_MS, inWindow } from './utc-day.js';

/**
 * The earliest instant after `now` (epoch ms, always a UTC midnight) at which the count of
 * some windowed rule drops, or null if no count ever will. A decay sweeper re-evaluates the
 * contact then; the score may or may not change (reevaluate says).
 */
export function nextExpiryAt(compiled: CompiledGrid, state: ContactState, now: number): number | null {
  let earliest: number | null = null;
  for (const rule of compiled.rules) {
    if (rule.kind !== 'counting') continue;
    const windowDays = rule.counter.windowDays;
    if (windowDays === null) continue;
    const counter = state.counters.get(rule.counter.key);
    if (counter === undefined || counter.kind !== 'daily') continue;
    for (const day of counter.days.keys()) {
      if (!inWindow(day, now, windowDays)) continue;
      // The day leaves the window when utcDay(t) − windowDays reaches it.
      const expiry = (day + windowDays) * DAY_MS;
      if (expiry > now && (earliest === null || expiry < earliest)) earliest = expiry;
    }
  }
  return earliest;
}
