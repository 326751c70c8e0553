import type { CompiledPropertyRule } from './compile-grid.js';
import type { AccountsSection, Grid, Threshold } from './grid-types.js';
import { DEFAULT_SCORE_ID } from './grid-types.js';
import { compileValuePredicate } from './value-predicate.js';

/** How member scores make an account's aggregate (docs/accounts.md). */
export type CompiledAggregate =
  | { readonly kind: 'top'; readonly n: number }
  | { readonly kind: 'sum' }
  /** `max: true`: the top 1. */
  | { readonly kind: 'max'; readonly n: 1 };

/** The evaluator of a grid's `accounts` section. */
export interface CompiledAccounts {
  readonly section: AccountsSection;
  /** The contact property naming a contact's account. */
  readonly key: string;
  /** The contact score that rolls up (`accounts.from`, default the grid's one score). */
  readonly from: string;
  readonly aggregate: CompiledAggregate;
  /** Account rules in grid order. */
  readonly rules: readonly CompiledPropertyRule[];
  /** Account property name → the rules that read it: an account_updated carrying one is matching. */
  readonly propertyRules: ReadonlyMap<string, readonly CompiledPropertyRule[]>;
  /** The clamp of the account score; ±Infinity when absent. */
  readonly bounds: { readonly min: number; readonly max: number };
  /** Ascending by `at`. */
  readonly thresholds: readonly Threshold[];
  /** How many recent matching account_updated ids an account remembers: the grid's `dedupe.recent`. */
  readonly recentLimit: number;
}

/** Compiles an already validated `accounts` section. */
export function compileAccounts(grid: Grid, recentLimit: number): CompiledAccounts | null {
  const section = grid.accounts;
  if (section === undefined) return null;
  const rules: CompiledPropertyRule[] = (section.rules ?? []).map((rule) => ({
    kind: 'property',
    id: rule.id,
    label: rule.label ?? rule.id,
    points: rule.points,
    property: rule.property,
    holds: compileValuePredicate(rule),
  }));
  const propertyRules = new Map<string, CompiledPropertyRule[]>();
  for (const rule of rules) {
    const list = propertyRules.get(rule.property);
    if (list) list.push(rule);
    else propertyRules.set(rule.property, [rule]);
  }
  const spec = section.aggregate;
  const aggregate: CompiledAggregate =
    'top' in spec ? { kind: 'top', n: spec.top } : 'sum' in spec ? { kind: 'sum' } : { kind: 'max', n: 1 };
  return Object.freeze({
    section,
    key: section.key,
    from: section.from ?? DEFAULT_SCORE_ID,
    aggregate,
    rules,
    propertyRules,
    bounds: { min: section.bounds?.min ?? -Infinity, max: section.bounds?.max ?? Infinity },
    thresholds: [...(section.thresholds ?? [])],
    recentLimit,
  });
}
