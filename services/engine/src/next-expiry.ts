import type { CompiledGrid } from './compile-grid.js';
import type { ContactState } from './contact-state.js';
import { nextDecayAt } from './decay.js';
import { DAY_MS, inWindow } from './utc-day.js';

/**
 * The earliest instant after `now` (epoch ms, always a UTC midnight) at which the count of
 * some windowed rule drops or some decaying event loses worth, or null if none ever will. A
 * decay sweeper re-evaluates the contact then; the score may or may not change (reevaluate says).
 */
export function nextExpiryAt(compiled: CompiledGrid, state: ContactState, now: number): number | null {
  let earliest: number | null = null;
  for (const rule of compiled.rules) {
    if (rule.kind !== 'counting' || !rule.counter.daily) continue;
    const counter = state.counters.get(rule.counter.key);
    if (counter === undefined || counter.kind !== 'daily') continue;
    const { windowDays, decay } = rule.counter;
    for (const day of counter.days.keys()) {
      const at = decay !== null ? nextDecayAt(decay, day, now) : windowExpiry(day, now, windowDays as number);
      if (at !== null && (earliest === null || at < earliest)) earliest = at;
    }
  }
  return earliest;
}

/** When the events of UTC day `day` leave a window of `windowDays` (after `now`), or null if they have. */
function windowExpiry(day: number, now: number, windowDays: number): number | null {
  if (!inWindow(day, now, windowDays)) return null;
  // The day leaves the window when utcDay(t) − windowDays reaches it.
  const expiry = (day + windowDays) * DAY_MS;
  return expiry > now ? expiry : null;
}
