import { describe, expect, it } from 'vitest';
import { compileGrid, decodeState, type CompiledGrid } from '@leadscore/engine';
import { applyEvents } from '../src/batch-scorer.js';
import { ContactUpdater } from '../src/contact-updater.js';
import { gridGenerationOf } from '../src/input-positions.js';
import type { GridProvider, RunningGrid } from '../src/live-grid.js';
import { ScorerMetrics } from '../src/metrics.js';
import { InMemoryContactStore } from './support/in-memory-contact-store.js';
import { JsonOutputEncoder } from './support/json-output-encoder.js';
import { RecordingProducer } from './support/recording-producer.js';
import { leadEvent, NOW, TEST_GRID, TOPICS } from './support/test-grid.js';

/** The same grid with another version: what a publish makes. */
function republished(version: number): CompiledGrid {
  return compileGrid({ ...TEST_GRID.grid, version });
}

/** A provider the test switches by hand, recording what the updater asked of it. */
class ManualGrids implements GridProvider {
  running: RunningGrid;
  readonly catchUps: number[] = [];
  inFlight = 0;
  constructor(
    start: RunningGrid,
    private readonly next: RunningGrid,
  ) {
    this.running = start;
  }
  enter(): RunningGrid {
    this.inFlight += 1;
    return this.running;
  }
  leave(): void {
    this.inFlight -= 1;
  }
  async catchUp(generation: number): Promise<void> {
    // the updater must ask outside its rounds: a switch may wait for them
    expect(this.inFlight).toBe(0);
    this.catchUps.push(generation);
    this.running = this.next;
  }
}

function updater(store: InMemoryContactStore, grids: GridProvider): ContactUpdater {
  return new ContactUpdater({
    grid: grids,
    topics: TOPICS,
    store,
    producer: new RecordingProducer(),
    scoreWriter: new JsonOutputEncoder(),
    metrics: new ScorerMetrics(),
  });
}

const score = (u: ContactUpdater, eventId: string, computedWith: CompiledGrid[]) =>
  u.update(['c1'], NOW, new Map(), (_id, stored, grid) => {
    computedWith.push(grid);
    return applyEvents(grid, stored, [leadEvent(eventId, 'c1', 'page_viewed')], NOW);
  });

describe('grid generations fence the commits of a scorer left behind', () => {
  it('stamps each commit with the generation of the grid that computed it', async () => {
    const store = new InMemoryContactStore();
    const v2 = republished(2);
    await score(updater(store, new ManualGrids({ compiled: v2, generation: 7 }, { compiled: v2, generation: 7 })), 'e1', []);
    expect(gridGenerationOf(decodeState(store.states.get('c1')!))).toBe(7);
  });

  it('a state written under a later generation makes the updater catch up before it computes anything', async () => {
    const store = new InMemoryContactStore();
    const v2 = republished(2);
    await score(updater(store, new ManualGrids({ compiled: v2, generation: 2 }, { compiled: v2, generation: 2 })), 'e1', []);

    const behind = new ManualGrids({ compiled: TEST_GRID, generation: 1 }, { compiled: v2, generation: 2 });
    const computedWith: CompiledGrid[] = [];
    const changes = await score(updater(store, behind), 'e2', computedWith);
    expect(behind.catchUps).toEqual([2]);
    expect(computedWith.map((g) => g.version)).toEqual([2]); // never computed with the old grid
    expect(changes.every((c) => c.gridVersion === 2)).toBe(true);
    expect(gridGenerationOf(decodeState(store.states.get('c1')!))).toBe(2);
  });

  it('a scorer that cannot catch up commits nothing', async () => {
    const store = new InMemoryContactStore();
    const v2 = republished(2);
    await score(updater(store, new ManualGrids({ compiled: v2, generation: 2 }, { compiled: v2, generation: 2 })), 'e1', []);
    const before = store.states.get('c1');
    const stuck: GridProvider = {
      enter: () => ({ compiled: TEST_GRID, generation: 1 }),
      leave: () => undefined,
      catchUp: async () => {
        throw new Error('superseded');
      },
    };
    const computedWith: CompiledGrid[] = [];
    await expect(score(updater(store, stuck), 'e2', computedWith)).rejects.toThrow('superseded');
    expect(computedWith).toEqual([]);
    expect(store.states.get('c1')).toBe(before);
  });
});
