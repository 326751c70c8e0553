import { ErrorCode } from '@leadscore/errors';
import { loadGrid, type Grid } from '@leadscore/engine';
import { describe, expect, it } from 'vitest';
import {
  CalibrationError,
  MISCALIBRATED_GRID_YAML,
  backtest,
  contactRows,
  gradeConversion,
  learnGrid,
  moveBands,
  parseOutcomes,
  readEventHistory,
  renderHtmlReport,
  syntheticEventsNdjson,
  syntheticHistory,
  syntheticOutcomesCsv,
} from '../src/index.js';

const AT = Date.parse('2026-02-01T00:00:00Z');

/** Engagement (a demo, emails capped at 10 by a group) and fit (company size, careers visits). */
const TWO = loadGrid(
  `name: two
version: 1
rules:
  - { id: demo, on: demo_requested, points: 60, limit: 60 }
  - { id: opens, on: email_opened, points: 5 }
  - { id: careers, on: page_viewed, where: { path: /careers }, points: -30, limit: 30 }
  - { id: big, property: companySize, gte: 200, points: 40 }
scores:
  - id: engagement
    rules: [demo]
    groups: [{ id: email, rules: [opens], bounds: { max: 10 } }]
    thresholds: [{ name: MQL, at: 60 }]
  - id: fit
    label: Fit
    rules: [big, careers]
matrix:
  rows: { score: fit, bands: [{ name: A, at: 40 }, { name: B, at: 0 }, { name: C }] }
  columns: { score: engagement, bands: [{ name: '1', at: 60 }, { name: '2' }] }
  qualified: [A1]
`,
  'two.yaml',
);
const ONE = loadGrid(
  `name: one\nversion: 1\nthresholds: [{ name: MQL, at: 60 }]\nrules:\n  - { id: demo, on: demo_requested, points: 60 }\n`,
);

let serial = 0;
const event = (contactId: string, type: string, properties: Record<string, unknown> = {}) => {
  serial += 1;
  return JSON.stringify({ eventId: `e${serial}`, contactId, type, occurredAt: '2026-01-05T00:00:00Z', properties });
};

/**
 * a: demo, 3 opens (10 after the group's cap), a big company: engagement 70, fit 40, A1, converted.
 * b: an open and a careers visit: 5 and -30, C2. c: a demo: 60 and 0, B1, converted.
 * d: an open and a big company: 5 and 40, A2.
 */
async function fourContacts() {
  const lines = [
    event('a', 'demo_requested'),
    event('a', 'email_opened'),
    event('a', 'email_opened'),
    event('a', 'email_opened'),
    event('a', 'contact_updated', { companySize: 500 }),
    event('b', 'email_opened'),
    event('b', 'page_viewed', { path: '/careers' }),
    event('c', 'demo_requested'),
    event('d', 'email_opened'),
    event('d', 'contact_updated', { companySize: 300 }),
  ];
  const history = await readEventHistory(lines, AT, 'e.ndjson');
  const { outcomes } = parseOutcomes('contactId,converted\na,1\nb,0\nc,1\nd,0\n', 'o.csv');
  return { history, outcomes };
}

const badOption = (run: () => unknown, ids: string) => {
  expect(run).toThrow(CalibrationError);
  try {
    run();
  } catch (error) {
    expect((error as CalibrationError).code).toBe(ErrorCode.CalibrationBadOption);
    expect((error as Error).message).toMatch(new RegExp(`has no score "nope"; its scores: ${ids}$`));
  }
};

