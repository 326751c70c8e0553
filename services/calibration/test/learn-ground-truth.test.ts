import { compileGrid, loadGrid, type Grid } from '@leadscore/engine';
import { describe, expect, it } from 'vitest';
import {
  MISCALIBRATED_GRID_YAML,
  TRUE_BEHAVIOURS,
  auc,
  backtest,
  contactRows,
  eventTypeGrid,
  learnGrid,
  parseOutcomes,
  readEventHistory,
  syntheticEventsNdjson,
  syntheticHistory,
  syntheticOutcomesCsv,
} from '../src/index.js';

const END = Date.parse('2026-03-01T00:00:00Z');
const miscalibrated = loadGrid(MISCALIBRATED_GRID_YAML, 'miscalibrated.yaml');

/** A synthetic history through the same text formats the CLI reads. */
async function labelledContacts(seed: number, contacts: number, grid = miscalibrated) {
  const history = syntheticHistory({ seed, contacts, end: END });
  const events = await readEventHistory(syntheticEventsNdjson(history.events).split('\n'), END, 'events.ndjson');
  const { outcomes, errors } = parseOutcomes(syntheticOutcomesCsv(history.outcomes), 'outcomes.csv');
  expect(errors).toEqual([]);
  expect(events.badLines).toEqual([]);
  return { events, outcomes, rows: contactRows(grid, events, outcomes, END, 'outcomes.csv') };
}

describe('learn on a history with a known ground truth', async () => {
  const train = await labelledContacts(11, 3000);
  const report = learnGrid(miscalibrated, 'grid', train.rows.rows, { scale: 1000, seed: 3 });

  it('recovers the true order of the behaviours', () => {
    // each behaviour's learned effect of doing it at least once, in points
    const learned = new Map(report.rules.map((r) => [r.ruleId, r.steps[0]?.points ?? 0]));
    const byTruth = [...TRUE_BEHAVIOURS].sort((a, b) => b.effect - a.effect).map((b) => b.ruleId);
    const byLearned = [...byTruth].sort((a, b) => learned.get(b)! - learned.get(a)!);
    expect(byLearned).toEqual(byTruth);
    // signs: helpful behaviours gain points, harmful ones lose points, the neutral one is dropped
    for (const b of TRUE_BEHAVIOURS) {
      if (b.effect > 0) expect(learned.get(b.ruleId), b.ruleId).toBeGreaterThan(0);
      if (b.effect < 0) expect(learned.get(b.ruleId), b.ruleId).toBeLessThan(0);
    }
    expect(report.rules.find((r) => r.ruleId === 'blog-visits')?.status).toBe('removed');
    expect(Math.max(...report.rules.flatMap((r) => r.steps.map((s) => Math.abs(s.points))))).toBe(1000);
  });

  it('the proposed grid is a valid grid file whose comments explain every rule', () => {
    const reloaded = loadGrid(report.proposedYaml, 'proposed.yaml');
    expect(reloaded).toEqual(report.proposedGrid);
    for (const rule of reloaded.rules)
      expect(report.proposedYaml).toMatch(new RegExp(`# .*\\n(  # .*\\n)*  - id: ${rule.id}\\n`));
    expect(report.proposedYaml).toMatch(/log-odds/);
    expect(reloaded.thresholds?.[0]?.name).toBe('MQL');
  });

  it('beats the miscalibrated grid in cross-validation and on contacts it never saw', async () => {
    expect(report.crossValidation.proposedAuc!).toBeGreaterThan(report.crossValidation.currentAuc! + 0.15);
    const heldOut = await labelledContacts(12, 1500);
    const proposedRows = contactRows(report.proposedGrid, heldOut.events, heldOut.outcomes, END, 'outcomes.csv');
    const labels = heldOut.rows.rows.map((r) => r.converted);
    const current = auc(
      heldOut.rows.rows.map((r) => r.score),
      labels,
    )!;
    const proposed = backtest(report.proposedGrid, proposedRows.rows, END).roc.auc!;
    expect(proposed).toBeGreaterThan(0.72);
    expect(proposed).toBeGreaterThan(current + 0.15);
    // the engine's scores equal the scores learn computed from the features
    const compiled = compileGrid(report.proposedGrid);
    expect(compiled.rules.length).toBe(report.proposedGrid.rules.length);
  });

  it('on a grid with a decaying rule, learns from its event counts and proposes points without decay', () => {
    const index = miscalibrated.rules.findIndex((r) => 'on' in r && r.points !== undefined && r.within === undefined);
    expect(index).toBeGreaterThanOrEqual(0);
    const decaying: Grid = {
      ...miscalibrated,
      rules: miscalibrated.rules.map((r, i) => (i === index ? { ...r, decay: { every: '7d', by: '50%' } } : r)),
    };
    const rows = contactRows(decaying, train.events, train.outcomes, END, 'outcomes.csv');
    const learned = learnGrid(decaying, 'grid', rows.rows, { scale: 1000, seed: 3 });
    // the same features (event counts), so the same fit as without decay
    expect(learned.rules.map((r) => [r.ruleId, r.steps])).toEqual(report.rules.map((r) => [r.ruleId, r.steps]));
    const reloaded = loadGrid(learned.proposedYaml, 'proposed.yaml');
    expect(reloaded.rules.some((r) => 'decay' in r)).toBe(false);
  });

  it('without a grid, learns on event types and still ranks demo requests first', async () => {
    const types = eventTypeGrid([...train.events.byContact.values()].flatMap((list) => list.map((e) => e.type)));
    const rows = contactRows(types, train.events, train.outcomes, END, 'outcomes.csv');
    const byType = learnGrid(types, 'event-types', rows.rows, { seed: 3 });
    expect(byType.crossValidation.currentAuc).toBeNull();
    const first = (id: string) => byType.rules.find((r) => r.ruleId === id)?.steps[0]?.points ?? 0;
    expect(first('demo-requested')).toBe(1000);
    expect(first('email-unsubscribed')).toBeLessThan(0);
    loadGrid(byType.proposedYaml, 'by-type.yaml');
  });
});
