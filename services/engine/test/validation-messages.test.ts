import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GridValidationError, compileGrid, loadGrid, validateGrid, type ValidationIssue } from '../src/index.js';
import { EXAMPLES_DIR } from './support/starter-grid.js';

type Json = Record<string, unknown>;

/** A small valid grid; each test breaks one thing. */
function base(): Json {
  return {
    name: 'test',
    version: 1,
    bounds: { min: -1000, max: 5000 },
    thresholds: [{ name: 'MQL', at: 1000 }],
    rules: [
      {
        id: 'key-pages',
        on: 'page_viewed',
        where: { path: { in: ['/pricing'] } },
        tiers: [
          { atLeast: 1, points: 500 },
          { atLeast: 2, points: 1000 },
        ],
      },
      { id: 'emails-sent', on: 'email_sent', points: 0 },
      { id: 'unengaged', when: { all: [{ rule: 'emails-sent', gte: 3 }] }, points: -20 },
      { id: 'phone-known', property: 'phone', exists: true, points: 50 },
    ],
  };
}

function errorsOf(mutate: (grid: Json & { rules: Json[] }) => void): readonly ValidationIssue[] {
  const grid = base() as Json & { rules: Json[] };
  mutate(grid);
  const result = validateGrid(grid);
  if (result.ok) throw new Error('expected the grid to be invalid');
  return result.errors;
}

function expectOnly(errors: readonly ValidationIssue[], path: string, message: RegExp): void {
  expect(errors).toHaveLength(1);
  expect(errors[0]?.path).toBe(path);
  expect(errors[0]?.message).toMatch(message);
}

