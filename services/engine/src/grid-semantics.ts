import type { ValidationIssue } from './errors.js';
import { accountIssues } from './account-grid-semantics.js';
import { checkBounds, checkOperators, checkThresholds, isInt, isObj, uniqueRuleIds, type Obj } from './grid-checks.js';
import { COMPARATORS } from './grid-types.js';
import { joinPath } from './issue-path.js';

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
  rules.forEach((rule, index) => {
    if (!isObj(rule)) return;
    const path = joinPath('rules', index);
    switch (ruleKind(rule)) {
      case 'counting':
        checkCountingRule(rule, path, issues);
        break;
      case 'condition':
        checkCondition(rule['when'], joinPath(path, 'when'), kinds, issues);
        break;
      case 'property':
        checkOperators(rule, path, issues, 'a property rule');
        break;
      default:
        break;
    }
  });
  if (isObj(grid['accounts'])) accountIssues(grid, grid['accounts'], issues);
  return issues;
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
  const where = rule['where'];
  if (isObj(where)) {
    for (const [property, predicate] of Object.entries(where)) {
      if (isObj(predicate)) checkOperators(predicate, joinPath(joinPath(path, 'where'), property), issues);
    }
  }
}

function checkCondition(
  condition: unknown,
  path: string,
  kinds: ReadonlyMap<string, RuleKind | undefined>,
  issues: ValidationIssue[],
): void {
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
    }
    return;
  }
  for (const key of ['all', 'any'] as const) {
    const list = condition[key];
    if (Array.isArray(list)) {
      list.forEach((child, index) => checkCondition(child, joinPath(joinPath(path, key), index), kinds, issues));
    }
  }
  if ('not' in condition) checkCondition(condition['not'], joinPath(path, 'not'), kinds, issues);
}
