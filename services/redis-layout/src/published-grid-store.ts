import type { RedisClient } from '@leadscore/service-kit';
import type { KeyLayout } from './key-layout.js';
import { loadScript, type ScriptCall } from './script-loader.js';
import { PUBLISH_GRID } from './scripts.js';

/** The grid the console last published, as stored. */
export interface PublishedGrid {
  readonly version: number;
  readonly yaml: string;
  readonly publishedAt: number;
  readonly publishedBy: string;
}

/** One publish: who (the key's name, never the key), when, from which version to which. */
export interface AuditEntry {
  readonly by: string;
  readonly at: number;
  readonly oldVersion: number;
  readonly newVersion: number;
  readonly gridName: string;
}

/**
 * The console's record of published grids (`<prefix>:{console}:grid`, a string of JSON) and its
 * audit log (`<prefix>:{console}:audit`, a list, newest first). The console writes it; scorers
 * read it (LiveGrid) and run the published grid once there is one.
 */
export class PublishedGridStore {
  private readonly publishGrid: ScriptCall<typeof PUBLISH_GRID>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
  ) {
    this.publishGrid = loadScript(redis, PUBLISH_GRID);
  }

  async current(): Promise<PublishedGrid | null> {
    const raw = await this.redis.get(this.keys.consoleGrid());
    return raw === null ? null : (JSON.parse(raw) as PublishedGrid);
  }

  /**
   * Stores the grid and its audit entry atomically (publish-grid-2.lua), only if the published
   * version is still `expectedVersion` (null: nothing published yet).
   * @returns false when another publish came first (nothing written)
   */
  async publish(grid: PublishedGrid, audit: AuditEntry, expectedVersion: number | null): Promise<boolean> {
    const reply = await this.publishGrid(
      [this.keys.consoleGrid(), this.keys.consoleAudit()],
      expectedVersion === null ? '' : String(expectedVersion),
      JSON.stringify(grid),
      JSON.stringify(audit),
    );
    return reply === 1;
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    const raws = await this.redis.lrange(this.keys.consoleAudit(), 0, limit - 1);
    return raws.map((raw) => JSON.parse(raw) as AuditEntry);
  }
}
