import { compileGrid, GridValidationError, loadGrid, requireSingleScore, type Grid } from '@leadscore/engine';
import { isScalar, isSeq } from 'yaml';
import {
  addKey,
  insertItem,
  parseGridDocument,
  removeItem,
  removeKey,
  scalarText,
  setValue,
  swapItems,
} from './grid-text-edits.js';

/** The tiers a marketer's scoring sheet shows as columns: total points from 1, 2, 5, 10 events on. */
export const TIER_COLUMNS = [1, 2, 5, 10] as const;

export type RuleColumn = 'label' | 'on' | 'points' | 'limit' | 'within' | `tier:${(typeof TIER_COLUMNS)[number]}`;
export const RULE_COLUMNS: readonly RuleColumn[] = [
  'label',
  'on',
  'points',
  'tier:1',
  'tier:2',
  'tier:5',
  'tier:10',
  'limit',
  'within',
];

/** One rule as a row of the sheet; cells are text as the marketer reads them ('' when not set). */
export interface RuleRow {
  readonly index: number;
  readonly id: string;
  readonly kind: 'counting' | 'condition' | 'property' | 'unknown';
  /** What the rule counts or tests, in words (event types and their `where`, a condition, a property). */
  readonly counts: string;
  readonly cells: Readonly<Record<RuleColumn, string>>;
  /** Tiers at other counts than the columns (kept, shown read-only). */
  readonly otherTiers: string;
}

export interface GridSettings {
  readonly name: string;
  readonly version: string;
  readonly bounds: { readonly min: string; readonly max: string };
  readonly thresholds: readonly { readonly name: string; readonly at: string }[];
}

/** A validation issue placed on the sheet: on a cell, on a rule's row, or on the grid's settings. */
export interface PlacedIssue {
  readonly path: string;
  readonly message: string;
  readonly rule: number | null;
  readonly column: RuleColumn | null;
}

export interface GridTable {
  readonly settings: GridSettings;
  readonly rows: readonly RuleRow[];
  readonly issues: readonly PlacedIssue[];
  /** The validated grid, when there is no issue. */
  readonly grid: Grid | undefined;
}

export type GridEdit =
  | { readonly kind: 'cell'; readonly rule: number; readonly column: RuleColumn; readonly value: string }
  | { readonly kind: 'setting'; readonly path: 'bounds.min' | 'bounds.max' | `thresholds.${number}.at`; readonly value: string }
  | { readonly kind: 'addRule'; readonly id: string }
  | { readonly kind: 'removeRule'; readonly rule: number }
  | { readonly kind: 'moveRule'; readonly rule: number; readonly direction: 'up' | 'down' };

type Json = Record<string, unknown>;

const text = (value: unknown): string =>
  value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value);

