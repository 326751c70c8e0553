import { compileAccounts, type CompiledAccounts } from './compile-accounts.js';
import { compileMatrix, compileScores, type CompiledMatrix, type CompiledScore } from './compile-scores.js';
import { compileDecay, decayPercent, type CompiledDecay } from './decay.js';
import { GridValidationError } from './errors.js';
import { cyrb53, fingerprint, toBase64Digits } from './hash.js';
import type { Comparator, Condition, CountingRule, Grid, Scalar, Threshold, ValueOperators, WhereClause } from './grid-types.js';
import { COMPARATORS, isConditionRule, isCountingRule } from './grid-types.js';
import type { LeadEvent } from './lead-event.js';
import { validateGrid } from './load-grid.js';
import { windowDays } from './utc-day.js';
import { compileValuePredicate, type ValuePredicate } from './value-predicate.js';

/**
 * Where a counting rule's counts live in a contact's state. Its `key` is a fingerprint of the
 * rule id and its matching definition (`on`, `where`, windowed or not, decaying or not), so a new rule, a
 * renamed rule, or one whose `on`/`where` changed starts empty (docs/grid-authoring.md).
 */
export interface CompiledCounter {
  readonly key: string;
  /** Position in `CompiledGrid.counterList`: where a working state (working-state.ts) keeps its counts. */
  readonly index: number;
  /** The rule's window in days; null for all-time and decaying counters. */
  readonly windowDays: number | null;
  /** The rule's `decay` (decay.ts); null when its events keep their worth. */
  readonly decay: CompiledDecay | null;
  /** Counted by UTC day (windowed or decaying) rather than as one all-time count. */
  readonly daily: boolean;
  /**
   * The count beyond which no rule's points and no condition can change: the counter stops
   * there and forgets event ids (Infinity: never; 0: nothing reads it, it is not stored).
   */
  readonly saturation: number;
  /** The `where` predicates (the event type is matched by `matchersByType`). */
  readonly matches: (event: LeadEvent) => boolean;
}

export interface CompiledCountingRule {
  readonly kind: 'counting';
  readonly id: string;
  readonly label: string;
  readonly counter: CompiledCounter;
  /** Points for n distinct matching events (docs/scoring-contract.md §3). */
  readonly contribution: (n: number) => number;
}

export interface CompiledConditionRule {
  readonly kind: 'condition';
  readonly id: string;
  readonly label: string;
  readonly points: number;
  /** `counts[i]` is n of the grid's i-th rule (counting rules only are read). */
  readonly holds: (counts: ArrayLike<number>) => boolean;
}

export interface CompiledPropertyRule {
  readonly kind: 'property';
  readonly id: string;
  readonly label: string;
  readonly points: number;
  readonly property: string;
  readonly holds: ValuePredicate;
}

export type CompiledRule = CompiledCountingRule | CompiledConditionRule | CompiledPropertyRule;

export interface CompiledGrid {
  readonly name: string;
  readonly version: number;
  readonly grid: Grid;
  /** The first score's thresholds (a grid without `scores`: the grid's), ascending by `at`. */
  readonly thresholds: readonly Threshold[];
  /** The first score's clamp (a grid without `scores`: the grid's `bounds`); ±Infinity when absent. */
  readonly bounds: { readonly min: number; readonly max: number };
  /**
   * The contact's scores (compile-scores.ts): the grid's `scores`, or, without them, the one
   * score `score` of every rule.
   */
  readonly scores: readonly CompiledScore[];
  /** Whether the grid lists `scores` (its outputs carry `scoreId`); false: exactly one score, `score`. */
  readonly multiScore: boolean;
  /** The grade matrix; null without one. */
  readonly matrix: CompiledMatrix | null;
  /** In grid order. */
  readonly rules: readonly CompiledRule[];
  readonly counters: ReadonlyMap<string, CompiledCounter>;
  /** Every counter (stored or not), `counterList[c.index] === c`. */
  readonly counterList: readonly CompiledCounter[];
  /** Event type → the counters it may feed (only counters that are stored). */
  readonly countersByType: ReadonlyMap<string, readonly CompiledCounter[]>;
  /**
   * Event type → every counting rule's counter, stored or not: an event passing one of them is
   * a matching event (docs/scoring-contract.md §3), remembered in the contact's recent ids whatever the rule reads.
   */
  readonly matchersByType: ReadonlyMap<string, readonly CompiledCounter[]>;
  /** N: how many recent matching event ids a contact remembers (`dedupe.recent`). */
  readonly recentLimit: number;
  /** Contact property name → the property rules that read it. */
  readonly propertyRules: ReadonlyMap<string, readonly CompiledPropertyRule[]>;
  /** The event type whose properties update contact properties (docs/scoring-contract.md §1). */
  readonly contactUpdateType: string;
  /** The `accounts` section (docs/accounts.md); null when the grid scores no accounts. */
  readonly accounts: CompiledAccounts | null;
}

