import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { compileGrid, gridFingerprint, type CompiledGrid } from '@leadscore/engine';
import type { PublishedGrid, PublishedGridStore } from '@leadscore/redis-layout';
import type { GridRecordOutcome, GridSwitch } from '../src/grid-switch.js';
import { LiveGrid } from '../src/live-grid.js';
import { TEST_GRID } from './support/test-grid.js';

/** The grid record of switch-grid-1.lua, in memory: fingerprint and generation. */
class FakeGridSwitch {
  fingerprint: string | undefined;
  generation = 0;
  queued = 0;
  readonly heartbeats: number[] = [];
  async record(grid: CompiledGrid, _now: number, adoptOnly = false): Promise<GridRecordOutcome> {
    const fingerprint = gridFingerprint(grid);
    if (this.fingerprint === fingerprint) return { status: 'same', generation: this.generation, previousGrid: undefined };
    if (adoptOnly && this.fingerprint !== undefined)
      return { status: 'other', generation: this.generation, previousGrid: undefined };
    this.fingerprint = fingerprint;
    this.generation += 1;
    return { status: 'switched', generation: this.generation, previousGrid: undefined };
  }
  async queueAll(_grid: CompiledGrid, generation: number, barrier?: (g: number) => Promise<boolean>): Promise<number | null> {
    if (barrier && !(await barrier(generation))) return null;
    this.queued += 1;
    return 0;
  }
  async heartbeat(generation: number): Promise<void> {
    this.heartbeats.push(generation);
  }
  async leave(): Promise<void> {}
  async otherScorers(): Promise<{ scorer: string; generation: number }[]> {
    return [];
  }
}

const v2 = compileGrid({ ...TEST_GRID.grid, version: 2 });
const yamlOf = (grid: CompiledGrid) => JSON.stringify(grid.grid); // JSON is YAML

function live(source: 'published' | 'file', switcher: FakeGridSwitch, published: { grid: PublishedGrid | null }) {
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  const grid = new LiveGrid({
    fileGrid: TEST_GRID,
    source,
    published: { current: async () => published.grid } as unknown as PublishedGridStore,
    gridSwitch: switcher as unknown as GridSwitch,
    logger,
    now: () => 1_000,
    heartbeatTtlMs: 10_000,
    barrierTimeoutMs: 30_000,
    onSwitched: () => undefined,
  });
  return { grid, errors };
}

describe('LiveGrid', () => {
  it('switches to a grid published at run time, with the next generation, and queues its contacts', async () => {
    const switcher = new FakeGridSwitch();
    const published = { grid: null as PublishedGrid | null };
    const { grid } = live('published', switcher, published);
    await grid.start();
    expect(grid.current()).toMatchObject({ generation: 1, compiled: { version: 1 } });
    published.grid = { version: 2, yaml: yamlOf(v2), publishedAt: 1, publishedBy: 'ana' };
    await grid.refresh();
    await grid.queued();
    expect(grid.current()).toMatchObject({ generation: 2, compiled: { version: 2 } });
    expect(switcher.queued).toBe(2); // at start-up, and after the switch
    expect(switcher.heartbeats.at(-1)).toBe(2);
  });

  it('reports the oldest generation a round still runs in its heartbeat', async () => {
    const switcher = new FakeGridSwitch();
    const published = { grid: null as PublishedGrid | null };
    const { grid } = live('published', switcher, published);
    await grid.start();
    const round = grid.enter();
    published.grid = { version: 2, yaml: yamlOf(v2), publishedAt: 1, publishedBy: 'ana' };
    await grid.refresh();
    expect(grid.current().generation).toBe(2);
    expect(grid.oldestGeneration()).toBe(1);
    grid.leave(round);
    expect(grid.oldestGeneration()).toBe(2);
  });

  it('a GRID_FILE scorer never switches the record back at run time: it fails GRID_SUPERSEDED and logs once', async () => {
    const switcher = new FakeGridSwitch();
    const { grid, errors } = live('file', switcher, { grid: null });
    await grid.start();
    // another scorer records another grid
    await switcher.record(v2, 0);
    await grid.refresh();
    await grid.refresh();
    expect(switcher.fingerprint).toBe(gridFingerprint(v2));
    expect(grid.current()).toMatchObject({ generation: 1, compiled: { version: 1 } });
    await expect(grid.catchUp(2)).rejects.toMatchObject({ code: 'GRID_SUPERSEDED' });
    expect(errors.filter((line) => line.includes('superseded'))).toHaveLength(1);
  });
});
