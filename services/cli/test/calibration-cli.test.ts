import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGrid } from '@leadscore/engine';
import { MISCALIBRATED_GRID_YAML, syntheticEventsNdjson, syntheticHistory, syntheticOutcomesCsv } from '@leadscore/calibration';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'services/cli/bin/leadscore.js');
const AT = '2026-03-01T00:00:00Z';

function leadscore(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'leadscore-calibration-cli-'));
const file = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const history = syntheticHistory({ seed: 31, contacts: 1200, end: Date.parse(AT) });
const EVENTS = file('events.ndjson', syntheticEventsNdjson(history.events));
const OUTCOMES = file('outcomes.csv', syntheticOutcomesCsv(history.outcomes));
const GRID = file('miscalibrated.yaml', MISCALIBRATED_GRID_YAML);

describe('leadscore backtest', () => {
  it('table output: AUC, distribution, lift, thresholds, rules; HTML report written', () => {
    const html = join(tmp, 'report.html');
    const { code, stdout, stderr } = leadscore([
      'backtest',
      '--grid',
      GRID,
      '--events',
      EVENTS,
      '--outcomes',
      OUTCOMES,
      '--at',
      AT,
      '--html',
      html,
    ]);
    expect(stderr).toMatch(/read \d+ events \(0 bad lines\) and 1200 outcomes/);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^backtest of grid miscalibrated v1 at 2026-03-01T00:00:00.000Z: 1200 contacts, \d+ converted \(.* %\); ROC AUC 0\.\d{3}$/m,
    );
    for (const heading of ['Score distribution', 'Top 20 %', 'Top 10 contacts', 'Lift by decile', 'Thresholds', 'Rules:'])
      expect(stdout).toContain(heading);
    expect(stdout).toMatch(/^\s+MQL\s+1000\s/m);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/data-chart="histogram"[\s\S]*data-chart="lift"[\s\S]*data-chart="roc"/);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('json output is one parseable report', () => {
    const { code, stdout } = leadscore([
      'backtest',
      '--grid',
      GRID,
      '--events',
      EVENTS,
      '--outcomes',
      OUTCOMES,
      '--at',
      AT,
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      contacts: number;
      roc: { auc: number; points: { threshold: number | null }[] };
      deciles: unknown[];
      topContacts: unknown[];
    };
    expect(report.contacts).toBe(1200);
    expect(report.deciles).toHaveLength(10);
    expect(report.topContacts).toHaveLength(10);
    expect(report.roc.points[0]!.threshold).toBeNull();
    expect(report.roc.auc).toBeGreaterThan(0.3);
  });

  it('bad lines of both files are reported with line numbers, the rest is used: exit 2', () => {
    const events = file(
      'bad-events.ndjson',
      `${readFileSync(EVENTS, 'utf8').split('\n').slice(0, 2000).join('\n')}\n{"eventId":\nnot json\n{"eventId":"x","contactId":"h-00001","type":"Bad Type","occurredAt":"2026-01-01T00:00:00Z"}\n`,
    );
    const outcomes = file('bad-outcomes.csv', `${readFileSync(OUTCOMES, 'utf8').trimEnd()}\nh-00002,yes,\nnobody,0,\n`);
    const { code, stdout, stderr } = leadscore([
      'backtest',
      '--grid',
      GRID,
      '--events',
      events,
      '--outcomes',
      outcomes,
      '--at',
      AT,
    ]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^backtest of grid/);
    expect(stderr).toContain(`${outcomes} line 1202: converted must be 0 or 1, got "yes"`);
    expect(stderr).toContain(`${outcomes} line 1203: contact "nobody" has no events in the event file`);
    expect(stderr).toMatch(new RegExp(`${events} line 2001: not valid JSON`));
    expect(stderr).toMatch(new RegExp(`${events} line 2002: not valid JSON`));
    expect(stderr).toMatch(new RegExp(`${events} line 2003: type: `));
  });

  it('an outcomes file without the required columns: exit 1 and what is missing', () => {
    const outcomes = file('no-columns.csv', 'id,won\nh-00001,1\n');
    const { code, stdout, stderr } = leadscore([
      'backtest',
      '--grid',
      GRID,
      '--events',
      EVENTS,
      '--outcomes',
      outcomes,
      '--at',
      AT,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(new RegExp(`^leadscore: ${outcomes} line 1: missing columns "contactId", "converted"`));
  });

  it('usage errors: exit 1', () => {
    expect(leadscore(['backtest', '--events', EVENTS]).code).toBe(1);
    expect(leadscore(['backtest', '--events', EVENTS, '--outcomes', 'nope.csv']).stderr).toMatch(
      /cannot read nope\.csv \(ENOENT\)/,
    );
    expect(leadscore(['backtest', '--events', EVENTS, '--outcomes', OUTCOMES, '--format', 'xml']).stderr).toMatch(
      /--format "xml" is not known/,
    );
  });
});

describe('backtest and learn with merges (docs/identity.md)', () => {
  // The same history, with every contact's events split between the contact and an anonymous
  // id (by event id, so each event stays whole), and a merge of the anonymous id into the
  // contact at the end of the file: the union scores as the history did.
  const lines = readFileSync(EVENTS, 'utf8').trimEnd().split('\n');
  const events = lines.map((line) => JSON.parse(line) as { eventId: string; contactId: string; occurredAt: string | number });
  const first = Math.min(...events.map((e) => (typeof e.occurredAt === 'number' ? e.occurredAt : Date.parse(e.occurredAt))));
  const split = events.map((e) => (cyrb(e.eventId) % 2 === 0 ? { ...e, contactId: `anon-${e.contactId}` } : e));
  const contacts = [...new Set(events.map((e) => e.contactId))];
  const merges = contacts.map((c, i) => ({
    eventId: `merge-${i}`,
    contactId: c,
    type: 'contact_merged',
    occurredAt: first, // before every cut-off
    properties: { mergedFrom: `anon-${c}` },
  }));
  const MERGED = file('merged-events.ndjson', [...split, ...merges].map((e) => JSON.stringify(e)).join('\n'));
  const run = (command: string, eventsFile: string, extra: string[] = []) =>
    leadscore([command, '--events', eventsFile, '--outcomes', OUTCOMES, '--at', AT, ...extra]);

  it('backtest: the same report as the unsplit history', () => {
    const whole = run('backtest', EVENTS, ['--grid', GRID, '--format', 'json']);
    const merged = run('backtest', MERGED, ['--grid', GRID, '--format', 'json']);
    expect(merged.code).toBe(0);
    expect(split.some((e) => e.contactId.startsWith('anon-'))).toBe(true);
    expect(JSON.parse(merged.stdout)).toEqual(JSON.parse(whole.stdout));
    expect(merged.stderr).toMatch(new RegExp(`read ${events.length + merges.length} events \\(0 bad lines\\) and 1200 outcomes`));
  });

  it('learn without a grid (on event types): the same proposal, no rule for contact_merged', () => {
    const whole = run('learn', EVENTS, ['--format', 'json']);
    const merged = run('learn', MERGED, ['--format', 'json']);
    expect(merged.code).toBe(0);
    expect(merged.stdout).not.toContain('contact_merged');
    expect(JSON.parse(merged.stdout)).toEqual(JSON.parse(whole.stdout));
  });
});

/** A small stable hash of an id (which half of the split an event goes to). */
function cyrb(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i += 1) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

describe('leadscore learn', () => {
  it('proposes a valid, explained grid that beats the current one in cross-validation', () => {
    const out = join(tmp, 'learned.yaml');
    const { code, stdout } = leadscore([
      'learn',
      '--grid',
      GRID,
      '--events',
      EVENTS,
      '--outcomes',
      OUTCOMES,
      '--at',
      AT,
      '--out',
      out,
      '--scale',
      '500',
    ]);
    expect(code).toBe(0);
    const cv = /cross-validated ROC AUC on held-out contacts: proposed (0\.\d+), current (0\.\d+)/.exec(stdout);
    expect(cv).not.toBeNull();
    expect(Number(cv![1])).toBeGreaterThan(Number(cv![2]) + 0.1);
    expect(stdout).toMatch(/^ {2}demo-requests: 1\+ event: log-odds \+\d\.\d\d ±\d\.\d\d \(odds ×\d+\.\d\d\) → 500 points/m);
    expect(stdout).toContain(`proposed grid written to ${out}`);
    const grid = loadGrid(readFileSync(out, 'utf8'), out);
    expect(grid.version).toBe(2);
    expect(leadscore(['grid', 'validate', out]).code).toBe(0);
  });

  it('without a grid, learns on event types; json output', () => {
    const { code, stdout } = leadscore([
      'learn',
      '--events',
      EVENTS,
      '--outcomes',
      OUTCOMES,
      '--at',
      AT,
      '--format',
      'json',
      '--folds',
      '3',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      basis: string;
      rules: { ruleId: string }[];
      proposedYaml: string;
      crossValidation: { currentAuc: null; folds: unknown[] };
    };
    expect(report.basis).toBe('event-types');
    expect(report.crossValidation.folds).toHaveLength(3);
    expect(report.crossValidation.currentAuc).toBeNull();
    expect(report.rules.map((r) => r.ruleId)).toContain('demo-requested');
    loadGrid(report.proposedYaml, 'json');
  });

  it('bad options: exit 1', () => {
    const { code, stderr } = leadscore(['learn', '--events', EVENTS, '--outcomes', OUTCOMES, '--scale', 'big']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--scale "big" is not valid; expected a whole number of points ≥ 10/);
  });
});

describe('backtest and learn on one score of several (deploy/grids/b2b.yaml)', () => {
  const B2B = join(ROOT, 'deploy/grids/b2b.yaml');
  const inputs = ['--events', EVENTS, '--outcomes', OUTCOMES, '--at', AT];

  it('backtest: the first score by default, the score in the heading, conversion by grade in the table and the HTML report', () => {
    const html = join(tmp, 'b2b-report.html');
    const { code, stdout } = leadscore(['backtest', '--grid', B2B, ...inputs, '--html', html]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^backtest of grid b2b v1 \(score engagement\) at 2026-03-01T00:00:00.000Z: 1200 contacts/m);
    expect(stdout).toMatch(/^\s+MQL\s+100\s/m);
    expect(stdout).toContain('Conversion by grade (rows: fit A, B, C; columns: engagement 1, 2, 3; * = qualified)');
    // nobody in the synthetic history has a phone or a company size: every contact is in row C
    expect(stdout).toMatch(/^ {2}A1 \* +0 +0 +–$/m);
    expect(stdout).toMatch(/^ {2}C3 +\d+ +\d+ +\d+\.\d %$/m);
    expect(stdout).toContain('  qualified (A1, A2, B1): 0 contacts, 0 converted (–), 0.0 % of all converters');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<title>Backtest of b2b v1 (score engagement)</title>');
    expect(page).toContain('<h2>Conversion by grade</h2>');
  });

  it("backtest --score fit --format json: the fit score's report with the cells of the matrix", () => {
    const { code, stdout } = leadscore(['backtest', '--grid', B2B, ...inputs, '--score', 'fit', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      score: { id: string; label: string };
      gridThresholds: unknown[];
      rules: { ruleId: string }[];
      matrix: { cells: { grade: string; qualified: boolean; contacts: number }[]; qualified: { grades: string[] } };
    };
    expect(report.score).toEqual({ id: 'fit', label: 'Fit' });
    expect(report.gridThresholds).toEqual([]);
    expect(report.rules.map((r) => r.ruleId)).toEqual(['phone-known', 'big-company', 'job-seeker']);
    expect(report.matrix.cells.map((c) => `${c.grade}${c.qualified ? '*' : ''}`)).toEqual([
      'A1*',
      'A2*',
      'A3',
      'B1*',
      'B2',
      'B3',
      'C1',
      'C2',
      'C3',
    ]);
    expect(report.matrix.cells.reduce((n, c) => n + c.contacts, 0)).toBe(1200);
    expect(report.matrix.qualified.grades).toEqual(['A1', 'A2', 'B1']);
  });

  it("an unknown --score: exit 1 naming the grid's scores, before the events are read", () => {
    const missing = join(tmp, 'no-such-events.ndjson');
    const backtested = leadscore(['backtest', '--grid', B2B, '--events', missing, '--outcomes', OUTCOMES, '--score', 'nope']);
    expect(backtested.code).toBe(1);
    expect(backtested.stdout).toBe('');
    expect(backtested.stderr.trim()).toBe('leadscore: grid b2b v1 has no score "nope"; its scores: engagement, fit');
    const learned = leadscore(['learn', '--grid', GRID, ...inputs, '--score', 'engagement']);
    expect(learned.code).toBe(1);
    expect(learned.stderr.trim()).toBe('leadscore: grid miscalibrated v1 has no score "engagement"; its scores: score');
  });

  it('a grid without scores: --score score is its one score, the same report', () => {
    const plain = leadscore(['backtest', '--grid', GRID, ...inputs, '--format', 'json']);
    const named = leadscore(['backtest', '--grid', GRID, ...inputs, '--format', 'json', '--score', 'score']);
    expect(named.code).toBe(0);
    expect(named.stdout).toBe(plain.stdout);
  });

  it('learn --score engagement: the whole grid written, fit and its rules unchanged, the engagement bands moved', () => {
    const out = join(tmp, 'b2b-learned.yaml');
    const { code, stdout } = leadscore(['learn', '--grid', B2B, ...inputs, '--score', 'engagement', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^learned from 1200 contacts \(\d+ converted\) on the rules of score engagement:/);
    expect(stdout).toMatch(/^ {2}demo +scored +\d+/m);
    expect(stdout).not.toMatch(/^ {2}(phone-known|big-company|job-seeker) /m);
    expect(stdout).toContain(
      'matrix columns (engagement) moved to the learned scale, each band keeping about the contacts it held',
    );
    expect(stdout).toMatch(/^proposed threshold MQL at \d+ \(best F1\)/m);
    expect(leadscore(['grid', 'validate', out]).code).toBe(0);
    const b2b = loadGrid(readFileSync(B2B, 'utf8'), B2B);
    const learned = loadGrid(readFileSync(out, 'utf8'), out);
    expect(learned.version).toBe(2);
    expect(learned.scores?.find((s) => s.id === 'fit')).toEqual(b2b.scores?.find((s) => s.id === 'fit'));
    for (const id of ['phone-known', 'big-company', 'job-seeker'])
      expect(learned.rules.find((r) => r.id === id)).toEqual(b2b.rules.find((r) => r.id === id));
    expect(learned.matrix?.rows).toEqual(b2b.matrix?.rows);
    expect(learned.matrix?.columns.bands).not.toEqual(b2b.matrix?.columns.bands);
    expect(learned.scores?.find((s) => s.id === 'engagement')?.bounds).toBeUndefined();
  });
});
