import { readFileSync } from 'node:fs';
import { loadGrid } from '@leadscore/engine';
import { STARTER_GRID_FILE } from '@leadscore/service-kit';
import { describe, expect, it } from 'vitest';
import { applyGridEdit, gridTable, withVersion } from '../src/grid-table.js';

const starter = readFileSync(STARTER_GRID_FILE, 'utf8');

/** The lines of `after` that differ from `before`, as [before, after] pairs (same line count assumed). */
function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b.length).toBe(a.length);
  return a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]!] as [string, string]]));
}

describe('the grid as a sheet', () => {
  it('shows each rule with label, what it counts, points per tier, limit and window', () => {
    const table = gridTable(starter);
    expect(table.issues).toEqual([]);
    expect(table.grid?.name).toBe('starter');
    expect(table.settings).toEqual({
      name: 'starter',
      version: '1',
      bounds: { min: '-1000', max: '5000' },
      thresholds: [{ name: 'MQL', at: '1000' }],
    });
    const keyPages = table.rows[0]!;
    expect(keyPages.id).toBe('key-pages');
    expect(keyPages.counts).toBe('page_viewed where {"path":{"in":["/pricing","/solutions"]}}');
    expect(keyPages.cells).toMatchObject({ label: 'Visits of the main pages', 'tier:1': '500', 'tier:2': '1000', 'tier:5': '' });
    expect(table.rows.find((r) => r.id === 'emails-opened')!.cells).toMatchObject({ points: '10', within: '180d' });
    expect(table.rows.find((r) => r.id === 'opt-out')!.cells).toMatchObject({ points: '-500', limit: '500' });
  });

  it("says a decaying rule's decay in what it counts", () => {
    const decaying = starter.replace(
      /( {2}- id: opt-out\n)/,
      '  - { id: downloads, on: asset_downloaded, points: 100, decay: { every: 30d, by: 50% } }\n$1',
    );
    const table = gridTable(decaying);
    expect(table.issues).toEqual([]);
    expect(table.rows.find((r) => r.id === 'downloads')!.counts).toBe('asset_downloaded, each event losing 50% every 30d');
  });

  it('changes only the edited value: comments, flow maps and long lines stay byte-identical', () => {
    const edited = applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'tier:2', value: '1200' });
    expect(changedLines(starter, edited)).toEqual([
      ['      - { atLeast: 2, points: 1000 }', '      - { atLeast: 2, points: 1200 }'],
    ]);
    const back = applyGridEdit(edited, { kind: 'cell', rule: 0, column: 'tier:2', value: '1000' });
    expect(back).toBe(starter);
    expect(withVersion(starter, 2)).toBe(starter.replace('\nversion: 1\n', '\nversion: 2\n'));
  });

  it('refuses a grid with several scores at `scores`, as the scorer would (so it is never published)', () => {
    const b2b = readFileSync(STARTER_GRID_FILE.replace('starter.yaml', 'b2b.yaml'), 'utf8');
    const table = gridTable(b2b);
    expect(table.grid).toBeUndefined();
    expect(table.issues).toEqual([
      expect.objectContaining({ path: 'scores', message: expect.stringMatching(/^the console handles one score per contact/) }),
    ]);
  });

  it('puts each validation issue on its cell, with the engine message', () => {
    const broken = applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'tier:2', value: 'lots' });
    const table = gridTable(broken);
    expect(table.grid).toBeUndefined();
    expect(table.issues).toContainEqual({
      path: 'rules[0].tiers[1].points',
      message: expect.stringContaining('"lots"'),
      rule: 0,
      column: 'tier:2',
    });
    const limit = gridTable(applyGridEdit(starter, { kind: 'cell', rule: 4, column: 'limit', value: 'once' }));
    expect(limit.issues.map((i) => [i.path, i.rule, i.column])).toContainEqual(['rules[4].limit', 4, 'limit']);
    const bounds = gridTable(applyGridEdit(starter, { kind: 'setting', path: 'bounds.min', value: '6000' }));
    expect(bounds.issues.length).toBeGreaterThan(0);
    expect(bounds.issues.every((i) => i.rule === null)).toBe(true);
  });

  it('adds, fills and removes tiers; adds, moves and removes rules, keeping every other byte', () => {
    const withTier5 = applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'tier:5', value: '1500' });
    expect(withTier5).toBe(
      starter.replace(
        '      - { atLeast: 2, points: 1000 }\n\n  # Downloads of "low',
        '      - { atLeast: 2, points: 1000 }\n      - { atLeast: 5, points: 1500 }\n\n  # Downloads of "low',
      ),
    );
    expect(applyGridEdit(withTier5, { kind: 'cell', rule: 0, column: 'tier:5', value: '' })).toBe(starter);

    const webinar = gridTable(starter).rows.findIndex((r) => r.id === 'webinar-registration');
    const tiered = applyGridEdit(starter, { kind: 'cell', rule: webinar, column: 'tier:1', value: '150' });
    expect(tiered).toContain('    limit: 200\n    tiers:\n      - { atLeast: 1, points: 150 }\n');
    // the same rule as `leadscore grid validate`: tiers and per-event points do not mix
    expect(gridTable(tiered).issues).toContainEqual(expect.objectContaining({ path: `rules[${webinar}].tiers`, rule: webinar }));

    const added = applyGridEdit(starter, { kind: 'addRule', id: 'pricing-calculator' });
    expect(added.startsWith(starter)).toBe(true);
    expect(loadGrid(added).rules.at(-1)).toEqual({ id: 'pricing-calculator', label: 'New rule', on: 'page_viewed', points: 0 });
    const last = gridTable(added).rows.length - 1;
    expect(applyGridEdit(added, { kind: 'removeRule', rule: last })).toBe(starter);

    const moved = applyGridEdit(starter, { kind: 'moveRule', rule: 1, direction: 'up' });
    expect(
      loadGrid(moved)
        .rules.slice(0, 2)
        .map((r) => r.id),
    ).toEqual(['low-velocity-asset', 'key-pages']);
    // each rule moves with the comment lines above it
    expect(moved.indexOf('# Downloads of "low-velocity"')).toBeLessThan(moved.indexOf('# Someone reading the pricing'));
    expect(applyGridEdit(moved, { kind: 'moveRule', rule: 0, direction: 'down' })).toBe(starter);
  });

  it('edits the event types of a rule as a list', () => {
    const edited = applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'on', value: 'page_viewed, asset_downloaded' });
    expect(changedLines(starter, edited)).toEqual([['    on: page_viewed', '    on: [page_viewed, asset_downloaded]']]);
  });
});