/** A cell's text as a YAML value: numbers as numbers (anything else is left for the validation to reject). */
function cellValue(raw: string): string | number {
  const trimmed = raw.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function tiersOf(rule: Json): { atLeast: unknown; points: unknown }[] {
  return Array.isArray(rule['tiers']) ? (rule['tiers'] as { atLeast: unknown; points: unknown }[]) : [];
}

function describeCounts(rule: Json): { kind: RuleRow['kind']; counts: string } {
  if ('on' in rule) {
    const where = rule['where'] === undefined ? '' : ` where ${JSON.stringify(rule['where'])}`;
    // no column of its own: edited in the grid's text, shown here so that the sheet says it
    const decay = rule['decay'] as Json | undefined;
    const decaying =
      typeof decay === 'object' && decay !== null ? `, each event losing ${text(decay['by'])} every ${text(decay['every'])}` : '';
    return { kind: 'counting', counts: `${text(rule['on'])}${where}${decaying}` };
  }
  if ('when' in rule) return { kind: 'condition', counts: `when ${JSON.stringify(rule['when'])}` };
  if ('property' in rule) {
    const { id: _id, label: _label, description: _d, property, points: _p, ...test } = rule;
    return { kind: 'property', counts: `property ${text(property)} ${JSON.stringify(test)}` };
  }
  return { kind: 'unknown', counts: '' };
}

function rowOf(rule: Json, index: number): RuleRow {
  const tiers = tiersOf(rule);
  const tier = (n: number) => text(tiers.find((t) => t.atLeast === n)?.points);
  return {
    index,
    id: text(rule['id']),
    ...describeCounts(rule),
    cells: {
      label: text(rule['label']),
      on: text(rule['on']),
      points: text(rule['points']),
      'tier:1': tier(1),
      'tier:2': tier(2),
      'tier:5': tier(5),
      'tier:10': tier(10),
      limit: text(rule['limit']),
      within: text(rule['within']),
    },
    otherTiers: tiers
      .filter((t) => !(TIER_COLUMNS as readonly unknown[]).includes(t.atLeast))
      .map((t) => `${text(t.atLeast)}+: ${text(t.points)}`)
      .join(', '),
  };
}

/** Splits an engine issue path (`rules[3].tiers[1].points`) into keys and indexes. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(`"${match[2]}"`) as string);
    else segments.push(match[3]!);
  }
  return segments;
}

/** Where an issue shows: the cell of its rule and column, else its rule's row, else the settings. */
export function placeIssue(issue: { path: string; message: string }, rules: readonly Json[]): PlacedIssue {
  const [first, index, field, tierIndex] = pathSegments(issue.path);
  if (first !== 'rules' || typeof index !== 'number') return { ...issue, rule: null, column: null };
  const rule = rules[index] ?? {};
  if (field === 'tiers' && typeof tierIndex === 'number') {
    const atLeast = tiersOf(rule)[tierIndex]?.atLeast;
    const column = (TIER_COLUMNS as readonly unknown[]).includes(atLeast) ? (`tier:${String(atLeast)}` as RuleColumn) : null;
    return { ...issue, rule: index, column };
  }
  const column = RULE_COLUMNS.includes(field as RuleColumn) ? (field as RuleColumn) : null;
  return { ...issue, rule: index, column };
}

/** The sheet of a grid text, with every issue `leadscore grid validate` reports, placed on its cell. */
export function gridTable(source: string): GridTable {
  const document = parseGridDocument(source);
  const value = (document.errors.length === 0 ? document.toJS({ maxAliasCount: 100 }) : {}) as Json | null;
  const grid = (value ?? {}) as Json;
  const rules = (Array.isArray(grid['rules']) ? grid['rules'] : []) as Json[];
  let validated: Grid | undefined;
  let issues: PlacedIssue[] = [];
  try {
    const loaded = loadGrid(source);
    // The console's sheet, previews and publication score one score per contact in this version.
    requireSingleScore(compileGrid(loaded), 'the console');
    validated = loaded;
  } catch (error) {
    if (!(error instanceof GridValidationError)) throw error;
    issues = error.errors.map((issue) => placeIssue(issue, rules));
  }
  const bounds = (grid['bounds'] ?? {}) as Json;
  const thresholds = (Array.isArray(grid['thresholds']) ? grid['thresholds'] : []) as Json[];
  return {
    settings: {
      name: text(grid['name']),
      version: text(grid['version']),
      bounds: { min: text(bounds['min']), max: text(bounds['max']) },
      thresholds: thresholds.map((t) => ({ name: text(t['name']), at: text(t['at']) })),
    },
    rows: rules.map((rule, index) => rowOf(rule, index)),
    issues,
    grid: validated,
  };
}

function setOrRemove(source: string, path: (string | number)[], raw: string): string {
  return raw.trim() === '' ? removeKey(source, path) : setValue(source, path, cellValue(raw));
}

function editTier(source: string, rule: number, atLeast: number, raw: string): string {
  const document = parseGridDocument(source);
  const tiers = document.getIn(['rules', rule, 'tiers'], true);
  const items = isSeq(tiers) ? tiers.items : [];
  const atLeasts = items.map(
    (item) => (document.getIn(['rules', rule, 'tiers', items.indexOf(item), 'atLeast']) as unknown) ?? null,
  );
  const at = atLeasts.indexOf(atLeast);
  const empty = raw.trim() === '';
  if (at >= 0) {
    if (!empty) return setValue(source, ['rules', rule, 'tiers', at, 'points'], cellValue(raw));
    return items.length === 1 ? removeKey(source, ['rules', rule, 'tiers']) : removeItem(source, ['rules', rule, 'tiers'], at);
  }
  if (empty) return source;
  const item = `{ atLeast: ${atLeast}, points: ${scalarText(cellValue(raw))} }`;
  if (items.length === 0) return addKey(source, document, ['rules', rule], 'tiers', `\n  - ${item}`);
  const position = atLeasts.findIndex((n) => typeof n === 'number' && n > atLeast);
  return insertItem(source, ['rules', rule, 'tiers'], position < 0 ? items.length : position, item);
}

function editOn(source: string, rule: number, raw: string): string {
  const types = raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (types.length <= 1) return setOrRemove(source, ['rules', rule, 'on'], types[0] ?? '');
  const document = parseGridDocument(source);
  const node = document.getIn(['rules', rule, 'on'], true) as { range?: [number, number, number]; flow?: boolean } | undefined;
  const list = `[${types.map(scalarText).join(', ')}]`;
  if (node?.range && (isScalar(node) || node.flow)) return source.slice(0, node.range[0]) + list + source.slice(node.range[1]);
  if (!node) return addKey(source, document, ['rules', rule], 'on', list);
  throw new RangeError(`rules[${rule}].on is a block list: edit it in the YAML`);
}

/** Applies one edit of the sheet to the grid text; every byte outside the edited value is kept. */
export function applyGridEdit(source: string, edit: GridEdit): string {
  switch (edit.kind) {
    case 'cell': {
      const { rule, column, value } = edit;
      if (column.startsWith('tier:')) return editTier(source, rule, Number(column.slice(5)), value);
      if (column === 'on') return editOn(source, rule, value);
      if (column === 'label' || column === 'within') {
        return value.trim() === ''
          ? removeKey(source, ['rules', rule, column])
          : setValue(source, ['rules', rule, column], value.trim());
      }
      return setOrRemove(source, ['rules', rule, column], value);
    }
    case 'setting':
      return setValue(
        source,
        edit.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
        cellValue(edit.value),
      );
    case 'addRule': {
      const item = `id: ${scalarText(edit.id)}\nlabel: New rule\non: page_viewed\npoints: 0`;
      const count = gridTable(source).rows.length;
      return insertItem(source, ['rules'], count, item, true);
    }
    case 'removeRule':
      return removeItem(source, ['rules'], edit.rule);
    case 'moveRule':
      return swapItems(source, ['rules'], edit.direction === 'up' ? edit.rule - 1 : edit.rule);
  }
}

/** The draft with its version set (publishing makes it live version + 1). */
export function withVersion(source: string, version: number): string {
  return setValue(source, ['version'], version);
}
