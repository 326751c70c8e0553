/** The shape of a validated grid file (see schemas/grid.schema.json and docs/grid-authoring.md). */

export type Scalar = string | number | boolean;

/** Operators usable in `where` predicates and property rules; all given operators must hold. */
export interface ValueOperators {
  readonly equals?: Scalar;
  readonly in?: readonly Scalar[];
  readonly notIn?: readonly Scalar[];
  readonly startsWith?: string;
  readonly contains?: string;
  readonly matches?: string;
  readonly gte?: number;
  readonly gt?: number;
  readonly lte?: number;
  readonly lt?: number;
  readonly exists?: boolean;
}

export const OPERATOR_NAMES = [
  'equals',
  'in',
  'notIn',
  'startsWith',
  'contains',
  'matches',
  'gte',
  'gt',
  'lte',
  'lt',
  'exists',
] as const satisfies readonly (keyof ValueOperators)[];

/** Event property name → a bare value (equals) or operators. */
export type WhereClause = Readonly<Record<string, Scalar | ValueOperators>>;

export interface Tier {
  readonly atLeast: number;
  readonly points: number;
}

interface RuleBase {
  readonly id: string;
  readonly label?: string;
  readonly description?: string;
}

export interface CountingRule extends RuleBase {
  readonly on: string | readonly string[];
  readonly where?: WhereClause;
  /** `Nd`: only events whose UTC day is one of the last N days, counting today. */
  readonly within?: string;
  readonly points?: number;
  readonly limit?: number;
  readonly tiers?: readonly Tier[];
  /** Points rules only: each counted event loses `by` (`50%`) of its worth every `every` (`30d`) days. */
  readonly decay?: Decay;
}

export interface Decay {
  /** `Nd`: the length of one period in whole UTC days. */
  readonly every: string;
  /** `N%`: the share of its worth an event loses each period, a whole percent from 1 to 100. */
  readonly by: string;
}

export const COMPARATORS = ['eq', 'gte', 'gt', 'lte', 'lt'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export type CountCondition = { readonly rule: string } & { readonly [K in Comparator]?: number };
export type Condition =
  CountCondition | { readonly all: readonly Condition[] } | { readonly any: readonly Condition[] } | { readonly not: Condition };

export interface ConditionRule extends RuleBase {
  readonly when: Condition;
  readonly points: number;
}

export interface PropertyRule extends RuleBase, ValueOperators {
  readonly property: string;
  readonly points: number;
}

export type Rule = CountingRule | ConditionRule | PropertyRule;

export interface Threshold {
  readonly name: string;
  readonly at: number;
  readonly description?: string;
}

export interface Grid {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** `recent`: how many recent matching event ids a contact remembers (1-1024, default 32). */
  readonly dedupe?: { readonly recent: number };
  readonly bounds?: { readonly min?: number; readonly max?: number };
  readonly thresholds?: readonly Threshold[];
  readonly rules: readonly Rule[];
  /** Account scoring (docs/accounts.md): contact scores rolled up to their company. */
  readonly accounts?: AccountsSection;
  /** Several scores per contact (docs/grid-authoring.md "Several scores"); without them the grid is one score, `score`. */
  readonly scores?: readonly ScoreDefinition[];
  /** Two scores cut into bands give a grade such as "A1"; its `qualified` grades qualify a contact. */
  readonly matrix?: GradeMatrix;
}

/** One of a grid's scores: the rules it adds up, directly or through groups with their own bounds. */
export interface ScoreDefinition {
  readonly id: string;
  readonly label?: string;
  readonly description?: string;
  readonly rules?: readonly string[];
  readonly groups?: readonly ScoreGroup[];
  readonly bounds?: { readonly min?: number; readonly max?: number };
  readonly thresholds?: readonly Threshold[];
}

export interface ScoreGroup {
  readonly id: string;
  readonly label?: string;
  readonly rules: readonly string[];
  readonly bounds?: { readonly min?: number; readonly max?: number };
}

/** A band of a matrix axis: from `at` up (the last band, without `at`, takes every score below). */
export interface GradeBand {
  readonly name: string;
  readonly at?: number;
}

export interface GradeMatrix {
  readonly rows: { readonly score: string; readonly bands: readonly GradeBand[] };
  readonly columns: { readonly score: string; readonly bands: readonly GradeBand[] };
  /** The grades (row band name + column band name) that make a contact qualified. */
  readonly qualified: readonly string[];
}

/** How an account's member scores make its aggregate. */
export type AccountAggregate = { readonly top: number } | { readonly sum: 'all' } | { readonly max: true };

export interface AccountsSection {
  /** The contact property naming the account a contact belongs to. */
  readonly key: string;
  /** Which contact score rolls up; today a grid has one score, `score`, the default. */
  readonly from?: string;
  readonly aggregate: AccountAggregate;
  /** Property rules on account properties (from account_updated events). */
  readonly rules?: readonly PropertyRule[];
  readonly bounds?: { readonly min?: number; readonly max?: number };
  readonly thresholds?: readonly Threshold[];
}

export function isCountingRule(rule: Rule): rule is CountingRule {
  return 'on' in rule;
}

export function isConditionRule(rule: Rule): rule is ConditionRule {
  return 'when' in rule;
}

export function isPropertyRule(rule: Rule): rule is PropertyRule {
  return 'property' in rule;
}

/** The id of a grid's one score today (several scores per contact will add their own ids). */
export const DEFAULT_SCORE_ID = 'score';
