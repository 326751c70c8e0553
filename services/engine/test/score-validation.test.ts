/**
 * The checks of several scores per contact (`scores`, groups, `matrix`): each error at its path.
 */
import { describe, expect, it } from 'vitest';
import { validateGrid, type ValidationIssue } from '../src/index.js';

type Json = Record<string, unknown>;

/** The two-score grid of docs/grid-authoring.md (engagement and fit, a group, a matrix). */
function b2b(): Json & { rules: Json[]; scores: Json[]; matrix: Json } {
  return {
    name: 'b2b',
    version: 4,
    rules: [
      {
        id: 'key-pages',
        on: 'page_viewed',
        where: { path: { startsWith: '/pricing' } },
        points: 20,
        limit: 100,
        decay: { every: '30d', by: '50%' },
      },
      { id: 'opens', on: 'email_opened', points: 5 },
      { id: 'clicks', on: 'email_clicked', points: 10 },
      { id: 'demo', on: 'demo_requested', points: 60, limit: 60 },
      { id: 'phone-known', property: 'phone', exists: true, points: 20 },
      { id: 'big-company', property: 'companySize', gte: 200, points: 40 },
      { id: 'job-seeker', property: 'persona', equals: 'job_seeker', points: -100 },
    ],
    scores: [
      {
        id: 'engagement',
        label: 'Engagement',
        rules: ['key-pages', 'demo'],
        groups: [{ id: 'email', rules: ['opens', 'clicks'], bounds: { max: 50 } }],
        bounds: { min: 0, max: 200 },
        thresholds: [{ name: 'MQL', at: 100 }],
      },
      { id: 'fit', rules: ['phone-known', 'big-company', 'job-seeker'], bounds: { min: -100, max: 100 } },
    ],
    matrix: {
      rows: { score: 'fit', bands: [{ name: 'A', at: 50 }, { name: 'B', at: 20 }, { name: 'C' }] },
      columns: { score: 'engagement', bands: [{ name: '1', at: 100 }, { name: '2', at: 40 }, { name: '3' }] },
      qualified: ['A1', 'A2', 'B1'],
    },
  };
}

/** The issues of the grid once `mutate` changed it (none: it is valid). */
function issuesOf(mutate: (grid: ReturnType<typeof b2b>) => void): readonly ValidationIssue[] {
  const grid = b2b();
  mutate(grid);
  const result = validateGrid(grid);
  return result.ok ? [] : result.errors;
}

const scores = (g: ReturnType<typeof b2b>) => g.scores as (Json & { rules: string[]; groups?: (Json & { rules: string[] })[] })[];
const axis = (g: ReturnType<typeof b2b>, name: 'rows' | 'columns') => g.matrix[name] as Json & { bands: Json[] };

