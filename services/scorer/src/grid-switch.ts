import { compileGrid, gridFingerprint, type CompiledGrid, type Grid } from '@leadscore/engine';
import {
  KeyLayout,
  loadScript,
  MARK_GRID_QUEUED,
  parseScorerEntry,
  SWITCH_GRID,
  type GridSwitchStatus,
  type ScriptCall,
} from '@leadscore/redis-layout';
import type { RedisClient } from '@leadscore/service-kit';
import type { ContactStateStore } from './contact-state-store.js';
import { redisUnavailable } from '@leadscore/service-kit';

export interface GridRecordOutcome {
  /**
   * 'same': this grid ran before and every contact was queued; 'pending': it runs, its queueing
   * is unfinished; 'switched': recorded now (queue every contact); 'other': adopt-only, and the
   * record holds another grid (this scorer's grid is not the running one).
   */
  readonly status: GridSwitchStatus;
  /** The record's generation after the call (see switch-grid-1.lua). */
  readonly generation: number;
  /** The grid that ran before the switch, for the changed contributions' old points. */
  readonly previousGrid: CompiledGrid | undefined;
}

/** Waits until no running scorer can still commit with a generation before `generation`; false: give up (stopping). */
export type QueueingBarrier = (generation: number) => Promise<boolean>;

/**
 * Notices a new grid. Every contact's score may differ under the new grid, yet without this a
 * contact is re-scored only on its next event or decay: an idle contact that the new grid puts
 * above MQL would wait for it. The scorer records the running grid in Redis (`<prefix>:grid`);
 * the one scorer that records a different grid queues every stored contact on the grid-change
 * index (`<prefix>:regrade`), which the grid-change ReevaluationSweeper drains with
 * `reevaluate(..., {kind: 'grid-change'})`. A queueing cut short (a crash) is redone by the next
 * scorer to try (at start-up, or LiveGrid's next poll); a lock keeps two from scanning at once.
 */
export class GridSwitch {
  private readonly keys: KeyLayout;
  private readonly switchGrid: ScriptCall<typeof SWITCH_GRID>;
  private readonly markGridQueued: ScriptCall<typeof MARK_GRID_QUEUED>;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly store: ContactStateStore,
    private readonly owner: string,
  ) {
    this.keys = new KeyLayout(keyPrefix);
    this.switchGrid = loadScript(redis, SWITCH_GRID);
    this.markGridQueued = loadScript(redis, MARK_GRID_QUEUED);
  }

  recordKey(): string {
    return this.keys.gridRecord();
  }

  scorersKey(): string {
    return this.keys.gridScorers();
  }

  /** Records `grid` as the running grid (or, `adoptOnly`, only when it already is or none is recorded). */
  async record(grid: CompiledGrid, now: number, adoptOnly = false): Promise<GridRecordOutcome> {
    const [status, previousDefinition, generation] = await this.redisCall('grid-switch', () =>
      this.switchGrid(
        [this.recordKey()],
        gridFingerprint(grid),
        grid.name,
        grid.version,
        JSON.stringify(grid.grid),
        now,
        adoptOnly ? '1' : '0',
      ),
    );
    const previousGrid = previousDefinition ? compilePrevious(previousDefinition) : undefined;
    return { status, generation, previousGrid };
  }

  /**
   * Queues every stored contact for `grid` (a recorded 'switched' or 'pending' grid), once
   * `barrier` says no scorer still commits under an older generation: a contact an older grid
   * wrote after the scan would otherwise keep its old score until its next event. Returns how
   * many were queued, null when another scorer holds the queueing lock or the barrier gave up.
   */
  async queueAll(
    grid: CompiledGrid,
    generation: number,
    barrier?: QueueingBarrier,
    lockMs = 10 * 60_000,
  ): Promise<number | null> {
    const locked = await this.redisCall('grid-lock', () =>
      this.redis.set(this.keys.gridQueueingLock(), this.owner, 'PX', lockMs, 'NX'),
    );
    if (locked !== 'OK') return null;
    try {
      if (barrier && !(await barrier(generation))) return null;
      let queued = 0;
      for await (const page of this.store.contactIdPages()) {
        await this.store.queueRegrade(page);
        queued += page.length;
      }
      await this.redisCall('grid-queued', () => this.markGridQueued([this.recordKey()], gridFingerprint(grid)));
      return queued;
    } finally {
      await this.redis.del(this.keys.gridQueueingLock()).catch(() => undefined);
    }
  }

  /** Records this scorer's heartbeat: the oldest generation it may still commit with, valid until `until`. */
  async heartbeat(generation: number, until: number): Promise<void> {
    await this.redisCall('grid-heartbeat', () =>
      this.redis.hset(this.scorersKey(), this.owner, JSON.stringify({ generation, until })),
    );
  }

  /** Removes this scorer's heartbeat (it stops); stale heartbeats of killed scorers are dropped by `until`. */
  async leave(): Promise<void> {
    await this.redis.hdel(this.scorersKey(), this.owner).catch(() => undefined);
  }

  /** The live heartbeats of the other scorers, with stale ones removed. */
  async otherScorers(now: number): Promise<{ scorer: string; generation: number }[]> {
    const all = await this.redisCall('grid-scorers', () => this.redis.hgetall(this.scorersKey()));
    const live: { scorer: string; generation: number }[] = [];
    const stale: string[] = [];
    for (const [scorer, raw] of Object.entries(all)) {
      const entry = parseScorerEntry(scorer, raw);
      if (entry === undefined || entry.until <= now) stale.push(scorer);
      else if (scorer !== this.owner) live.push({ scorer, generation: entry.generation });
    }
    if (stale.length > 0) await this.redis.hdel(this.scorersKey(), ...stale).catch(() => undefined);
    return live;
  }

  private async redisCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw redisUnavailable(operation, error);
    }
  }
}

/** The grid recorded before: it was valid when it ran; if it no longer compiles, old points are simply not reported. */
function compilePrevious(definition: string): CompiledGrid | undefined {
  try {
    return compileGrid(JSON.parse(definition) as Grid);
  } catch {
    return undefined;
  }
}