describe('grid validation: one test per message', () => {
  it('the base grid is valid', () => {
    expect(validateGrid(base()).ok).toBe(true);
  });

  it('YAML syntax error: line and column', () => {
    try {
      loadGrid('name: x\nrules: [\n', 'bad.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GridValidationError);
      const e = error as GridValidationError;
      expect(e.code).toBe('GRID_INVALID');
      expect(e.errors[0]?.path).toBe('');
      expect(e.errors[0]?.message).toMatch(/^not valid YAML or JSON at line \d+, column \d+: /);
      expect(e.message).toMatch(/^bad\.yaml: 1 error/);
    }
  });

  it('duplicate keys in YAML are a syntax error', () => {
    expect(() => loadGrid('name: a\nname: b\nversion: 1\nrules: []\n')).toThrow(
      /not valid YAML or JSON.*[Mm]ap keys must be unique/,
    );
  });

  it('JSON text is accepted', () => {
    expect(loadGrid(JSON.stringify(base())).name).toBe('test');
  });

  it('a missing required field', () => {
    expectOnly(
      errorsOf((g) => delete g['version']),
      'version',
      /^is required but missing$/,
    );
  });

  it('an unknown field lists the known ones', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[3] as Json)['exist'] = true)),
      'rules[3].exist',
      /^is not a known field here; expected one of: id, label, description, property, points, equals/,
    );
  });

  it('a value of the wrong type', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['points'] = '10')),
      'rules[1].points',
      /^must be a whole number, got "10"$/,
    );
  });

  it('a fractional number where a whole number is expected', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['points'] = 1.5)),
      'rules[1].points',
      /^must be a whole number, got 1.5$/,
    );
  });

  it('an empty list', () => {
    expectOnly(
      errorsOf((g) => (g['rules'] = [])),
      'rules',
      /^must not be empty; expected at least one rule$/,
    );
  });

  it('an empty predicate', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['where'] = { path: {} })),
      'rules[0].where.path',
      /^must not be empty; expected at least one operator \(equals, in, notIn/,
    );
  });

  it('an unknown predicate operator', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['where'] = { path: { equal: '/pricing' } })),
      'rules[0].where.path.equal',
      /^is not a known field here; expected one of: equals, in, notIn, startsWith/,
    );
  });

  it('a where property name too long', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['where'] = { ['p'.repeat(129)]: 'x' })),
      'rules[0].where',
      /^"p+\.\.\." is not valid; expected property names of 1-128 characters$/,
    );
  });

  it('a rule of no known kind', () => {
    expectOnly(
      errorsOf((g) => g.rules.push({ id: 'x', points: 1 })),
      'rules[4]',
      /^is not valid; expected a rule with "on" \(counts events\), "when" \(a condition on other rules\) or "property"/,
    );
  });

  it('a condition of no known form', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[2] as Json)['when'] = { every: [] })),
      'rules[2].when',
      /^is not valid; expected a condition: \{rule: id, eq\|gte\|gt\|lte\|lt: n\}, \{all: \[\.\.\.\]\}/,
    );
  });

  it('a bad rule id', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[3] as Json)['id'] = 'Phone Known')),
      'rules[3].id',
      /^"Phone Known" is not valid; expected 1-64 lowercase letters, digits or '-', like "key-pages"$/,
    );
  });

  it('a bad event type', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['on'] = 'Email-Sent')),
      'rules[1].on',
      /^"Email-Sent" is not valid; expected an event type like "page_viewed"/,
    );
  });

  it('a bad event type inside a list', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['on'] = ['email_sent', 'Bad'])),
      'rules[1].on[1]',
      /^"Bad" is not valid; expected an event type like "page_viewed"/,
    );
  });

  it.each(['0d', 'abc', '12h', '99999d'])('a bad window: %s', (within) => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['within'] = within)),
      'rules[1].within',
      /is not valid; expected a whole number of days between 1d and 3650d, like "180d"$/,
    );
  });

  describe('decay', () => {
    /** rules[1] (emails-sent) becomes a decaying points rule, read by no condition any more. */
    const withDecay = (g: Json & { rules: Json[] }): Json => {
      const rule = g.rules[1] as Json;
      rule['points'] = 10;
      rule['decay'] = { every: '30d', by: '50%' };
      g.rules[2] = { id: 'unengaged', property: 'persona', equals: 'x', points: -20 };
      return rule;
    };
    /** The errors of the decaying grid once `change` breaks its decaying rule. */
    const decaying = (change: (rule: Json) => void) => errorsOf((g) => change(withDecay(g)));

    it('a decaying points rule is valid', () => {
      const grid = base() as Json & { rules: Json[] };
      withDecay(grid);
      expect(validateGrid(grid)).toMatchObject({ ok: true });
    });

    it.each(['0d', '30', '2w', '10000d'])('a bad period: %s', (every) => {
      expectOnly(
        decaying((rule) => ((rule['decay'] as Json)['every'] = every)),
        'rules[1].decay.every',
        /is not valid; expected a whole number of days between 1d and 9999d, like "30d"$/,
      );
    });

    it.each(['50', '12.5%', 'half', '1000%'])('a share that is not a whole percent: %s', (by) => {
      expectOnly(
        decaying((rule) => ((rule['decay'] as Json)['by'] = by)),
        'rules[1].decay.by',
        /is not valid; expected a whole percent from 1% to 100%, like "50%"$/,
      );
    });

    it.each(['0%', '101%', '250%'])('a share outside (0%, 100%]: %s', (by) => {
      expectOnly(
        decaying((rule) => ((rule['decay'] as Json)['by'] = by)),
        'rules[1].decay.by',
        new RegExp(`^${by} is outside \\(0%, 100%\\]; expected .* a whole percent from 1% to 100%, like 50%$`),
      );
    });

    it('without every or by', () => {
      const errors = decaying((rule) => (rule['decay'] = { every: '30d' }));
      expect(errors.map((e) => e.path)).toEqual(['rules[1].decay.by']);
      expect(errors[0]?.message).toBe('is required but missing');
    });

    it('on a tiers rule', () => {
      expectOnly(
        errorsOf((g) => ((g.rules[0] as Json)['decay'] = { every: '30d', by: '50%' })),
        'rules[0].decay',
        /^only applies to points; tiers do not decay/,
      );
    });

    it('together with within', () => {
      expectOnly(
        decaying((rule) => (rule['within'] = '90d')),
        'rules[1].decay',
        /^cannot be used together with within; expected either a window .* or a decay/,
      );
    });

    it('read by a condition', () => {
      const errors = errorsOf((g) => {
        const rule = g.rules[1] as Json;
        rule['points'] = 10;
        rule['decay'] = { every: '7d', by: '100%' };
      });
      expectOnly(errors, 'rules[2].when.all[0].rule', /^rule "emails-sent" decays, and a condition cannot read a decaying rule/);
    });
  });

  it('a value below its minimum', () => {
    expectOnly(
      errorsOf((g) => (((g.rules[0] as Json)['tiers'] as Json[])[0] = { atLeast: 0, points: 1 })),
      'rules[0].tiers[0].atLeast',
      /^0 is not valid; expected a whole number of events, at least 1$/,
    );
  });

  it('duplicate rule ids', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[3] as Json)['id'] = 'key-pages')),
      'rules[3].id',
      /^duplicate rule id "key-pages" \(already used by rules\[0\]\); expected every rule id to be unique$/,
    );
  });

  it('duplicate threshold names', () => {
    expectOnly(
      errorsOf(
        (g) =>
          (g['thresholds'] = [
            { name: 'MQL', at: 1000 },
            { name: 'MQL', at: 2000 },
          ]),
      ),
      'thresholds[1].name',
      /^duplicate threshold name "MQL" \(already used by thresholds\[0\]\); expected unique names$/,
    );
  });

  it('thresholds not ascending', () => {
    expectOnly(
      errorsOf(
        (g) =>
          (g['thresholds'] = [
            { name: 'SQL', at: 2000 },
            { name: 'MQL', at: 2000 },
          ]),
      ),
      'thresholds[1].at',
      /^2000 is not greater than the previous threshold's at \(2000\); expected thresholds in strictly ascending order of at$/,
    );
  });

  it('tiers not ascending', () => {
    expectOnly(
      errorsOf(
        (g) =>
          ((g.rules[0] as Json)['tiers'] = [
            { atLeast: 2, points: 1000 },
            { atLeast: 1, points: 500 },
          ]),
      ),
      'rules[0].tiers[1].atLeast',
      /^1 is not greater than the previous tier's atLeast \(2\); expected tiers in strictly ascending order of atLeast$/,
    );
  });

  it('bounds min not below max', () => {
    expectOnly(
      errorsOf((g) => (g['bounds'] = { min: 10, max: 10 })),
      'bounds.max',
      /^10 is not greater than bounds.min \(10\); expected min < max$/,
    );
  });

  it.each([0, 1025, -3])('dedupe.recent %j out of range', (recent) => {
    expectOnly(
      errorsOf((g) => (g['dedupe'] = { recent })),
      'dedupe.recent',
      new RegExp(`^${recent} is not valid; expected a whole number from 1 to 1024$`),
    );
  });

  it('dedupe.recent not a whole number', () => {
    expectOnly(
      errorsOf((g) => (g['dedupe'] = { recent: 2.5 })),
      'dedupe.recent',
      /^must be a whole number from 1 to 1024, got 2\.5$/,
    );
    expectOnly(
      errorsOf((g) => (g['dedupe'] = { recent: '32' })),
      'dedupe.recent',
      /^must be a whole number from 1 to 1024, got "32"$/,
    );
  });

  it('dedupe without recent, or with an unknown field', () => {
    expectOnly(
      errorsOf((g) => (g['dedupe'] = {})),
      'dedupe.recent',
      /^is required but missing$/,
    );
    expectOnly(
      errorsOf((g) => (g['dedupe'] = { recent: 8, window: 3 })),
      'dedupe.window',
      /^is not a known field here; expected one of: recent$/,
    );
  });

  it("dedupe.recent at its bounds is valid, and compiles to the grid's N (default 32)", () => {
    for (const recent of [1, 1024]) expect(validateGrid({ ...base(), dedupe: { recent } }).ok).toBe(true);
    expect(compileGrid(loadGrid(JSON.stringify({ ...base(), dedupe: { recent: 4 } }))).recentLimit).toBe(4);
    expect(compileGrid(loadGrid(JSON.stringify(base()))).recentLimit).toBe(32);
  });

  it('empty bounds', () => {
    expectOnly(
      errorsOf((g) => (g['bounds'] = {})),
      'bounds',
      /^must not be empty; expected at least one of min or max$/,
    );
  });

  it('points and tiers together', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['points'] = 10)),
      'rules[0].tiers',
      /^cannot be used together with points; expected either points \(per event, optional limit\) or tiers$/,
    );
  });

  it('neither points nor tiers', () => {
    expectOnly(
      errorsOf((g) => delete (g.rules[1] as Json)['points']),
      'rules[1]',
      /^has neither points nor tiers; expected points \(per event, optional limit\) or tiers$/,
    );
  });

  it('a limit on tiers', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['limit'] = 1000)),
      'rules[0].limit',
      /^only applies to points; tiers are already capped by their top tier, remove limit$/,
    );
  });

  it('a limit of 0', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[1] as Json)['limit'] = 0)),
      'rules[1].limit',
      /^must not be 0; expected the cap on the size of the rule's total/,
    );
  });

  it('a property rule without a test', () => {
    expectOnly(
      errorsOf((g) => delete (g.rules[3] as Json)['exists']),
      'rules[3]',
      /^a property rule needs a test on the property value; expected at least one of: equals, in, notIn/,
    );
  });

  it('an invalid regular expression in where', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[0] as Json)['where'] = { path: { matches: '^/blog/(' } })),
      'rules[0].where.path.matches',
      /^"\^\/blog\/\(" is not a valid regular expression \(Unterminated group\); expected a JavaScript regular expression like "\^\/blog\/"$/,
    );
  });

  it('an invalid regular expression in a property rule', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[3] as Json)['matches'] = '[a-')),
      'rules[3].matches',
      /is not a valid regular expression/,
    );
  });

  it('a condition without a comparison', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[2] as Json)['when'] = { rule: 'emails-sent' })),
      'rules[2].when',
      /^compares nothing; expected exactly one of eq, gte, gt, lte, lt with a count/,
    );
  });

  it('a condition with two comparisons', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[2] as Json)['when'] = { not: { rule: 'emails-sent', gte: 1, lt: 5 } })),
      'rules[2].when.not',
      /^has 2 comparisons \(gte, lt\); expected exactly one of eq, gte, gt, lte, lt \(combine with all\/any\)$/,
    );
  });

  it('a condition naming an unknown rule', () => {
    expectOnly(
      errorsOf(
        (g) =>
          ((g.rules[2] as Json)['when'] = {
            any: [
              { rule: 'emails-sent', gte: 1 },
              { rule: 'emails-opened', eq: 0 },
            ],
          }),
      ),
      'rules[2].when.any[1].rule',
      /^unknown rule "emails-opened"; expected the id of a counting rule \(a rule with "on"\) in this grid$/,
    );
  });

  it('a condition naming a non-counting rule', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[2] as Json)['when'] = { rule: 'phone-known', gte: 1 })),
      'rules[2].when.rule',
      /^rule "phone-known" is a property rule, not a counting rule; expected the id of a rule with "on"/,
    );
  });

  it('a negative count in a condition', () => {
    expectOnly(
      errorsOf((g) => ((g.rules[2] as Json)['when'] = { rule: 'emails-sent', gte: -1 })),
      'rules[2].when.gte',
      /^-1 is not valid; expected a whole number of events, 0 or more$/,
    );
  });

  it('a grid that is not a map', () => {
    const result = validateGrid(['not', 'a', 'grid']);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ path: '', message: 'must be a map (key: value), got a list' }]);
  });

  it('reports every error of the broken example, each with its path', () => {
    const text = readFileSync(`${EXAMPLES_DIR}broken.yaml`, 'utf8');
    try {
      loadGrid(text, 'broken.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as GridValidationError).errors.map((e) => e.path)).toEqual([
        'rules[0].tiers[1].atLeast',
        'rules[1].id',
        'rules[1].on',
        'rules[2].where.path.matches',
        'rules[2].within',
        'rules[3].when.all[0].rule',
        'rules[4]',
        'rules[4].exist',
        'rules[5].decay',
        'rules[5].decay.by',
        'thresholds[1].at',
        'version',
      ]);
    }
  });
});
