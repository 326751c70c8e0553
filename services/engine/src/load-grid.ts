import { parseDocument } from 'yaml';
import { GridValidationError, type ValidationIssue } from './errors.js';
import { comparePaths } from './issue-path.js';
import type { Grid } from './grid-types.js';
import { schemaIssues } from './schema-issues.js';
import { semanticIssues } from './grid-semantics.js';

export type GridValidation =
  { readonly ok: true; readonly grid: Grid } | { readonly ok: false; readonly errors: readonly ValidationIssue[] };

/**
 * Validates an already parsed grid object: the JSON Schema in schemas/grid.schema.json, then
 * the checks a schema cannot express. Reports every issue found, in document order.
 */
export function validateGrid(value: unknown): GridValidation {
  const errors = [...schemaIssues(value), ...semanticIssues(value)];
  if (errors.length === 0) return { ok: true, grid: deepFreeze(value) as Grid };
  const ordered = errors
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => comparePaths(a.issue.path, b.issue.path) || a.index - b.index)
    .map(({ issue }) => issue);
  return { ok: false, errors: ordered };
}

/**
 * Parses grid text (YAML; JSON is valid YAML) and validates it.
 * @param source a file name, used only in the error message
 * @throws GridValidationError listing every syntax or validation issue
 */
export function loadGrid(text: string, source?: string): Grid {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const errors = document.errors.map((error) => {
      const pos = error.linePos?.[0];
      const at = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
      return {
        path: '',
        message: `not valid YAML or JSON${at}: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      };
    });
    throw new GridValidationError(errors, source);
  }
  const result = validateGrid(document.toJS({ maxAliasCount: 100 }));
  if (!result.ok) throw new GridValidationError(result.errors, source);
  return result.grid;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