describe('backtest on one score of several', () => {
  it("rows hold the chosen score's value (the first by default) and the grade", async () => {
    const { history, outcomes } = await fourContacts();
    const first = contactRows(TWO, history, outcomes, AT, 'o.csv').rows;
    const fit = contactRows(TWO, history, outcomes, AT, 'o.csv', { score: 'fit' }).rows;
    expect(first.map((r) => [r.contactId, r.score, r.grade?.grade])).toEqual([
      ['a', 70, 'A1'],
      ['b', 5, 'C2'],
      ['c', 60, 'B1'],
      ['d', 5, 'A2'],
    ]);
    expect(contactRows(TWO, history, outcomes, AT, 'o.csv', { score: 'engagement' }).rows).toEqual(first);
    expect(fit.map((r) => r.score)).toEqual([40, -30, 0, 40]);
    // every rule's features and contributions, whichever score is chosen
    expect(fit.map((r) => r.features)).toEqual(first.map((r) => r.features));
  });

  it("reports the chosen score's thresholds, rules and breakdowns, and conversion by grade", async () => {
    const { history, outcomes } = await fourContacts();
    const rows = contactRows(TWO, history, outcomes, AT, 'o.csv', { score: 'fit' }).rows;
    const report = backtest(TWO, rows, AT, { score: 'fit' });
    expect(report.score).toEqual({ id: 'fit', label: 'Fit' });
    expect(report.gridThresholds).toEqual([]);
    expect(report.rules.map((r) => r.ruleId)).toEqual(['careers', 'big']);
    expect(report.topContacts[0]).toMatchObject({ contactId: 'a', score: 40 });
    expect(report.topContacts[0]!.contributions.map((c) => c.ruleId)).toEqual(['big']);
    expect(report.matrix?.cells.map((c) => [c.grade, c.qualified, c.contacts, c.converters, c.conversionRate])).toEqual([
      ['A1', true, 1, 1, 1],
      ['A2', false, 1, 0, 0],
      ['B1', false, 1, 1, 1],
      ['B2', false, 0, 0, null],
      ['C1', false, 0, 0, null],
      ['C2', false, 1, 0, 0],
    ]);
    expect(report.matrix?.qualified).toEqual({ grades: ['A1'], contacts: 1, converters: 1, conversionRate: 1, recall: 0.5 });
    const engagement = backtest(TWO, contactRows(TWO, history, outcomes, AT, 'o.csv').rows, AT);
    expect(engagement.score).toEqual({ id: 'engagement', label: 'engagement' });
    expect(engagement.gridThresholds.map((t) => [t.name, t.threshold, t.selected])).toEqual([['MQL', 60, 2]]);
    expect(engagement.rules.map((r) => r.ruleId)).toEqual(['demo', 'opens']);
    // the matrix does not depend on the chosen score
    expect(engagement.matrix).toEqual(report.matrix);
  });

  it('a grid without scores: its one score is "score", and the report has neither score nor matrix', async () => {
    const { history, outcomes } = await fourContacts();
    const rows = contactRows(ONE, history, outcomes, AT, 'o.csv');
    expect(contactRows(ONE, history, outcomes, AT, 'o.csv', { score: 'score' })).toEqual(rows);
    expect(rows.rows.every((r) => r.grade === null)).toBe(true);
    const report = backtest(ONE, rows.rows, AT);
    expect(Object.keys(report)).toEqual([
      'grid',
      'at',
      'contacts',
      'converters',
      'conversionRate',
      'histogram',
      'topSegment',
      'topContacts',
      'deciles',
      'gridThresholds',
      'sweep',
      'bestF1',
      'roc',
      'rules',
    ]);
    expect(renderHtmlReport({ title: 't', backtest: report })).not.toContain('Conversion by grade');
  });

  it("an unknown score is a bad option naming the grid's scores", async () => {
    const { history, outcomes } = await fourContacts();
    badOption(() => contactRows(TWO, history, outcomes, AT, 'o.csv', { score: 'nope' }), 'engagement, fit');
    badOption(() => contactRows(ONE, history, outcomes, AT, 'o.csv', { score: 'nope' }), 'score');
    const rows = contactRows(TWO, history, outcomes, AT, 'o.csv').rows;
    badOption(() => backtest(TWO, rows, AT, { score: 'nope' }), 'engagement, fit');
    badOption(() => learnGrid(TWO, 'grid', rows, { score: 'nope' }), 'engagement, fit');
  });

  it('the HTML report has the grade table and names the score', async () => {
    const { history, outcomes } = await fourContacts();
    const rows = contactRows(TWO, history, outcomes, AT, 'o.csv', { score: 'fit' }).rows;
    const page = renderHtmlReport({ title: 't', backtest: backtest(TWO, rows, AT, { score: 'fit' }) });
    expect(page).toContain('score <b>Fit</b> (fit)');
    expect(page).toContain('<h2>Conversion by grade</h2>');
    expect(page).toContain('Qualified grades (A1): 1 contacts, 1 converted (100.0 %), 50.0 % of all converters.');
    expect(page).toContain(
      '<tr><td>A1</td><td>A</td><td>1</td><td class="n">1</td><td class="n">1</td><td class="n">100.0 %</td><td>yes</td></tr>',
    );
    expect(page).toContain(
      '<td>B2</td><td>B</td><td>2</td><td class="n">0</td><td class="n">0</td><td class="n">–</td><td></td>',
    );
  });
});

