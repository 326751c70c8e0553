import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGrid, gridFingerprint, loadGrid } from '@leadscore/engine';
import type { GridRollout, RunningGridRecord } from '@leadscore/redis-layout';
import { rolloutStatus } from '../src/grid-rollout.js';

const STARTER = readFileSync(new URL('../../../deploy/grids/starter.yaml', import.meta.url), 'utf8');
const live = loadGrid(STARTER.replace(/^version: 1$/m, 'version: 2'), 'live');
const other = loadGrid(STARTER, 'before');

function record(grid: typeof live, generation: number, queued: boolean): RunningGridRecord {
  return {
    fingerprint: gridFingerprint(compileGrid(grid)),
    name: grid.name,
    version: grid.version,
    generation,
    definition: JSON.stringify(grid),
    switchedAt: 0,
    queued,
  };
}

const status = (rollout: GridRollout) => rolloutStatus(live, rollout).stage;

describe('the roll-out of a published grid, as the publish page shows it', () => {
  it('goes waiting → switching → queueing → re-evaluating → done', () => {
    const scorers = (...generations: number[]) => generations.map((generation, i) => ({ scorer: `s${i}`, generation, until: 1 }));
    expect(status({ running: null, scorers: [], pending: 0 })).toBe('waiting');
    expect(status({ running: record(other, 3, true), scorers: scorers(3, 3), pending: 0 })).toBe('waiting');
    expect(status({ running: record(live, 4, false), scorers: scorers(4, 3), pending: 0 })).toBe('switching');
    expect(status({ running: record(live, 4, false), scorers: scorers(4, 4), pending: 0 })).toBe('queueing');
    expect(status({ running: record(live, 4, true), scorers: scorers(4, 4), pending: 12 })).toBe('re-evaluating');
    expect(status({ running: record(live, 4, true), scorers: scorers(4, 4), pending: 0 })).toBe('done');
  });

  it('counts the scorers that switched', () => {
    const result = rolloutStatus(live, {
      running: record(live, 4, false),
      scorers: [
        { scorer: 'a', generation: 4, until: 1 },
        { scorer: 'b', generation: 3, until: 1 },
      ],
      pending: 0,
    });
    expect(result).toMatchObject({ liveVersion: 2, running: { version: 2, generation: 4 }, scorers: { total: 2, switched: 1 } });
  });
});
