import { describe, expect, it } from 'vitest';
import { compileGrid, gridFingerprint, type Grid } from '../src/index.js';
import { starterGrid } from './support/starter-grid.js';

describe('gridFingerprint', () => {
  const grid = starterGrid();

  it('is the same for the same content, compiled twice', () => {
    expect(gridFingerprint(compileGrid(structuredClone(grid.grid) as Grid))).toBe(gridFingerprint(grid));
    expect(gridFingerprint(grid)).toMatch(/^[0-9A-Za-z_-]{18}$/);
  });

  it('changes with any scoring change, even when the version was not bumped', () => {
    const changed = structuredClone(grid.grid) as Grid & { thresholds: { name: string; at: number }[] };
    changed.thresholds[0]!.at = 1200;
    expect(gridFingerprint(compileGrid(changed))).not.toBe(gridFingerprint(grid));
    const bumped = { ...structuredClone(grid.grid), version: grid.version + 1 } as Grid;
    expect(gridFingerprint(compileGrid(bumped))).not.toBe(gridFingerprint(grid));
  });
});
