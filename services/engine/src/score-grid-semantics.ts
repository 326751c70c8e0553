import type { ValidationIssue } from './errors.js';
import { checkBounds, checkThresholds, isObj, repeatOf, type Obj } from './grid-checks.js';
import { joinPath } from './issue-path.js';

/** The id `matrix` names the grade matrix's own crossing (`scoreId: "matrix"`): no score may take it. */
const RESERVED_SCORE_ID = 'matrix';

/**
 * The checks of `scores` and `matrix` (several scores per contact, docs/grid-authoring.md) a
 * JSON Schema cannot express, each at its YAML path. Like the other semantic checks it skips
 * values of the wrong shape, which the schema reports.
 */
export function scoreIssues(grid: Obj, issues: ValidationIssue[]): void {
  const scores = grid['scores'];
  if (scores !== undefined) {
    for (const key of ['bounds', 'thresholds'] as const) {
      if (key in grid) {
        issues.push({
          path: key,
          message: `cannot be used together with scores; each score has its own ${key} (scores[i].${key})`,
        });
      }
    }
  }
  if (Array.isArray(scores)) checkScores(grid, scores, issues);
  if (isObj(grid['matrix'])) checkMatrix(grid['matrix'], Array.isArray(scores) ? scoreIdsOf(scores) : null, issues);
}

/** The ids of the scores listed (those that are strings). */
export function scoreIdsOf(scores: readonly unknown[]): string[] {
  return [...new Set(scores.flatMap((score) => (isObj(score) && typeof score['id'] === 'string' ? [score['id']] : [])))];
}

function checkScores(grid: Obj, scores: readonly unknown[], issues: ValidationIssue[]): void {
  const rules = Array.isArray(grid['rules']) ? grid['rules'] : [];
  const ruleIds = new Set(rules.flatMap((rule) => (isObj(rule) && typeof rule['id'] === 'string' ? [rule['id']] : [])));
  const scorePaths = new Map<string, string>();
  const groupPaths = new Map<string, string>();
  scores.forEach((score, index) => {
    if (!isObj(score)) return;
    const path = joinPath('scores', index);
    const id = score['id'];
    if (typeof id === 'string') {
      if (id === RESERVED_SCORE_ID) {
        issues.push({
          path: joinPath(path, 'id'),
          message: `"${id}" is reserved (the grade matrix's crossing); choose another id`,
        });
      }
      const first = repeatOf(scorePaths, id, joinPath(path, 'id'));
      if (first !== undefined) {
        issues.push({ path: joinPath(path, 'id'), message: `duplicate score id "${id}" (first at ${first})` });
      }
    }
    if (!('rules' in score) && !('groups' in score)) {
      issues.push({ path, message: 'adds up no rule; expected rules, groups, or both' });
    }
    // Where each rule is listed in this score: a rule counts once per score.
    const listed = new Map<string, string>();
    checkRuleList(score['rules'], joinPath(path, 'rules'), ruleIds, listed, issues);
    const groups = score['groups'];
    if (Array.isArray(groups)) {
      groups.forEach((group, g) => {
        if (!isObj(group)) return;
        const groupPath = joinPath(joinPath(path, 'groups'), g);
        const groupId = group['id'];
        if (typeof groupId === 'string') {
          const first = repeatOf(groupPaths, groupId, joinPath(groupPath, 'id'));
          if (first !== undefined) {
            issues.push({
              path: joinPath(groupPath, 'id'),
              message: `duplicate group id "${groupId}" (first at ${first}); group ids are unique in the whole grid`,
            });
          }
        }
        checkRuleList(group['rules'], joinPath(groupPath, 'rules'), ruleIds, listed, issues);
        checkBounds(group['bounds'], joinPath(groupPath, 'bounds'), issues);
      });
    }
    checkBounds(score['bounds'], joinPath(path, 'bounds'), issues);
    checkThresholds(score['thresholds'], joinPath(path, 'thresholds'), issues);
  });
}

