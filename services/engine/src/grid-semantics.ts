import type { ValidationIssue } from './errors.js';
import { COMPARATORS, OPERATOR_NAMES } from './grid-types.js';
import { describeValue, joinPath } from './issue-path.js';

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

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
  checkBounds(grid['bounds'], issues);
  checkThresholds(grid['thresholds'], issues);
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
  return issues;
}

function checkBounds(bounds: unknown, issues: ValidationIssue[]): void {
  if (!isObj(bounds) || !isInt(bounds['min']) || !isInt(bounds['max'])) return;
  if (bounds['min'] >= bounds['max']) {
    issues.push({
      path: 'bounds.max',
      message: `${bounds['max']} is not greater than bounds.min (${bounds['min']}); expected min < max`,
    });
  }
}

function checkThresholds(thresholds: unknown, issues: ValidationIssue[]): void {
  if (!Array.isArray(thresholds)) return;
  const names = new Map<string, number>();
  let previous: number | undefined;
  thresholds.forEach((threshold, index) => {
    if (!isObj(threshold)) return;
    const path = joinPath('thresholds', index);
    const name = threshold['name'];
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first !== undefined) {
        issues.push({
          path: joinPath(path, 'name'),
          message: `duplicate threshold name "${name}" (already used by thresholds[${first}]); expected unique names`,
        });
      } else names.set(name, index);
    }
    const at = threshold['at'];
    if (!isInt(at)) return;
    if (previous !== undefined && at <= previous) {
      issues.push({
        path: joinPath(path, 'at'),
        message: `${at} is not greater than the previous threshold's at (${previous}); expected thresholds in strictly ascending order of at`,
      });
    }
    previous = at;
  });
}

/** Rule id → kind, reporting duplicate ids on the way. */
function ruleKinds(rules: readonly unknown[], issues: ValidationIssue[]): Map<string, RuleKind | undefined> {
  const kinds = new Map<string, RuleKind | undefined>();
  const firstIndex = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!isObj(rule) || typeof rule['id'] !== 'string') return;
    const id = rule['id'];
    const first = firstIndex.get(id);
    if (first !== undefined) {
      issues.push({
        path: joinPath(joinPath('rules', index), 'id'),
        message: `duplicate rule id "${id}" (already used by rules[${first}]); expected every rule id to be unique`,
      });
      return;
    }
    firstIndex.set(id, index);
    kinds.set(id, ruleKind(rule));
  });
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

/** Operators of a where predicate or a property rule: at least one, valid regexes. */
function checkOperators(ops: Obj, path: string, issues: ValidationIssue[], owner?: string): void {
  const present = OPERATOR_NAMES.filter((name) => name in ops);
  if (owner !== undefined && present.length === 0) {
    issues.push({
      path,
      message: `${owner} needs a test on the property value; expected at least one of: ${OPERATOR_NAMES.join(', ')}`,
    });
  }
  const pattern = ops['matches'];
  if (typeof pattern === 'string' && pattern !== '') {
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      const reason =
        error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(error);
      issues.push({
        path: joinPath(path, 'matches'),
        message: `${describeValue(pattern)} is not a valid regular expression (${reason}); expected a JavaScript regular expression like "^/blog/"`,
      });
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
