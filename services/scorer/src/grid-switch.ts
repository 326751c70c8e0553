import { compileGrid, gridFingerprint, type CompiledGrid, type Grid } from '@leadscore/engine';
import type { RedisClient } from '@leadscore/service-kit';
import { lua, redisUnavailable, type ContactStateStore } from './contact-state-store.js';

const SWITCH = 'leadscoreSwitchGrid_v1';
const MARK_QUEUED = 'leadscoreMarkGridQueued_v1';

type Scripted = {
  [SWITCH](
    key: string,
    fingerprint: string,
    name: string,
    version: number,
    definition: string,
    now: number,
  ): Promise<[GridSwitchOutcome['status'], string]>;
  [MARK_QUEUED](key: string, fingerprint: string): Promise<number>;
};

export interface GridSwitchOutcome {
  /** 'same': this grid ran before and every contact was queued; otherwise contacts were queued now. */
  readonly status: 'same' | 'pending' | 'switched';
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
  private readonly scripted: Scripted;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly store: ContactStateStore,
    private readonly owner: string,
  ) {
    if (!(SWITCH in redis)) {
      redis.defineCommand(SWITCH, { numberOfKeys: 1, lua: lua('switch-grid-1.lua') });
      redis.defineCommand(MARK_QUEUED, { numberOfKeys: 1, lua: lua('mark-grid-queued-1.lua') });
    }
    this.scripted = redis as unknown as Scripted;
  }

  recordKey(): string {
    return `${this.keyPrefix}:grid`;
  }

  private lockKey(): string {
    return `${this.keyPrefix}:grid:queueing`;
  }

  /** Records `grid` as the running grid and, when it is new (or its queueing unfinished), queues every contact. */
  async apply(grid: CompiledGrid, now: number, lockMs = 10 * 60_000): Promise<GridSwitchOutcome> {
    const fingerprint = gridFingerprint(grid);
    const [status, previousDefinition] = await this.redisCall('grid-switch', () =>
      this.scripted[SWITCH](this.recordKey(), fingerprint, grid.name, grid.version, JSON.stringify(grid.grid), now),
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
      await this.redisCall('grid-queued', () => this.scripted[MARK_QUEUED](this.recordKey(), fingerprint));
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
