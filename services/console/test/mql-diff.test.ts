import { readFileSync } from 'node:fs';
import { readEventHistory } from '@leadscore/calibration';
import { loadGrid } from '@leadscore/engine';
import { STARTER_GRID_FILE } from '@leadscore/service-kit';
import { describe, expect, it } from 'vitest';
import { compareDrafts } from '../src/draft-backtest.js';
import { applyGridEdit } from '../src/grid-table.js';
import { mqlDiff } from '../src/mql-diff.js';

const starter = readFileSync(STARTER_GRID_FILE, 'utf8');
const at = Date.parse('2026-03-01T00:00:00Z');

function event(contactId: string, n: number, type: string, properties: Record<string, unknown> = {}) {
  return JSON.stringify({
    eventId: `${contactId}-${n}`,
    contactId,
    type,
    occurredAt: new Date(at - n * 60_000).toISOString(),
    properties,
  });
}

describe('the MQL diff', () => {
  it('lists contacts MQL under one grid only, with their breakdowns, highest draft score first', () => {
    const c = (contactId: string, score: number) => ({
      contactId,
      score,
      contributions: [{ ruleId: 'r', label: 'R', count: 1, points: score }],
    });
    const diff = mqlDiff(
      [c('a', 900), c('b', 1000), c('c', 1200), c('d', 100)],
      [c('a', 1100), c('b', 900), c('c', 1300), c('d', 1000)],
      { name: 'MQL', at: 1000 },
      { name: 'MQL', at: 1000 },
    );
    expect(diff.gained.map((e) => [e.contactId, e.liveScore, e.draftScore])).toEqual([
      ['a', 900, 1100],
      ['d', 100, 1000],
    ]);
    expect(diff.lost.map((e) => e.contactId)).toEqual(['b']);
    expect(diff.lost[0]!.live).toEqual([{ ruleId: 'r', label: 'R', count: 1, points: 1000 }]);
  });

  it('compares a draft with the live grid through calibration and the engine', async () => {
    const lines = [
      // one pricing visit: 500 live; 1000 when the draft gives the first visit 1000
      event('one-visit', 1, 'page_viewed', { path: '/pricing' }),
      // two visits: 1000 in both grids
      event('two-visits', 1, 'page_viewed', { path: '/pricing' }),
      event('two-visits', 2, 'page_viewed', { path: '/solutions' }),
      event('webinar', 1, 'webinar_registered'),
    ];
    const history = { events: await readEventHistory(lines, at, 'h'), outcomes: undefined };
    const draft = loadGrid(applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'tier:1', value: '1000' }));
    const result = compareDrafts(loadGrid(starter), draft, history, at);
    expect(result.live.contacts).toBe(3);
    expect(result.mqlDiff.gained.map((e) => [e.contactId, e.liveScore, e.draftScore])).toEqual([['one-visit', 500, 1000]]);
    expect(result.mqlDiff.gained[0]!.draft).toEqual([
      { ruleId: 'key-pages', label: 'Visits of the main pages', count: 1, points: 1000 },
    ]);
    expect(result.mqlDiff.lost).toEqual([]);
    expect(result.draft.gridThresholds.map((t) => t.selected)).toEqual([2]);
    expect(result.live.gridThresholds.map((t) => t.selected)).toEqual([1]);
  });
});