export const CONTACT_UPDATED = 'contact_updated';

/** `dedupe.recent` when the grid does not say (docs/scoring-contract.md §3). */
export const DEFAULT_RECENT_LIMIT = 32;

/**
 * Builds the evaluator for a grid. Validates it first, so a hand-built object gets the same
 * checks as a loaded file. @throws GridValidationError
 */
export function compileGrid(grid: Grid): CompiledGrid {
  const validation = validateGrid(grid);
  if (!validation.ok) throw new GridValidationError(validation.errors, `${grid.name} v${grid.version}`);
  const countingRules = grid.rules.filter(isCountingRule);
  const needs = saturationNeeds(grid);

  const counters = new Map<string, CompiledCounter>();
  const counterList: CompiledCounter[] = [];
  const counterOfRule = new Map<string, CompiledCounter>();
  const countersByType = new Map<string, CompiledCounter[]>();
  const matchersByType = new Map<string, CompiledCounter[]>();
  const definitions = new Map<string, string>();
  for (const rule of countingRules) {
    const definition = `${rule.id}\u0000${matchingDefinition(rule)}`;
    const key = fingerprint(definition);
    if (definitions.has(key)) {
      const index = grid.rules.indexOf(rule);
      throw new GridValidationError(
        [{ path: `rules[${index}]`, message: "its fingerprint collides with another rule's; rename the rule" }],
        grid.name,
      );
    }
    definitions.set(key, definition);
    const windowed = rule.within === undefined ? null : windowDays(rule.within);
    const decay =
      rule.decay === undefined
        ? null
        : compileDecay(rule.points ?? 0, rule.limit, windowDays(rule.decay.every), decayPercent(rule.decay.by));
    const daily = windowed !== null || decay !== null;
    const need = decay !== null && decay.worths.length === 0 ? 0 : (needs.get(rule.id) ?? 0);
    const counter: CompiledCounter = {
      key,
      index: counterList.length,
      windowDays: windowed,
      decay,
      daily,
      // A windowed count can fall again, and a decaying event's worth does, so neither
      // saturates while anything reads it.
      saturation: daily && need > 0 ? Infinity : need,
      matches: compileWhere(rule.where),
    };
    counters.set(key, counter);
    counterList.push(counter);
    counterOfRule.set(rule.id, counter);
    for (const type of new Set(([] as string[]).concat(rule.on))) {
      addTo(matchersByType, type, counter);
      if (counter.saturation !== 0) addTo(countersByType, type, counter);
    }
  }

  const ruleIndex = new Map(grid.rules.map((rule, index) => [rule.id, index]));
  const rules: CompiledRule[] = grid.rules.map((rule) => {
    const label = rule.label ?? rule.id;
    if (isCountingRule(rule)) {
      return {
        kind: 'counting',
        id: rule.id,
        label,
        counter: counterOfRule.get(rule.id) as CompiledCounter,
        contribution: compileContribution(rule),
      };
    }
    if (isConditionRule(rule)) {
      return { kind: 'condition', id: rule.id, label, points: rule.points, holds: compileCondition(rule.when, ruleIndex) };
    }
    return {
      kind: 'property',
      id: rule.id,
      label,
      points: rule.points,
      property: rule.property,
      holds: compileValuePredicate(rule),
    };
  });

  const propertyRules = new Map<string, CompiledPropertyRule[]>();
  for (const rule of rules) {
    if (rule.kind !== 'property') continue;
    const list = propertyRules.get(rule.property) ?? [];
    list.push(rule);
    propertyRules.set(rule.property, list);
  }

  const recentLimit = grid.dedupe?.recent ?? DEFAULT_RECENT_LIMIT;
  const scores = compileScores(grid);
  const first = scores[0] as CompiledScore;
  return Object.freeze({
    name: grid.name,
    version: grid.version,
    grid,
    thresholds: first.thresholds,
    bounds: first.bounds,
    scores,
    multiScore: grid.scores !== undefined,
    matrix: compileMatrix(grid, scores),
    rules,
    counters,
    counterList,
    countersByType,
    matchersByType,
    recentLimit,
    propertyRules,
    contactUpdateType: CONTACT_UPDATED,
    accounts: compileAccounts(grid, recentLimit),
  });
}

function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Canonical text of what a counting rule counts: its types, its predicates, windowed or not, decaying or not. */
function matchingDefinition(rule: CountingRule): string {
  const types = [...new Set(([] as string[]).concat(rule.on))].sort();
  const where = Object.entries(rule.where ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([property, predicate]) => [property, canonicalOperators(toOperators(predicate))]);
  // `decaying` only when true: the keys of the rules written before decay existed stay as they were.
  return JSON.stringify({ on: types, where, windowed: rule.within !== undefined, ...(rule.decay && { decaying: true }) });
}

