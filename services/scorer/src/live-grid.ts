import type { Logger } from 'pino';
import { compileGrid, gridFingerprint, loadGrid, type CompiledGrid } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import type { PublishedGridStore } from '@leadscore/redis-layout';
import { errorFields, redisUnavailable } from '@leadscore/service-kit';
import type { GridRecordOutcome, GridSwitch } from './grid-switch.js';
import { ScorerError } from './scorer-error.js';

/** The grid one round of updates computes with, and the generation its commits are stamped with. */
export interface RunningGrid {
  readonly compiled: CompiledGrid;
  readonly generation: number;
}

/**
 * Where the updater takes its grid from. A round `enter`s with the running grid and `leave`s
 * once its commit is done; a round that reads a state stamped with a later generation leaves
 * and waits for `catchUp` before it computes anything.
 */
export interface GridProvider {
  enter(): RunningGrid;
  leave(grid: RunningGrid): void;
  catchUp(generation: number): Promise<void>;
}

/** One grid for the process's life (tests, and tools that never switch). */
export function fixedGrid(compiled: CompiledGrid, generation = 0): GridProvider {
  const running = { compiled, generation };
  return {
    enter: () => running,
    leave: () => undefined,
    catchUp: async (wanted) => {
      if (wanted > generation) throw superseded(wanted, generation);
    },
  };
}

export function asGridProvider(grid: CompiledGrid | GridProvider): GridProvider {
  return 'enter' in grid ? grid : fixedGrid(grid);
}

export interface LiveGridDeps {
  /** GRID_FILE's grid: the running one until the console publishes one. */
  readonly fileGrid: CompiledGrid;
  /** 'published': the console's published grid when there is one (else fileGrid); 'file': fileGrid only. */
  readonly source: 'published' | 'file';
  readonly published: PublishedGridStore;
  readonly gridSwitch: GridSwitch;
  readonly logger: Logger;
  readonly now: () => number;
  /** How long a heartbeat is believed (a killed scorer stops holding back a switch after this). */
  readonly heartbeatTtlMs: number;
  /** How long the queueing scorer waits for the others' heartbeats before it queues anyway. */
  readonly barrierTimeoutMs: number;
  /** A switch was recorded (by this scorer or another): the grid it replaced, for the grid-change re-evaluation. */
  readonly onSwitched: (outcome: GridRecordOutcome) => void;
  /** This scorer queued every contact for a switch made at run time: drain the index now. */
  readonly onQueued?: () => void;
}

/**
 * The grid this scorer runs, switched at run time when the console publishes another
 * (docs/streaming.md "Grid changes at run time").
 *
 * Exactness across instances that switch at slightly different moments rests on generations:
 * every switch increments the grid record's generation (switch-grid-1.lua), every commit stamps
 * the state with the generation of the grid that computed it, and a round that reads a state
 * stamped later than its own grid waits for this scorer to catch up first. So per contact the
 * switch happens once, at its first commit under the new grid, and never goes back. Contacts no
 * event touches are re-evaluated from the grid-change index, queued only once every live scorer
 * reports (by heartbeat) that it commits under the new generation alone, so no older commit can
 * slip in after the scan.
 */
export class LiveGrid implements GridProvider {
  private running!: RunningGrid;
  private runningFingerprint = '';
  private readonly inFlight = new Map<number, number>();
  private refreshing: Promise<void> = Promise.resolve();
  private queueing: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(private readonly deps: LiveGridDeps) {}

  /** Loads the grid to run and records it; queues every contact when it is new (before any scoring). */
  async start(): Promise<GridRecordOutcome> {
    const { grid } = await this.load();
    // At start-up any grid may switch (a new GRID_FILE under a Recreate roll-out, as before).
    const outcome = await this.adopt(grid, false);
    await this.heartbeat();
    if (outcome.status === 'switched' || outcome.status === 'pending') await this.queue(grid, outcome.generation);
    return outcome;
  }

  current(): RunningGrid {
    return this.running;
  }

  enter(): RunningGrid {
    const running = this.running;
    this.inFlight.set(running.generation, (this.inFlight.get(running.generation) ?? 0) + 1);
    return running;
  }

