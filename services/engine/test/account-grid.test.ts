import { describe, expect, it } from 'vitest';
import { compileGrid, formatIssue, loadGrid, validateGrid, type ValidationIssue } from '../src/index.js';

type Json = Record<string, unknown>;

/** A valid grid with an accounts section; each test breaks one thing. */
function base(): Json & { accounts: Json } {
  return {
    name: 'b2b',
    version: 1,
    rules: [{ id: 'demo', on: 'demo_requested', points: 1000 }],
    accounts: {
      key: 'companyDomain',
      aggregate: { top: 5 },
      rules: [
        { id: 'enterprise', property: 'employees', gte: 1000, points: 300 },
        { id: 'target-industry', property: 'industry', in: ['software', 'fintech'], points: 200 },
      ],
      bounds: { min: 0, max: 10000 },
      thresholds: [{ name: 'MQA', at: 2000 }],
    },
  };
}

function errorsOf(mutate: (accounts: Json & { rules: Json[] }) => void): readonly ValidationIssue[] {
  const grid = base();
  mutate(grid.accounts as Json & { rules: Json[] });
  const result = validateGrid(grid);
  if (result.ok) throw new Error('expected the grid to be invalid');
  return result.errors;
}

function expectOnly(errors: readonly ValidationIssue[], path: string, message: RegExp): void {
  expect(errors.map(formatIssue)).toHaveLength(1);
  expect(errors[0]?.path).toBe(path);
  expect(errors[0]?.message).toMatch(message);
}

