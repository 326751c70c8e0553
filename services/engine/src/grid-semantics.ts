import type { ValidationIssue } from './errors.js';
import { accountIssues } from './account-grid-semantics.js';
import { checkBounds, checkOperators, checkThresholds, isInt, isObj, uniqueRuleIds, type Obj } from './grid-checks.js';
import { COMPARATORS } from './grid-types.js';
import { joinPath } from './issue-path.js';
import { scoreIssues } from './score-grid-semantics.js';

type RuleKind = 'counting' | 'condition' | 'property';

function ruleKind(rule: Obj): RuleKind | undefined {
  if ('on' in rule) return 'counting';
  if ('when' in rule) return 'condition';
  if ('property' in rule) return 'property';
  return undefined;
}

const KIND_NAMES: Record<RuleKind, string> = {
  counting: 'a counting rule',
  condition: 'a condition rule',
  property: 'a property rule',
};

/**
 * The checks a JSON Schema cannot express. Written defensively: it runs even when the schema
 * failed, so that one pass reports every problem, and skips values of the wrong shape (the
 * schema reports those).
 */
export function semanticIssues(grid: unknown): ValidationIssue[] {
  if (!isObj(grid)) return [];
  const issues: ValidationIssue[] = [];
  checkBounds(grid['bounds'], 'bounds', issues);
  checkThresholds(grid['thresholds'], 'thresholds', issues);
  const rules = Array.isArray(grid['rules']) ? grid['rules'] : [];
  const kinds = ruleKinds(rules, issues);
  const decaying = decayingRuleIds(rules);
  rules.forEach((rule, index) => {
    if (!isObj(rule)) return;
    const path = joinPath('rules', index);
    switch (ruleKind(rule)) {
      case 'counting':
        checkCountingRule(rule, path, issues);
        break;
      case 'condition':
        checkCondition(rule['when'], joinPath(path, 'when'), { kinds, decaying }, issues);
        break;
      case 'property':
        checkOperators(rule, path, issues, 'a property rule');
        break;
      default:
        break;
    }
  });
  scoreIssues(grid, issues);
  if (isObj(grid['accounts'])) accountIssues(grid, grid['accounts'], issues);
  return issues;
}

/** The ids of the counting rules with a `decay`. */
function decayingRuleIds(rules: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const rule of rules)
    if (isObj(rule) && 'on' in rule && 'decay' in rule && typeof rule['id'] === 'string') ids.add(rule['id']);
  return ids;
}

/** Rule id → kind, reporting duplicate ids on the way. */
function ruleKinds(rules: readonly unknown[], issues: ValidationIssue[]): Map<string, RuleKind | undefined> {
  const kinds = new Map<string, RuleKind | undefined>();
  for (const [id, index] of uniqueRuleIds(rules, 'rules', issues)) kinds.set(id, ruleKind(rules[index] as Obj));
  return kinds;
}

function checkCountingRule(rule: Obj, path: string, issues: ValidationIssue[]): void {
  const hasPoints = 'points' in rule;
  const hasTiers = 'tiers' in rule;
  if (hasPoints && hasTiers) {
    issues.push({
      path: joinPath(path, 'tiers'),
      message: 'cannot be used together with points; expected either points (per event, optional limit) or tiers',
    });
  } else if (!hasPoints && !hasTiers) {
    issues.push({
      path,
      message: 'has neither points nor tiers; expected points (per event, optional limit) or tiers',
    });
  }
  if ('limit' in rule) {
    if (hasTiers && !hasPoints) {
      issues.push({
        path: joinPath(path, 'limit'),
        message: 'only applies to points; tiers are already capped by their top tier, remove limit',
      });
    } else if (rule['limit'] === 0) {
      issues.push({
        path: joinPath(path, 'limit'),
        message: "must not be 0; expected the cap on the size of the rule's total, like 1000 (omit limit for no cap)",
      });
    }
  }
  if (Array.isArray(rule['tiers'])) {
    let previous: number | undefined;
    rule['tiers'].forEach((tier, index) => {
      if (!isObj(tier) || !isInt(tier['atLeast'])) return;
      const atLeast = tier['atLeast'];
      if (previous !== undefined && atLeast <= previous) {
        issues.push({
          path: joinPath(joinPath(joinPath(path, 'tiers'), index), 'atLeast'),
          message: `${atLeast} is not greater than the previous tier's atLeast (${previous}); expected tiers in strictly ascending order of atLeast`,
        });
      }
      previous = atLeast;
    });
  }
  if ('decay' in rule) checkDecay(rule, path, issues);
  const where = rule['where'];
  if (isObj(where)) {
    for (const [property, predicate] of Object.entries(where)) {
      if (isObj(predicate)) checkOperators(predicate, joinPath(joinPath(path, 'where'), property), issues);
    }
  }
}

