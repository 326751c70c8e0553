import type { KeyLayout } from '@leadscore/redis-layout';
import type { RedisClient } from '@leadscore/service-kit';

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
 * The console's own record of published grids (`<prefix>:{console}:grid`, a string of JSON) and
 * its audit log (`<prefix>:{console}:audit`, a list, newest first). Scorers do not read it: picking
 * a published grid up at run time is not part of the console yet (docs/console.md).
 */
export class PublishedGridStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
  ) {}

  async current(): Promise<PublishedGrid | null> {
    const raw = await this.redis.get(this.keys.consoleGrid());
    return raw === null ? null : (JSON.parse(raw) as PublishedGrid);
  }

  /** Stores the grid and its audit entry in one MULTI (both or neither). */
  async publish(grid: PublishedGrid, audit: AuditEntry): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.consoleGrid(), JSON.stringify(grid))
      .lpush(this.keys.consoleAudit(), JSON.stringify(audit))
      .exec();
  }

  async audit(limit: number): Promise<AuditEntry[]> {
    const raws = await this.redis.lrange(this.keys.consoleAudit(), 0, limit - 1);
    return raws.map((raw) => JSON.parse(raw) as AuditEntry);
  }
}
