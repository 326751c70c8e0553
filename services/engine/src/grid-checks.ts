import type { ValidationIssue } from './errors.js';
import { OPERATOR_NAMES } from './grid-types.js';
import { describeValue, joinPath } from './issue-path.js';

/**
 * The semantic checks that the contact rules and the `accounts` section share (bounds,
 * thresholds, property-rule operators, unique rule ids), each reporting at the path it is given.
 */

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** `min < max` of the bounds map at `path`. */
export function checkBounds(bounds: unknown, path: string, issues: ValidationIssue[]): void {
  if (!isObj(bounds) || !isInt(bounds['min']) || !isInt(bounds['max'])) return;
  if (bounds['min'] >= bounds['max']) {
    issues.push({
      path: joinPath(path, 'max'),
      message: `${bounds['max']} is not greater than ${joinPath(path, 'min')} (${bounds['min']}); expected min < max`,
    });
  }
}

/** Unique names and strictly ascending `at` of the thresholds list at `path`. */
export function checkThresholds(thresholds: unknown, path: string, issues: ValidationIssue[]): void {
  if (!Array.isArray(thresholds)) return;
  const names = new Map<string, number>();
  let previous: number | undefined;
  thresholds.forEach((threshold, index) => {
    if (!isObj(threshold)) return;
    const itemPath = joinPath(path, index);
    const name = threshold['name'];
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first !== undefined) {
        issues.push({
          path: joinPath(itemPath, 'name'),
          message: `duplicate threshold name "${name}" (already used by ${joinPath(path, first)}); expected unique names`,
        });
      } else names.set(name, index);
    }
    const at = threshold['at'];
    if (!isInt(at)) return;
    if (previous !== undefined && at <= previous) {
      issues.push({
        path: joinPath(itemPath, 'at'),
        message: `${at} is not greater than the previous threshold's at (${previous}); expected thresholds in strictly ascending order of at`,
      });
    }
    previous = at;
  });
}

/** Rule ids of the list at `path` → their index, reporting duplicates on the way. */
export function uniqueRuleIds(rules: readonly unknown[], path: string, issues: ValidationIssue[]): Map<string, number> {
  const firstIndex = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!isObj(rule) || typeof rule['id'] !== 'string') return;
    const id = rule['id'];
    const first = firstIndex.get(id);
    if (first !== undefined) {
      issues.push({
        path: joinPath(joinPath(path, index), 'id'),
        message: `duplicate rule id "${id}" (already used by ${joinPath(path, first)}); expected every rule id to be unique`,
      });
      return;
    }
    firstIndex.set(id, index);
  });
  return firstIndex;
}

/** Operators of a where predicate or a property rule: at least one, valid regexes. */
export function checkOperators(ops: Obj, path: string, issues: ValidationIssue[], owner?: string): void {
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

/**
 * Where `name` was first used, when `path` uses it again (undefined the first time, which
 * records `path`): the one shape of every "unique id" check of the `scores` section.
 */
export function repeatOf(seen: Map<string, string>, name: string, path: string): string | undefined {
  const first = seen.get(name);
  if (first === undefined) seen.set(name, path);
  return first;
}