  leave(grid: RunningGrid): void {
    const left = (this.inFlight.get(grid.generation) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(grid.generation);
    else this.inFlight.set(grid.generation, left);
  }

  /** A state was stamped with `generation`: switch to the grid that wrote it before computing. */
  async catchUp(generation: number): Promise<void> {
    if (this.running.generation >= generation) return;
    await this.refresh();
    if (this.running.generation < generation) throw superseded(generation, this.running.generation);
  }

  /**
   * The poll: switches to a newly published grid, retries an unfinished queueing, and renews
   * this scorer's heartbeat. One at a time.
   */
  refresh(): Promise<void> {
    const next = this.refreshing.then(() => this.refreshOnce());
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  /** Waits for a background queueing started by a switch (tests, stop). */
  async queued(): Promise<void> {
    await this.queueing;
  }

  /** The oldest generation a round of this scorer may still commit with. */
  oldestGeneration(): number {
    let oldest = this.running.generation;
    for (const generation of this.inFlight.keys()) oldest = Math.min(oldest, generation);
    return oldest;
  }

  /** Ends a queueing that waits for other scorers (the record stays unqueued: the next poll of any scorer redoes it). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queueing;
    await this.deps.gridSwitch.leave();
  }

  private async refreshOnce(): Promise<void> {
    const { grid, published } = await this.load();
    // At run time only a published grid switches: a GRID_FILE grid that is not the recorded one
    // belongs to a scorer left behind by a roll-out, which must not switch the others back.
    const outcome = await this.adopt(grid, !published);
    await this.heartbeat();
    if (outcome.status === 'switched' || outcome.status === 'pending') {
      // in the background: the queueing waits for the other scorers, while this one goes on scoring
      this.queueing = this.queueing.then(() =>
        this.queue(grid, outcome.generation)
          .then((queued) => {
            if (queued) this.deps.onQueued?.();
          })
          .catch((error: unknown) =>
            this.deps.logger.warn(errorFields(error), 'grid switch queueing failed; retried at the next poll'),
          ),
      );
    }
  }

  /** Records `grid` (or only adopts the record, for a GRID_FILE source) and runs it from now on. */
  private async adopt(grid: CompiledGrid, adoptOnly: boolean): Promise<GridRecordOutcome> {
    const { gridSwitch, now, logger, onSwitched } = this.deps;
    const fingerprint = gridFingerprint(grid);
    const outcome = await gridSwitch.record(grid, now(), adoptOnly);
    if (outcome.status === 'other') {
      // once per superseding grid, not at every poll
      if (this.supersededBy === outcome.generation) return outcome;
      this.supersededBy = outcome.generation;
      logger.error(
        { grid: grid.name, gridVersion: grid.version },
        "another grid runs (recorded by another scorer): this scorer's GRID_FILE is superseded; contacts the other grid wrote fail with GRID_SUPERSEDED here",
      );
      return outcome;
    }
    const changed = fingerprint !== this.runningFingerprint || this.running?.generation !== outcome.generation;
    if (changed) {
      const first = this.running === undefined;
      this.running = { compiled: grid, generation: outcome.generation };
      this.runningFingerprint = fingerprint;
      onSwitched(outcome);
      if (!first || outcome.status !== 'same') {
        logger.info(
          { grid: grid.name, gridVersion: grid.version, generation: outcome.generation, status: outcome.status },
          'running grid',
        );
      }
    }
    return outcome;
  }

  /** @returns whether this scorer did the queueing (false: another holds the lock) */
  private async queue(grid: CompiledGrid, generation: number): Promise<boolean> {
    const queued = await this.deps.gridSwitch.queueAll(grid, generation, (g) => this.barrier(g));
    if (queued === null) return false;
    this.deps.logger.info(
      { grid: grid.name, gridVersion: grid.version, queued },
      'grid switch: contacts queued for re-evaluation',
    );
    return true;
  }

  /** Until every live scorer (this one included) commits under `generation` or later only, or the timeout. */
  private async barrier(generation: number): Promise<boolean> {
    const { gridSwitch, now, barrierTimeoutMs, logger } = this.deps;
    const deadline = now() + barrierTimeoutMs;
    for (;;) {
      if (this.stopping) return false; // left to another scorer's poll (the record stays unqueued)
      const behind = (await gridSwitch.otherScorers(now())).filter((s) => s.generation < generation);
      if (behind.length === 0 && this.oldestGeneration() >= generation) return true;
      if (now() >= deadline) {
        logger.warn(
          { behind: behind.length, generation },
          'grid switch: scorers still report an older grid; queueing anyway (their later commits of untouched contacts wait for their next event)',
        );
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async heartbeat(): Promise<void> {
    const { gridSwitch, now, heartbeatTtlMs } = this.deps;
    await gridSwitch.heartbeat(this.oldestGeneration(), now() + heartbeatTtlMs);
  }

  /** The grid to run: the console's published one (a 'published' source, when there is one), else GRID_FILE's. */
  private async load(): Promise<{ grid: CompiledGrid; published: boolean }> {
    const { source, published, fileGrid } = this.deps;
    if (source === 'file') return { grid: fileGrid, published: false };
    const latest = await published.current().catch((error: unknown) => {
      throw redisUnavailable('published-grid read', error);
    });
    if (latest === null) return { grid: fileGrid, published: false };
    if (this.lastPublished?.yaml === latest.yaml) return { grid: this.lastPublished.grid, published: true };
    // The console validated it before publishing; a grid that fails here is a bug, surfaced as GRID_INVALID.
    const grid = compileGrid(loadGrid(latest.yaml, 'the published grid'));
    this.lastPublished = { yaml: latest.yaml, grid };
    return { grid, published: true };
  }

  /** The record's generation when this scorer's GRID_FILE was found superseded (logged once). */
  private supersededBy = -1;

  /** The last published grid compiled (polls compile it once). */
  private lastPublished?: { readonly yaml: string; readonly grid: CompiledGrid };
}

function superseded(wanted: number, running: number): ScorerError {
  return new ScorerError(
    ErrorCode.GridSuperseded,
    `a contact's state was written under grid generation ${wanted}, this scorer runs ${running}: it cannot switch to that grid (GRID_FILE is not the running grid; see docs/operations.md)`,
  );
}