describe('several scores per contact: validation', () => {
  it('the two-score grid of the docs is valid', () => {
    expect(validateGrid(b2b()).ok).toBe(true);
  });

  it('unknown rule ids in a score or a group', () => {
    expect(
      issuesOf((g) => {
        scores(g)[0]!.rules[1] = 'demos';
        scores(g)[0]!.groups![0]!.rules[0] = 'open';
      }),
    ).toEqual([
      { path: 'scores[0].groups[0].rules[0]', message: 'unknown rule "open"; expected the id of a rule in this grid\'s rules' },
      { path: 'scores[0].rules[1]', message: 'unknown rule "demos"; expected the id of a rule in this grid\'s rules' },
    ]);
  });

  it('a rule listed twice in one score, directly or through a group; in two scores it is fine', () => {
    expect(issuesOf((g) => scores(g)[0]!.groups![0]!.rules.push('demo'))).toEqual([
      {
        path: 'scores[0].groups[0].rules[2]',
        message:
          'rule "demo" is already in this score (at scores[0].rules[1]); a rule counts once per score, directly or through one group',
      },
    ]);
    expect(issuesOf((g) => scores(g)[1]!.rules.push('phone-known'))).toEqual([
      expect.objectContaining({
        path: 'scores[1].rules[3]',
        message: expect.stringMatching(/already in this score \(at scores\[1\]\.rules\[0\]\)/),
      }),
    ]);
    expect(issuesOf((g) => scores(g)[1]!.rules.push('demo'))).toEqual([]);
  });

  it('two scores with the same id, two groups with the same id anywhere, and the reserved id', () => {
    expect(issuesOf((g) => (scores(g)[1]!['id'] = 'engagement'))).toEqual([
      { path: 'matrix.rows.score', message: 'unknown score "fit"; expected one of the grid\'s scores: "engagement"' },
      { path: 'scores[1].id', message: 'duplicate score id "engagement" (first at scores[0].id)' },
    ]);
    expect(issuesOf((g) => (scores(g)[1]!['groups'] = [{ id: 'email', rules: ['demo'] }]))).toEqual([
      {
        path: 'scores[1].groups[0].id',
        message: 'duplicate group id "email" (first at scores[0].groups[0].id); group ids are unique in the whole grid',
      },
    ]);
    expect(issuesOf((g) => (scores(g)[1]!['id'] = 'matrix'))).toEqual(
      expect.arrayContaining([{ path: 'scores[1].id', message: expect.stringMatching(/^"matrix" is reserved/) }]),
    );
  });

  it("a score that adds up no rule; bounds and thresholds of scores and groups checked as the grid's", () => {
    expect(
      issuesOf((g) => {
        (g.scores as Json[])[1] = { id: 'fit' };
        scores(g)[0]!['bounds'] = { min: 10, max: 5 };
        scores(g)[0]!.groups![0]!['bounds'] = { min: 50, max: 50 };
        scores(g)[0]!['thresholds'] = [
          { name: 'MQL', at: 100 },
          { name: 'SQL', at: 90 },
        ];
      }).map((e) => e.path),
    ).toEqual(['scores[0].bounds.max', 'scores[0].groups[0].bounds.max', 'scores[0].thresholds[1].at', 'scores[1]']);
  });

  it('top-level bounds or thresholds beside scores', () => {
    expect(
      issuesOf((g) => {
        g['bounds'] = { min: 0 };
        g['thresholds'] = [{ name: 'MQL', at: 100 }];
      }),
    ).toEqual([
      { path: 'bounds', message: 'cannot be used together with scores; each score has its own bounds (scores[i].bounds)' },
      {
        path: 'thresholds',
        message: 'cannot be used together with scores; each score has its own thresholds (scores[i].thresholds)',
      },
    ]);
  });

  it('bands not strictly descending, a last band with at, another without; duplicate band names', () => {
    expect(
      issuesOf((g) => {
        axis(g, 'rows').bands = [
          { name: 'A', at: 20 },
          { name: 'B', at: 20 },
          { name: 'C', at: 0 },
        ];
        axis(g, 'columns').bands = [{ name: '1', at: 100 }, { name: '2' }, { name: '2' }];
      }),
    ).toEqual([
      { path: 'matrix.columns.bands[1]', message: 'has no at; every band but the last needs the score it starts at' },
      { path: 'matrix.columns.bands[2].name', message: 'duplicate band name "2"' },
      {
        path: 'matrix.rows.bands[1].at',
        message: "20 is not below the previous band's at (20); expected bands from the highest at down",
      },
      {
        path: 'matrix.rows.bands[2].at',
        message: 'the last band is the catch-all (every score below the others); remove its at',
      },
    ]);
  });

  it('qualified naming a grade no row × column makes, a matrix naming an unknown score, a matrix without scores', () => {
    expect(issuesOf((g) => ((g.matrix['qualified'] as string[])[2] = 'D1'))).toEqual([
      {
        path: 'matrix.qualified[2]',
        message: 'no row × column makes grade "D1"; expected one of: A1, A2, A3, B1, B2, B3, C1, C2, C3',
      },
    ]);
    expect(issuesOf((g) => (axis(g, 'rows')['score'] = 'profile'))).toEqual([
      { path: 'matrix.rows.score', message: 'unknown score "profile"; expected one of the grid\'s scores: "engagement", "fit"' },
    ]);
    const withoutScores = b2b() as Json;
    delete withoutScores['scores'];
    const result = validateGrid(withoutScores);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      { path: 'matrix', message: "needs scores: a matrix cuts two of the grid's scores into bands" },
    ]);
  });

  it('two cells that make the same grade', () => {
    expect(
      issuesOf((g) => {
        axis(g, 'rows').bands = [{ name: 'A', at: 50 }, { name: 'AB' }];
        axis(g, 'columns').bands = [{ name: 'B1', at: 100 }, { name: '1' }];
        g.matrix['qualified'] = ['AB1'];
      }),
    ).toEqual([
      {
        path: 'matrix',
        message: 'grade "AB1" is made twice (A + B1 and AB + 1); rename a band so that every cell has its own grade',
      },
    ]);
  });

  it('the same score on both axes', () => {
    expect(issuesOf((g) => (axis(g, 'columns')['score'] = 'fit'))).toEqual([
      {
        path: 'matrix.columns.score',
        message: '"fit" is the rows\' score too; expected two different scores (such as fit and engagement)',
      },
    ]);
  });

  it("the schema's shapes: a band name that is not text, bands fewer than two, an unknown key", () => {
    const paths = issuesOf((g) => {
      axis(g, 'rows').bands = [{ name: 1, at: 50 }, { name: 'C' }];
      axis(g, 'columns').bands = [{ name: '1' }];
      scores(g)[1]!['weight'] = 2;
    }).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['matrix.rows.bands[0].name', 'matrix.columns.bands', 'scores[1].weight']));
  });

  it('accounts.from: required with several scores, and one of them', () => {
    const accounts = { key: 'companyDomain', aggregate: { top: 3 } };
    expect(issuesOf((g) => (g['accounts'] = accounts))).toEqual([
      {
        path: 'accounts.from',
        message: 'is required when the grid has several scores; expected the one that rolls up: "engagement", "fit"',
      },
    ]);
    expect(issuesOf((g) => (g['accounts'] = { ...accounts, from: 'score' }))).toEqual([
      { path: 'accounts.from', message: 'unknown score "score"; expected one of the grid\'s scores: "engagement", "fit"' },
    ]);
    expect(issuesOf((g) => (g['accounts'] = { ...accounts, from: 'engagement' }))).toEqual([]);
  });
});
