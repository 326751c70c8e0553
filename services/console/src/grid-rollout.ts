import { compileGrid, gridFingerprint, type Grid } from '@leadscore/engine';
import type { GridRollout } from '@leadscore/redis-layout';

/**
 * Where the live grid's roll-out to the scorers stands, in the order it happens:
 * `waiting` (no scorer runs it yet: they pick a publish up within SCORER_GRID_POLL_MS),
 * `switching` (some scorers still commit under the grid before), `queueing` (every contact is
 * being put on the grid-change index), `re-evaluating` (contacts left on it), `done`.
 */
export type RolloutStage = 'waiting' | 'switching' | 'queueing' | 're-evaluating' | 'done';

export interface RolloutStatus {
  readonly stage: RolloutStage;
  readonly liveVersion: number;
  /** The grid the scorers run (their record), null before any scorer ran. */
  readonly running: { readonly name: string; readonly version: number; readonly generation: number } | null;
  readonly scorers: { readonly total: number; readonly switched: number };
  /** Contacts still owed a re-evaluation under the running grid. */
  readonly pending: number;
}

/** The roll-out of `live` (the console's live grid) from what the scorers recorded. */
export function rolloutStatus(live: Grid, rollout: GridRollout): RolloutStatus {
  const { running, scorers, pending } = rollout;
  const runsLive = running !== null && running.fingerprint === gridFingerprint(compileGrid(live));
  const switched = running === null ? 0 : scorers.filter((s) => s.generation >= running.generation).length;
  const stage: RolloutStage = !runsLive
    ? 'waiting'
    : switched < scorers.length
      ? 'switching'
      : !running.queued
        ? 'queueing'
        : pending > 0
          ? 're-evaluating'
          : 'done';
  return {
    stage,
    liveVersion: live.version,
    running: running === null ? null : { name: running.name, version: running.version, generation: running.generation },
    scorers: { total: scorers.length, switched },
    pending,
  };
}
