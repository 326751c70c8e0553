import type { CompiledCountingRule, CompiledGrid } from './compile-grid.js';
import type { ContactState } from './contact-state.js';
import { inWindow } from './utc-day.js';

/** One rule's part of a score. For condition and property rules, count is 1 while they hold. */
export interface Contribution {
  readonly ruleId: string;
  readonly label: string;
  readonly count: number;
  readonly points: number;
}

export interface Score {
  readonly score: number;
  /** Every rule of the grid, in grid order (zeros included). */
  readonly contributions: readonly Contribution[];
}

/** n for a counting rule at `now`: all-time count (capped at saturation), or events in its window. */
export function ruleCount(rule: CompiledCountingRule, state: ContactState, now: number): number {
  const counter = state.counters.get(rule.counter.key);
  if (counter === undefined) return 0;
  if (counter.kind === 'total') return Math.min(counter.count, rule.counter.saturation);
  const windowDays = rule.counter.windowDays ?? Infinity;
  let n = 0;
  for (const [day, keys] of counter.days) if (inWindow(day, now, windowDays)) n += keys.length;
  return n;
}

/** The score as a pure function of (grid, state, now): spec §3. */
export function scoreAt(compiled: CompiledGrid, state: ContactState, now: number): Score {
  const counts = new Map<string, number>();
  for (const rule of compiled.rules) {
    if (rule.kind === 'counting') counts.set(rule.id, ruleCount(rule, state, now));
  }
  const countOf = (ruleId: string): number => counts.get(ruleId) ?? 0;
  let total = 0;
  const contributions = compiled.rules.map((rule): Contribution => {
    let count: number;
    let points: number;
    switch (rule.kind) {
      case 'counting':
        count = countOf(rule.id);
        points = rule.contribution(count);
        break;
      case 'condition':
        count = rule.holds(countOf) ? 1 : 0;
        points = count === 0 ? 0 : rule.points;
        break;
      case 'property': {
        const entry = state.properties.get(rule.property);
        count = rule.holds(entry?.value) ? 1 : 0;
        points = count === 0 ? 0 : rule.points;
        break;
      }
    }
    total += points;
    return { ruleId: rule.id, label: rule.label, count, points };
  });
  const score = Math.min(compiled.bounds.max, Math.max(compiled.bounds.min, total));
  return { score, contributions };
}
