import { compileGrid, gridFingerprint, type CompiledGrid, type Grid } from '@leadscore/engine';
import {
  KeyLayout,
  loadScript,
  MARK_GRID_QUEUED,
  SWITCH_GRID,
  type GridSwitchStatus,
  type ScriptCall,
} from '@leadscore/redis-layout';
import type { RedisClient } from '@leadscore/service-kit';
import { redisUnavailable, type ContactStateStore } from './contact-state-store.js';

export interface GridSwitchOutcome {
  /** 'same': this grid ran before and every contact was queued; otherwise contacts were queued now. */
  readonly status: GridSwitchStatus;
  /** Contacts put on the grid-change index by this call (0 when another scorer does it). */
  readonly queued: number;
  /** The grid that ran before the switch, for the changed contributions' old points. */
  readonly previousGrid: CompiledGrid | undefined;
}

/**
 * Notices a new grid at start-up. Every contact's score may differ under the new grid, yet
 * without this a contact is re-scored only on its next event or decay: an idle contact that the
 * new grid puts above MQL would wait for it. The scorer records the running grid in Redis
 * (`<prefix>:grid`); the one scorer that records a different grid queues every stored contact
 * on the grid-change index (`<prefix>:regrade`), which the grid-change ReevaluationSweeper drains with
 * `reevaluate(..., {kind: 'grid-change'})`. A queueing cut short (a crash) is redone by the next
 * scorer to start; a lock keeps two from scanning at once.
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

  private lockKey(): string {
    return this.keys.gridQueueingLock();
  }

  /** Records `grid` as the running grid and, when it is new (or its queueing unfinished), queues every contact. */
  async apply(grid: CompiledGrid, now: number, lockMs = 10 * 60_000): Promise<GridSwitchOutcome> {
    const fingerprint = gridFingerprint(grid);
    const [status, previousDefinition] = await this.redisCall('grid-switch', () =>
      this.switchGrid([this.recordKey()], fingerprint, grid.name, grid.version, JSON.stringify(grid.grid), now),
    );
    const previousGrid = previousDefinition ? compilePrevious(previousDefinition) : undefined;
    if (status === 'same') return { status, queued: 0, previousGrid };
    const locked = await this.redisCall('grid-lock', () => this.redis.set(this.lockKey(), this.owner, 'PX', lockMs, 'NX'));
    if (locked !== 'OK') return { status, queued: 0, previousGrid };
    try {
      let queued = 0;
      for await (const page of this.store.contactIdPages()) {
        await this.store.queueRegrade(page);
        queued += page.length;
      }
      await this.redisCall('grid-queued', () => this.markGridQueued([this.recordKey()], fingerprint));
      return { status, queued, previousGrid };
    } finally {
      await this.redis.del(this.lockKey()).catch(() => undefined);
    }
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