describe('conversion by grade and moved bands', () => {
  it('every cell in band order, those nobody is graded in included; no grade counts in no cell', () => {
    const matrix = TWO.matrix!;
    const grade = (g: string) => ({ grade: g, row: g[0]!, column: g[1]!, qualified: g === 'A1' });
    const conversion = gradeConversion(matrix, [
      { grade: grade('C2'), converted: true },
      { grade: grade('C2'), converted: false },
      { grade: null, converted: true },
    ]);
    expect(conversion.cells.map((c) => c.grade)).toEqual(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
    expect(conversion.cells.find((c) => c.grade === 'C2')).toMatchObject({ contacts: 2, converters: 1, conversionRate: 0.5 });
    expect(conversion.qualified).toEqual({ grades: ['A1'], contacts: 0, converters: 0, conversionRate: null, recall: 0 });
  });

  it('a band moves to the learned score that keeps about its contacts; the upper of two on one cut moves up a step', () => {
    const bands = [{ name: 'A', at: 50 }, { name: 'B', at: 20 }, { name: 'C' }];
    // 2 contacts at or above 50, 4 at or above 20
    const current = [60, 50, 30, 20, 10, 0];
    expect(moveBands('rows', bands, current, [900, 800, 700, 600, 100, 0], 100).map((b) => b.band)).toEqual([
      { name: 'A', at: 800 },
      { name: 'B', at: 600 },
      { name: 'C' },
    ]);
    // 1 and 2 contacts in the bands, 4 tied at the top of the proposal: both bands nearest "nobody"
    // (one step above the top), kept one step apart by moving A up rather than B down onto the 4
    const moved = moveBands('rows', bands, [60, 30, 10, 0, 0, 0], [0, 0, 0, 0, -100, -100], 10);
    expect(moved.map((b) => b.band.at)).toEqual([20, 10, undefined]);
    expect(moved.flatMap((b) => b.moved).map((m) => [m.name, m.contacts, m.proposedContacts])).toEqual([
      ['A', 1, 0],
      ['B', 2, 0],
    ]);
  });
});

describe('learn on one score of several', async () => {
  const END = Date.parse('2026-03-01T00:00:00Z');
  const { thresholds: _thresholds, ...miscalibrated } = loadGrid(MISCALIBRATED_GRID_YAML);
  /** The miscalibrated grid's rules split into engagement (what contacts do) and fit (who they are). */
  const split: Grid = {
    ...miscalibrated,
    name: 'split',
    version: 3,
    scores: [
      {
        id: 'engagement',
        rules: ['demo-requests', 'pricing-visits', 'webinar-attendance'],
        groups: [{ id: 'content', rules: ['white-papers', 'blog-visits'], bounds: { max: 600 } }],
        bounds: { min: 0, max: 1500 },
        thresholds: [{ name: 'MQL', at: 500 }],
      },
      { id: 'fit', rules: ['careers-visits', 'unsubscribed', 'job-seeker'], bounds: { min: -1000, max: 1000 } },
    ],
    matrix: {
      rows: { score: 'fit', bands: [{ name: 'A', at: 500 }, { name: 'B', at: 1 }, { name: 'C' }] },
      columns: { score: 'engagement', bands: [{ name: '1', at: 800 }, { name: '2', at: 300 }, { name: '3' }] },
      qualified: ['A1', 'A2', 'B1'],
    },
  };
  const history = syntheticHistory({ seed: 21, contacts: 1500, end: END });
  const events = await readEventHistory(syntheticEventsNdjson(history.events).split('\n'), END, 'events.ndjson');
  const { outcomes } = parseOutcomes(syntheticOutcomesCsv(history.outcomes), 'outcomes.csv');
  const learn = (grid: Grid, score: string) => {
    const rows = contactRows(grid, events, outcomes, END, 'outcomes.csv', { score }).rows;
    return { rows, report: learnGrid(grid, 'grid', rows, { seed: 3, score }) };
  };
  const scoreOf = (grid: Grid, id: string) => grid.scores?.find((s) => s.id === id);
  const ruleOf = (grid: Grid, id: string) => grid.rules.find((r) => r.id === id);

  it("engagement: its rules re-weighted, fit and fit's rules unchanged, the matrix's engagement bands moved", () => {
    const { rows, report } = learn(split, 'engagement');
    const proposed = report.proposedGrid;
    expect(report.score).toEqual({ id: 'engagement', label: 'engagement' });
    expect(proposed.version).toBe(4);
    // only engagement's rules (directly or through its group) are learned and explained
    const ofEngagement = ['demo-requests', 'pricing-visits', 'webinar-attendance', 'white-papers', 'blog-visits'];
    expect(report.rules.map((r) => r.ruleId)).toEqual(ofEngagement);
    expect(report.columns.map((c) => c.ruleId).filter((id) => !ofEngagement.includes(id))).toEqual([]);
    expect(report.crossValidation.proposedAuc!).toBeGreaterThan(report.crossValidation.currentAuc! + 0.1);
    expect(scoreOf(proposed, 'fit')).toEqual(scoreOf(split, 'fit'));
    for (const id of ['careers-visits', 'unsubscribed', 'job-seeker']) expect(ruleOf(proposed, id)).toEqual(ruleOf(split, id));
    // blog reading does nothing: it leaves engagement, its group and the grid
    expect(report.rules.find((r) => r.ruleId === 'blog-visits')?.status).toBe('removed');
    expect(ruleOf(proposed, 'blog-visits')).toBeUndefined();
    const engagement = scoreOf(proposed, 'engagement')!;
    expect(engagement.bounds).toBeUndefined();
    expect((engagement.groups ?? []).flatMap((g) => g.rules)).not.toContain('blog-visits');
    expect((engagement.groups ?? []).every((g) => g.bounds === undefined)).toBe(true);
    expect(engagement.thresholds).toEqual([
      { name: 'MQL', at: report.threshold!.threshold, description: expect.stringMatching(/^Best F1/) },
    ]);
    expect(ruleOf(proposed, 'demo-requests')).toMatchObject({ points: 1000, limit: 1000 });
    // the rows (fit) as they were; the columns (engagement) on the learned scale
    expect(proposed.matrix?.rows).toEqual(split.matrix?.rows);
    expect(proposed.matrix?.qualified).toEqual(split.matrix?.qualified);
    expect(report.bands?.map((b) => [b.axis, b.name, b.previousAt])).toEqual([
      ['columns', '1', 800],
      ['columns', '2', 300],
    ]);
    expect(proposed.matrix?.columns.bands.map((b) => b.at)).toEqual([...report.bands!.map((b) => b.at), undefined]);
    expect(report.bands!.map((b) => b.contacts)).toEqual([800, 300].map((at) => rows.filter((r) => r.score >= at).length));
    // the file is the grid, and the engine scores it as learn did
    expect(loadGrid(report.proposedYaml, 'proposed.yaml')).toEqual(proposed);
    expect(report.proposedYaml).toMatch(/^# Only score engagement is learned/m);
    const again = contactRows(proposed, events, outcomes, END, 'outcomes.csv', { score: 'engagement' }).rows;
    expect(again.map((r) => r.score)).toEqual(report.proposedScores);
  });

  it('fit: harmful behaviours lose points; engagement unchanged; fit gets no threshold it did not have', () => {
    const { report } = learn(split, 'fit');
    const proposed = report.proposedGrid;
    for (const id of ['careers-visits', 'unsubscribed', 'job-seeker']) {
      const rule = ruleOf(proposed, id)!;
      expect('points' in rule && rule.points!, id).toBeLessThan(0);
    }
    expect(scoreOf(proposed, 'engagement')).toEqual(scoreOf(split, 'engagement'));
    expect(scoreOf(proposed, 'fit')).toEqual({ id: 'fit', rules: ['careers-visits', 'unsubscribed', 'job-seeker'] });
    expect(proposed.matrix?.columns).toEqual(split.matrix?.columns);
    expect(report.bands?.map((b) => b.axis)).toEqual(['rows', 'rows']);
    expect(loadGrid(report.proposedYaml, 'proposed.yaml')).toEqual(proposed);
  });

  it('a rule another score lists too: learned, it changes that score too (and says so); earning nothing, it stays as it was for that score', () => {
    const shared: Grid = {
      ...split,
      scores: [
        split.scores![0]!,
        { id: 'fit', rules: ['careers-visits', 'unsubscribed', 'job-seeker', 'webinar-attendance', 'blog-visits'] },
      ],
    };
    const { report } = learn(shared, 'engagement');
    const proposed = report.proposedGrid;
    const webinar = report.rules.find((r) => r.ruleId === 'webinar-attendance')!;
    expect(webinar.status).toBe('scored');
    expect(webinar.explanation).toMatch(/ Also in fit: its new points change that score too\.$/);
    expect(ruleOf(proposed, 'webinar-attendance')).not.toEqual(ruleOf(shared, 'webinar-attendance'));
    const blog = report.rules.find((r) => r.ruleId === 'blog-visits')!;
    expect(blog.status).toBe('removed');
    expect(blog.explanation).toMatch(/left out of engagement, kept as it is for fit\./);
    expect(ruleOf(proposed, 'blog-visits')).toEqual(ruleOf(shared, 'blog-visits'));
    expect(scoreOf(proposed, 'fit')).toEqual(scoreOf(shared, 'fit'));
    expect(scoreOf(proposed, 'engagement')!.groups?.flatMap((g) => g.rules) ?? []).not.toContain('blog-visits');
    expect(loadGrid(report.proposedYaml, 'proposed.yaml')).toEqual(proposed);
  });

  it('a rule of the learned score that a condition of another score reads stays as a 0-point counter in no score', () => {
    const read: Grid = {
      ...split,
      rules: [...split.rules, { id: 'reads-blog', when: { rule: 'blog-visits', gte: 2 }, points: 10 }],
      scores: [split.scores![0]!, { id: 'fit', rules: ['careers-visits', 'unsubscribed', 'job-seeker', 'reads-blog'] }],
    };
    const { report } = learn(read, 'engagement');
    const proposed = report.proposedGrid;
    expect(report.rules.find((r) => r.ruleId === 'blog-visits')?.status).toBe('counter');
    expect(ruleOf(proposed, 'blog-visits')).toMatchObject({ on: 'page_viewed', points: 0 });
    expect(
      proposed.scores!.some((s) => [...(s.rules ?? []), ...(s.groups ?? []).flatMap((g) => g.rules)].includes('blog-visits')),
    ).toBe(false);
    expect(ruleOf(proposed, 'reads-blog')).toEqual(ruleOf(read, 'reads-blog'));
    expect(loadGrid(report.proposedYaml, 'proposed.yaml')).toEqual(proposed);
  });

  it('a grid without scores learns exactly as before: no score, no bands', () => {
    const grid = loadGrid(MISCALIBRATED_GRID_YAML);
    const rows = contactRows(grid, events, outcomes, END, 'outcomes.csv').rows;
    const report = learnGrid(grid, 'grid', rows, { seed: 3 });
    expect(report).toEqual(learnGrid(grid, 'grid', rows, { seed: 3, score: 'score' }));
    expect('score' in report || 'bands' in report).toBe(false);
    expect(report.proposedGrid.scores).toBeUndefined();
  });
});