/** `decay` (decay.ts): on a points rule without a window, losing a whole percent from 1 to 100. */
function checkDecay(rule: Obj, path: string, issues: ValidationIssue[]): void {
  const decayPath = joinPath(path, 'decay');
  if ('tiers' in rule && !('points' in rule)) {
    issues.push({
      path: decayPath,
      message: 'only applies to points; tiers do not decay, expected points (per event, optional limit) with decay',
    });
  }
  if ('within' in rule) {
    issues.push({
      path: decayPath,
      message:
        'cannot be used together with within; expected either a window (events count for N days) or a decay (events lose worth over time)',
    });
  }
  const decay = rule['decay'];
  const by = isObj(decay) ? decay['by'] : undefined;
  if (typeof by === 'string' && /^[0-9]{1,3}%$/.test(by)) {
    const percent = Number.parseInt(by, 10);
    if (percent < 1 || percent > 100) {
      issues.push({
        path: joinPath(decayPath, 'by'),
        message: `${by} is outside (0%, 100%]; expected the share an event loses each period, a whole percent from 1% to 100%, like 50%`,
      });
    }
  }
}

interface RuleFacts {
  readonly kinds: ReadonlyMap<string, RuleKind | undefined>;
  readonly decaying: ReadonlySet<string>;
}

function checkCondition(condition: unknown, path: string, facts: RuleFacts, issues: ValidationIssue[]): void {
  const { kinds } = facts;
  if (!isObj(condition)) return;
  if ('rule' in condition) {
    const comparators = COMPARATORS.filter((c) => c in condition);
    if (comparators.length !== 1) {
      issues.push({
        path,
        message:
          comparators.length === 0
            ? 'compares nothing; expected exactly one of eq, gte, gt, lte, lt with a count, like {rule: emails-sent, gte: 3}'
            : `has ${comparators.length} comparisons (${comparators.join(', ')}); expected exactly one of eq, gte, gt, lte, lt (combine with all/any)`,
      });
    }
    const id = condition['rule'];
    if (typeof id !== 'string') return;
    const rulePath = joinPath(path, 'rule');
    if (!kinds.has(id)) {
      issues.push({
        path: rulePath,
        message: `unknown rule "${id}"; expected the id of a counting rule (a rule with "on") in this grid`,
      });
      return;
    }
    const kind = kinds.get(id);
    if (kind !== 'counting' && kind !== undefined) {
      issues.push({
        path: rulePath,
        message: `rule "${id}" is ${KIND_NAMES[kind]}, not a counting rule; expected the id of a rule with "on" (conditions compare event counts)`,
      });
    } else if (facts.decaying.has(id)) {
      issues.push({
        path: rulePath,
        message: `rule "${id}" decays, and a condition cannot read a decaying rule (its events lose worth over time); expected a counting rule without decay`,
      });
    }
    return;
  }
  for (const key of ['all', 'any'] as const) {
    const list = condition[key];
    if (Array.isArray(list)) {
      list.forEach((child, index) => checkCondition(child, joinPath(joinPath(path, key), index), facts, issues));
    }
  }
  if ('not' in condition) checkCondition(condition['not'], joinPath(path, 'not'), facts, issues);
}
