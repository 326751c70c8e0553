import type { CompiledCountingRule, CompiledGrid, CompiledRule } from './compile-grid.js';
import { clamp, gradeOf, groupValue, scoreValue, type CompiledScore, type Grade } from './compile-scores.js';
import { countsAt, type ContactState } from './contact-state.js';
import { decayedPoints } from './decay.js';

/** One rule's part of a score. For condition and property rules, count is 1 while they hold. */
export interface Contribution {
  readonly ruleId: string;
  readonly label: string;
  readonly count: number;
  readonly points: number;
}

/** A group's sub-total within a score. */
export interface GroupValue {
  readonly id: string;
  readonly label: string;
  readonly value: number;
}

/** One of the contact's scores (a grid without `scores` has one: `score`). */
export interface ScoreValue {
  readonly id: string;
  readonly label: string;
  readonly score: number;
  /** Its groups' values, in the order the grid lists them. */
  readonly groups: readonly GroupValue[];
  /** Its rules (directly or through a group), by grid position. */
  readonly rules: readonly number[];
}

export interface Score {
  /** The first score's value (a grid without `scores`: its one score). */
  readonly score: number;
  /** Every rule of the grid, in grid order (zeros included). */
  readonly contributions: readonly Contribution[];
  /** Every score, in the order the grid lists them. */
  readonly scores: readonly ScoreValue[];
  /** The grade matrix's cell; null without a matrix. */
  readonly grade: Grade | null;
}

/**
 * n for a counting rule at `now`: all-time count (capped at saturation), or the events of the
 * days that still count (in its window, or still worth something under its decay).
 */
export function ruleCount(rule: CompiledCountingRule, state: ContactState, now: number): number {
  const counter = state.counters.get(rule.counter.key);
  if (counter === undefined) return 0;
  if (counter.kind === 'total') return Math.min(counter.count, rule.counter.saturation);
  let n = 0;
  for (const [day, count] of counter.days) if (countsAt(rule.counter, day, now)) n += count;
  return n;
}

/** A counting rule's points at `now` with n = `count`: its points for n, or its decayed events' worth. */
function countingPoints(rule: CompiledCountingRule, state: ContactState, count: number, now: number): number {
  const decay = rule.counter.decay;
  if (decay === null) return rule.contribution(count);
  const counter = state.counters.get(rule.counter.key);
  return decayedPoints(decay, counter?.kind === 'daily' ? counter.days : undefined, now);
}

/**
 * Every rule's count and points at `now`, in grid order, handed to `each` (when given); returns
 * the clamped total. The one pass both `scoreAt` and `totalAt` make.
 */
function score(
  compiled: CompiledGrid,
  state: ContactState,
  now: number,
  each?: (rule: CompiledRule, index: number, count: number, points: number) => void,
): number {
  const rules = compiled.rules;
  // Counting rules first: conditions read their counts by rule index.
  const counts = new Array<number>(rules.length).fill(0);
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    if (rule.kind === 'counting') counts[i] = ruleCount(rule, state, now);
  }
  let total = 0;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = rules[i] as CompiledRule;
    let count: number;
    let points: number;
    switch (rule.kind) {
      case 'counting':
        count = counts[i] as number;
        points = countingPoints(rule, state, count, now);
        break;
      case 'condition':
        count = rule.holds(counts) ? 1 : 0;
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
    each?.(rule, i, count, points);
  }
  return clamp(compiled.bounds, total);
}

/** The score as a pure function of (grid, state, now): docs/scoring-contract.md §3, every score of the grid. */
export function scoreAt(compiled: CompiledGrid, state: ContactState, now: number): Score {
  const contributions = new Array<Contribution>(compiled.rules.length);
  const total = score(compiled, state, now, (rule, i, count, points) => {
    contributions[i] = { ruleId: rule.id, label: rule.label, count, points };
  });
  return scoreOf(compiled, contributions, total);
}

/**
 * The Score of every rule's contribution (grid order): a grid of one score is its clamped
 * `total`; a grid with `scores` composes each score from its groups and rules (`scoresOf`).
 */
export function scoreOf(compiled: CompiledGrid, contributions: readonly Contribution[], total: number): Score {
  if (compiled.multiScore) return scoresOf(compiled, contributions);
  const only = compiled.scores[0] as CompiledScore;
  return {
    score: total,
    contributions,
    scores: [{ id: only.id, label: only.label, score: total, groups: [], rules: only.rules }],
    grade: null,
  };
}

/** A multi-score grid's Score from its rules' contributions (grid order). */
export function scoresOf(compiled: CompiledGrid, contributions: readonly Contribution[]): Score {
  const points = contributions.map((c) => c.points);
  const scores = compiled.scores.map((s) => ({
    id: s.id,
    label: s.label,
    score: scoreValue(s, points),
    groups: s.groups.map((g) => ({ id: g.id, label: g.label, value: groupValue(g, points) })),
    rules: s.holds.flatMap((held, i) => (held ? [i] : [])),
  }));
  const values = scores.map((s) => s.score);
  const grade = compiled.matrix === null ? null : gradeOf(compiled.matrix, values);
  return { score: values[0] as number, contributions, scores, grade };
}

/** `scoreAt(...).score` without building the breakdown (the hot path of an event that changes no score). */
export function totalAt(compiled: CompiledGrid, state: ContactState, now: number): number {
  return score(compiled, state, now);
}

/** Every score's value by score position, without the breakdown (for a grid with `scores`). */
export function totalsAt(compiled: CompiledGrid, state: ContactState, now: number): number[] {
  const points = new Array<number>(compiled.rules.length);
  score(compiled, state, now, (_rule, i, _count, p) => {
    points[i] = p;
  });
  return compiled.scores.map((s) => scoreValue(s, points));
}