function canonicalOperators(ops: ValueOperators): [string, unknown][] {
  return Object.entries(ops)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, value]) => [op, Array.isArray(value) ? [...new Set(value.map((v) => JSON.stringify(v)))].sort() : value]);
}

function toOperators(predicate: Scalar | ValueOperators): ValueOperators {
  return typeof predicate === 'object' ? predicate : { equals: predicate };
}

function compileWhere(where: WhereClause | undefined): (event: LeadEvent) => boolean {
  const tests = Object.entries(where ?? {}).map(
    ([property, predicate]) => [property, compileValuePredicate(toOperators(predicate))] as const,
  );
  if (tests.length === 0) return () => true;
  return (event) => {
    for (const [property, test] of tests) {
      const value = Object.hasOwn(event.properties, property) ? event.properties[property] : undefined;
      if (!test(value)) return false;
    }
    return true;
  };
}

function compileContribution(rule: CountingRule): (n: number) => number {
  if (rule.tiers !== undefined) {
    const tiers = [...rule.tiers].reverse(); // largest atLeast first
    return (n) => tiers.find((tier) => tier.atLeast <= n)?.points ?? 0;
  }
  const points = rule.points ?? 0;
  const cap = rule.limit === undefined ? Infinity : Math.abs(rule.limit);
  return (n) => (n === 0 || points === 0 ? 0 : Math.sign(points) * Math.min(Math.abs(points) * n, cap));
}

const COMPARE: Record<Comparator, (n: number, k: number) => boolean> = {
  eq: (n, k) => n === k,
  gte: (n, k) => n >= k,
  gt: (n, k) => n > k,
  lte: (n, k) => n <= k,
  lt: (n, k) => n < k,
};

function compileCondition(condition: Condition, ruleIndex: ReadonlyMap<string, number>): (counts: ArrayLike<number>) => boolean {
  if ('rule' in condition) {
    const comparator = COMPARATORS.find((c) => condition[c] !== undefined) as Comparator;
    const k = condition[comparator] as number;
    const compare = COMPARE[comparator];
    const index = ruleIndex.get(condition.rule) as number;
    return (counts) => compare(counts[index] as number, k);
  }
  if ('all' in condition) {
    const parts = condition.all.map((c) => compileCondition(c, ruleIndex));
    return (counts) => parts.every((part) => part(counts));
  }
  if ('any' in condition) {
    const parts = condition.any.map((c) => compileCondition(c, ruleIndex));
    return (counts) => parts.some((part) => part(counts));
  }
  const inner = compileCondition(condition.not, ruleIndex);
  return (counts) => !inner(counts);
}

/**
 * Per counting rule: the count from which its points and every condition on it stop
 * changing. Points P with limit L: ceil(|L|/|P|); no limit: Infinity; tiers: the top
 * atLeast. A condition `gte k`/`lt k` is settled at k, `gt`/`eq`/`lte k` at k + 1.
 */
function saturationNeeds(grid: Grid): Map<string, number> {
  const needs = new Map<string, number>();
  const raise = (id: string, n: number): void => {
    needs.set(id, Math.max(needs.get(id) ?? 0, n));
  };
  for (const rule of grid.rules) {
    if (isCountingRule(rule)) {
      if (rule.tiers !== undefined) raise(rule.id, Math.max(...rule.tiers.map((t) => t.atLeast)));
      else if (rule.points !== undefined && rule.points !== 0) {
        raise(rule.id, rule.limit === undefined ? Infinity : Math.ceil(Math.abs(rule.limit) / Math.abs(rule.points)));
      } else raise(rule.id, 0);
    } else if (isConditionRule(rule)) {
      const visit = (c: Condition): void => {
        if ('rule' in c) {
          for (const comparator of COMPARATORS) {
            const k = c[comparator];
            if (k !== undefined) raise(c.rule, comparator === 'gte' || comparator === 'lt' ? k : k + 1);
          }
        } else if ('all' in c) c.all.forEach(visit);
        else if ('any' in c) c.any.forEach(visit);
        else visit(c.not);
      };
      visit(rule.when);
    }
  }
  return needs;
}

/**
 * Identifies a grid's content (not only its name and version): two grids with the same
 * fingerprint score every contact the same. The scorer compares it with the one it last ran to
 * decide whether every contact needs a grid-change re-evaluation.
 */
export function gridFingerprint(compiled: CompiledGrid): string {
  const text = JSON.stringify(compiled.grid);
  return toBase64Digits(cyrb53(text, 11), 9) + toBase64Digits(cyrb53(text, 13), 9);
}