describe('the accounts section of a grid', () => {
  it('compiles: key, the default score, the aggregate, rules by property, bounds, thresholds', () => {
    const accounts = compileGrid(validOk(base())).accounts;
    expect(accounts).not.toBeNull();
    expect(accounts?.key).toBe('companyDomain');
    expect(accounts?.from).toBe('score');
    expect(accounts?.aggregate).toEqual({ kind: 'top', n: 5 });
    expect(accounts?.rules.map((r) => r.id)).toEqual(['enterprise', 'target-industry']);
    expect([...(accounts?.propertyRules.keys() ?? [])]).toEqual(['employees', 'industry']);
    expect(accounts?.bounds).toEqual({ min: 0, max: 10000 });
    expect(accounts?.thresholds).toEqual([{ name: 'MQA', at: 2000 }]);
    expect(accounts?.recentLimit).toBe(32);
  });

  it('is optional, and each aggregate form compiles', () => {
    const grid = base();
    delete (grid as Json)['accounts'];
    expect(compileGrid(validOk(grid)).accounts).toBeNull();
    const sum = base();
    sum.accounts['aggregate'] = { sum: 'all' };
    sum.accounts['from'] = 'score';
    expect(compileGrid(validOk(sum)).accounts?.aggregate).toEqual({ kind: 'sum' });
    const max = base();
    max.accounts['aggregate'] = { max: true };
    delete max.accounts['rules'];
    expect(compileGrid(validOk(max)).accounts?.aggregate).toEqual({ kind: 'max', n: 1 });
    expect(compileGrid(validOk(max)).accounts?.rules).toEqual([]);
  });

  it('loads from YAML as a marketer writes it (the docs/grid-authoring.md example)', () => {
    const grid = loadGrid(`
name: b2b
version: 1
rules:
  - { id: demo, on: demo_requested, points: 1000 }
accounts:
  key: companyDomain
  aggregate: { top: 5 }
  rules:
    - { id: enterprise, property: employees, gte: 1000, points: 300 }
  bounds: { min: 0, max: 10000 }
  thresholds: [ { name: MQA, at: 2000 } ]
`);
    expect(compileGrid(grid).accounts?.rules[0]?.holds(1500)).toBe(true);
  });

  it.each([
    ['a missing key', (a: Json) => delete a['key'], 'accounts.key', /is required/],
    ['a missing aggregate', (a: Json) => delete a['aggregate'], 'accounts.aggregate', /is required/],
    ['an unknown field', (a: Json) => (a['weight'] = 2), 'accounts.weight', /not a known field.*key, from, aggregate/],
    ['an empty key', (a: Json) => (a['key'] = ''), 'accounts.key', /property name of 1-128/],
    ['top 0', (a: Json) => (a['aggregate'] = { top: 0 }), 'accounts.aggregate.top', /from 1 to 1000/],
    ['top 2.5', (a: Json) => (a['aggregate'] = { top: 2.5 }), 'accounts.aggregate.top', /whole number/],
    ['sum: some', (a: Json) => (a['aggregate'] = { sum: 'some' }), 'accounts.aggregate.sum', /expected all/],
    ['max: false', (a: Json) => (a['aggregate'] = { max: false }), 'accounts.aggregate.max', /expected true/],
    ['an unknown aggregate', (a: Json) => (a['aggregate'] = { avg: true }), 'accounts.aggregate', /one of \{top: N\}/],
    ['two aggregates', (a: Json) => (a['aggregate'] = { top: 3, max: true }), 'accounts.aggregate.max', /not a known field/],
    ['an unknown score in from', (a: Json) => (a['from'] = 'fit'), 'accounts.from', /unknown score "fit".*"score"/],
    ['bounds min ≥ max', (a: Json) => (a['bounds'] = { min: 5, max: 5 }), 'accounts.bounds.max', /accounts\.bounds\.min/],
    ['empty bounds', (a: Json) => (a['bounds'] = {}), 'accounts.bounds', /at least one of min or max/],
    [
      'thresholds out of order',
      (a: Json) =>
        (a['thresholds'] = [
          { name: 'MQA', at: 2000 },
          { name: 'HOT', at: 1000 },
        ]),
      'accounts.thresholds[1].at',
      /ascending/,
    ],
    [
      'a duplicate threshold name',
      (a: Json) =>
        (a['thresholds'] = [
          { name: 'MQA', at: 1000 },
          { name: 'MQA', at: 2000 },
        ]),
      'accounts.thresholds[1].name',
      /duplicate threshold name "MQA" \(already used by accounts\.thresholds\[0\]\)/,
    ],
    [
      'a duplicate rule id',
      (a: Json & { rules: Json[] }) => (a.rules[1] = { ...a.rules[1], id: 'enterprise' }),
      'accounts.rules[1].id',
      /duplicate rule id "enterprise" \(already used by accounts\.rules\[0\]\)/,
    ],
    [
      'a rule without a test',
      (a: Json & { rules: Json[] }) => (a.rules[0] = { id: 'x', property: 'employees', points: 1 }),
      'accounts.rules[0]',
      /an account rule needs a test/,
    ],
    [
      'a counting rule among account rules',
      (a: Json & { rules: Json[] }) => (a.rules[0] = { id: 'x', on: 'page_viewed', points: 1 }),
      'accounts.rules[0]',
      /a property rule on an account property/,
    ],
    [
      'a bad regex',
      (a: Json & { rules: Json[] }) => (a.rules[0] = { id: 'x', property: 'domain', matches: '(', points: 1 }),
      'accounts.rules[0].matches',
      /not a valid regular expression/,
    ],
    [
      'a bad rule id',
      (a: Json & { rules: Json[] }) => (a.rules[0] = { ...a.rules[0], id: 'Big Co' }),
      'accounts.rules[0].id',
      /lowercase letters/,
    ],
    [
      'rule points missing',
      (a: Json & { rules: Json[] }) => (a.rules[0] = { id: 'x', property: 'employees', gte: 5 }),
      'accounts.rules[0].points',
      /is required/,
    ],
  ])('refuses %s, at its YAML path', (_what, mutate, path, message) => {
    expectOnly(errorsOf(mutate as (a: Json & { rules: Json[] }) => void), path, message);
  });
});

function validOk(grid: unknown) {
  const result = validateGrid(grid);
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('; '));
  return result.grid;
}
