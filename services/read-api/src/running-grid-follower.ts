import { compileGrid, type CompiledGrid, type Grid } from '@leadscore/engine';
import type { GridRolloutReader } from '@leadscore/redis-layout';

/**
 * The grid the scorers run, for the read side (the read API, the console's contact pages):
 * scores computed at request time must use the grid that wrote the states, and a grid published
 * from the console reaches the scorers without a restart. Follows the scorers' grid record
 * (`<prefix>:grid`) by polling; until a scorer recorded one, GRID_FILE's grid.
 */
export class RunningGridFollower {
  private grid: CompiledGrid;
  private fingerprint = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly reader: GridRolloutReader,
    fileGrid: CompiledGrid,
  ) {
    this.grid = fileGrid;
  }

  current(): CompiledGrid {
    return this.grid;
  }

  /** Reads the record now; a definition that does not compile (it ran, so it did) keeps the grid as it was. */
  async refresh(): Promise<void> {
    const running = await this.reader.running();
    if (running === null || running.fingerprint === this.fingerprint) return;
    try {
      this.grid = compileGrid(JSON.parse(running.definition) as Grid);
      this.fingerprint = running.fingerprint;
    } catch {
      // an engine older than the grid's writer: keep scoring with what compiles
    }
  }

  /** Refreshes now, then every `intervalMs` (failures are retried at the next tick). */
  async start(intervalMs: number): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
