import { Ajv, type ErrorObject } from 'ajv';
import gridSchema from '../../../schemas/grid.schema.json' with { type: 'json' };
import type { ValidationIssue } from './errors.js';
import { describeValue, fromJsonPointer, joinPath } from './issue-path.js';

// strictRequired is off: the if/then chains test for fields that only some rule kinds declare.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
// Our own annotation: what a valid value looks like, used to phrase messages.
ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
const validateAgainstSchema = ajv.compile(gridSchema);

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a map (key: value)',
  array: 'a list',
  null: 'null',
};

/** Validates a parsed grid against schemas/grid.schema.json; returns readable issues. */
export function schemaIssues(grid: unknown): ValidationIssue[] {
  if (validateAgainstSchema(grid)) return [];
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of validateAgainstSchema.errors ?? []) {
    const issue = toIssue(error);
    if (issue === null) continue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function expected(error: ErrorObject): string | undefined {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const hint = parent?.['x-expected'];
  return typeof hint === 'string' ? hint : undefined;
}

function toIssue(error: ErrorObject): ValidationIssue | null {
  const path = fromJsonPointer(error.instancePath);
  const got = describeValue(error.data);
  const hint = expected(error);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      return null; // a summary of the branch's failures, which are reported in detail
    case 'required':
      return { path: joinPath(path, String(params['missingProperty'])), message: 'is required but missing' };
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return {
        path: joinPath(path, extra),
        message: `is not a known field here; expected one of: ${known.join(', ')}`,
      };
    }
    case 'type': {
      const types = ([] as string[]).concat(params['type'] as string | string[]);
      const wanted = types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');
      return { path, message: `must be ${hint ?? wanted}, got ${got}` };
    }
    case 'minItems':
      return {
        path,
        message: `must not be empty; expected ${hint ?? `at least ${String(params['limit'])} item(s)`}`,
      };
    case 'minProperties':
      return { path, message: `must not be empty; expected ${hint ?? 'at least one field'}` };
    case 'not':
      return { path, message: `is not valid; expected ${hint ?? 'something else'}` };
    case 'propertyNames':
      return null; // reported by the nested minLength/maxLength error with the offending name
    default: {
      const what = hint ?? `${error.keyword} ${JSON.stringify(params)}`;
      return { path, message: `${got} is not valid; expected ${what}` };
    }
  }
}