/** Rule ids of a score or group list: each known, and not listed before in the same score. */
function checkRuleList(
  list: unknown,
  path: string,
  ruleIds: ReadonlySet<string>,
  listed: Map<string, string>,
  issues: ValidationIssue[],
): void {
  if (!Array.isArray(list)) return;
  list.forEach((id, index) => {
    if (typeof id !== 'string') return;
    const itemPath = joinPath(path, index);
    if (!ruleIds.has(id)) {
      issues.push({ path: itemPath, message: `unknown rule "${id}"; expected the id of a rule in this grid's rules` });
      return;
    }
    const first = repeatOf(listed, id, itemPath);
    if (first !== undefined) {
      issues.push({
        path: itemPath,
        message: `rule "${id}" is already in this score (at ${first}); a rule counts once per score, directly or through one group`,
      });
    }
  });
}

function checkMatrix(matrix: Obj, scoreIds: readonly string[] | null, issues: ValidationIssue[]): void {
  if (scoreIds === null) {
    issues.push({ path: 'matrix', message: "needs scores: a matrix cuts two of the grid's scores into bands" });
  }
  const names: (string[] | null)[] = [];
  for (const axis of ['rows', 'columns'] as const) {
    const value = matrix[axis];
    if (!isObj(value)) {
      names.push(null);
      continue;
    }
    const axisPath = joinPath('matrix', axis);
    const score = value['score'];
    if (typeof score === 'string' && scoreIds !== null) {
      if (!scoreIds.includes(score)) {
        issues.push({
          path: joinPath(axisPath, 'score'),
          message: `unknown score "${score}"; expected one of the grid's scores: ${scoreIds.map((id) => `"${id}"`).join(', ')}`,
        });
      } else if (axis === 'columns' && isObj(matrix['rows']) && matrix['rows']['score'] === score) {
        issues.push({
          path: joinPath(axisPath, 'score'),
          message: `"${score}" is the rows' score too; expected two different scores (such as fit and engagement)`,
        });
      }
    }
    names.push(checkBands(value['bands'], joinPath(axisPath, 'bands'), issues));
  }
  const [rows, columns] = names;
  if (rows === null || rows === undefined || columns === null || columns === undefined) return;
  const grades = new Map<string, string>();
  for (const row of rows) {
    for (const column of columns) {
      const grade = `${row}${column}`;
      const first = grades.get(grade);
      if (first !== undefined) {
        issues.push({
          path: 'matrix',
          message: `grade "${grade}" is made twice (${first} and ${row} + ${column}); rename a band so that every cell has its own grade`,
        });
      } else grades.set(grade, `${row} + ${column}`);
    }
  }
  const qualified = matrix['qualified'];
  if (!Array.isArray(qualified)) return;
  qualified.forEach((grade, index) => {
    if (typeof grade !== 'string' || grades.has(grade)) return;
    issues.push({
      path: joinPath(joinPath('matrix', 'qualified'), index),
      message: `no row × column makes grade "${grade}"; expected one of: ${[...grades.keys()].join(', ')}`,
    });
  });
}

/**
 * Bands, highest first: every band but the last has an `at`, strictly descending; the last has
 * none (the catch-all); names unique. Returns the distinct names (null when the list is not one).
 */
function checkBands(bands: unknown, path: string, issues: ValidationIssue[]): string[] | null {
  if (!Array.isArray(bands)) return null;
  const names: string[] = [];
  const seen = new Set<string>();
  let previous: number | undefined;
  bands.forEach((band, index) => {
    if (!isObj(band)) return;
    const bandPath = joinPath(path, index);
    const name = band['name'];
    if (typeof name === 'string') {
      // a repeated name is reported once, here, not again as the grades it repeats
      if (seen.has(name)) issues.push({ path: joinPath(bandPath, 'name'), message: `duplicate band name "${name}"` });
      else names.push(name);
      seen.add(name);
    }
    const last = index === bands.length - 1;
    const at = band['at'];
    if (last) {
      if (at !== undefined) {
        issues.push({
          path: joinPath(bandPath, 'at'),
          message: 'the last band is the catch-all (every score below the others); remove its at',
        });
      }
      return;
    }
    if (at === undefined) {
      issues.push({ path: bandPath, message: 'has no at; every band but the last needs the score it starts at' });
      return;
    }
    if (typeof at !== 'number') return;
    if (previous !== undefined && at >= previous) {
      issues.push({
        path: joinPath(bandPath, 'at'),
        message: `${at} is not below the previous band's at (${previous}); expected bands from the highest at down`,
      });
    }
    previous = at;
  });
  return names;
}
