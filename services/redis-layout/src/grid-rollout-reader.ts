import type { RedisClient } from '@leadscore/service-kit';
import type { KeyLayout } from './key-layout.js';

/** The grid the scorers run, as the grid record holds it (switch-grid-1.lua). */
export interface RunningGridRecord {
  readonly fingerprint: string;
  readonly name: string;
  readonly version: number;
  /** Incremented at every switch; 0 on a record from before generations. */
  readonly generation: number;
  /** The grid definition (JSON of the grid object). */
  readonly definition: string;
  readonly switchedAt: number;
  /** Every stored contact is on the grid-change index (or was, and is done). */
  readonly queued: boolean;
}

/** One scorer's heartbeat in `<prefix>:grid:scorers`: the oldest generation it may still commit with. */
export interface ScorerGridEntry {
  readonly scorer: string;
  readonly generation: number;
  /** Epoch ms after which the entry is stale (the scorer stopped refreshing it: gone). */
  readonly until: number;
}

/** Where a grid switch stands: the record, the scorers' heartbeats, the contacts still owed a re-evaluation. */
export interface GridRollout {
  readonly running: RunningGridRecord | null;
  readonly scorers: readonly ScorerGridEntry[];
  readonly pending: number;
}

/**
 * Reads the scorers' side of grid changes (`KeyLayout.gridRecord`, `gridScorers`,
 * `regradeIndex`): the read API and the console follow the grid the scorers run, and the console
 * shows a switch's progress. Read-only, like StageReader.
 */
export class GridRolloutReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
  ) {}

  async running(): Promise<RunningGridRecord | null> {
    const record = await this.redis.hgetall(this.keys.gridRecord());
    if (record.fingerprint === undefined || record.definition === undefined) return null;
    return {
      fingerprint: record.fingerprint,
      name: record.name ?? '',
      version: Number(record.version ?? 0),
      generation: Number(record.generation ?? 0),
      definition: record.definition,
      switchedAt: Number(record.switchedAt ?? 0),
      queued: record.queued === '1',
    };
  }

  /** The scorers' heartbeats, live ones only (`until` after `now`). */
  async scorers(now: number): Promise<ScorerGridEntry[]> {
    const entries = await this.redis.hgetall(this.keys.gridScorers());
    return Object.entries(entries)
      .map(([scorer, raw]) => parseScorerEntry(scorer, raw))
      .filter((entry): entry is ScorerGridEntry => entry !== undefined && entry.until > now);
  }

  async rollout(now: number): Promise<GridRollout> {
    const [running, scorers, pending] = await Promise.all([
      this.running(),
      this.scorers(now),
      this.redis.zcard(this.keys.regradeIndex()),
    ]);
    return { running, scorers, pending };
  }
}

/** A heartbeat's value is `{"generation":n,"until":ms}`; anything else is ignored (undefined). */
export function parseScorerEntry(scorer: string, raw: string): ScorerGridEntry | undefined {
  try {
    const value = JSON.parse(raw) as { generation?: unknown; until?: unknown };
    if (typeof value.generation === 'number' && typeof value.until === 'number') {
      return { scorer, generation: value.generation, until: value.until };
    }
  } catch {
    // a malformed entry is some other writer's: not a scorer heartbeat
  }
  return undefined;
}
