import type { ValidationIssue } from './errors.js';
import { checkBounds, checkOperators, checkThresholds, isObj, uniqueRuleIds, type Obj } from './grid-checks.js';
import { DEFAULT_SCORE_ID } from './grid-types.js';
import { joinPath } from './issue-path.js';
import { scoreIdsOf } from './score-grid-semantics.js';

/** The contact scores a grid defines, by id: its `scores`, else its one score `score`. */
export function gridScoreIds(grid: Obj): readonly string[] {
  return Array.isArray(grid['scores']) ? scoreIdsOf(grid['scores']) : [DEFAULT_SCORE_ID];
}

/**
 * The checks of the `accounts` section a JSON Schema cannot express, each at its YAML path
 * (`accounts.rules[1].id`). Like the rest of the semantic checks, it skips values of the
 * wrong shape, which the schema reports.
 */
export function accountIssues(grid: Obj, accounts: Obj, issues: ValidationIssue[]): void {
  const base = 'accounts';
  const from = accounts['from'];
  const ids = gridScoreIds(grid);
  if (from === undefined && ids.length > 1) {
    issues.push({
      path: joinPath(base, 'from'),
      message: `is required when the grid has several scores; expected the one that rolls up: ${ids.map((id) => `"${id}"`).join(', ')}`,
    });
  }
  if (typeof from === 'string') {
    if (!ids.includes(from)) {
      issues.push({
        path: joinPath(base, 'from'),
        message: `unknown score "${from}"; expected one of the grid's scores: ${ids.map((id) => `"${id}"`).join(', ')}`,
      });
    }
  }
  checkBounds(accounts['bounds'], joinPath(base, 'bounds'), issues);
  checkThresholds(accounts['thresholds'], joinPath(base, 'thresholds'), issues);
  const rules = accounts['rules'];
  if (!Array.isArray(rules)) return;
  const rulesPath = joinPath(base, 'rules');
  uniqueRuleIds(rules, rulesPath, issues);
  rules.forEach((rule, index) => {
    if (isObj(rule) && 'property' in rule) checkOperators(rule, joinPath(rulesPath, index), issues, 'an account rule');
  });
}
