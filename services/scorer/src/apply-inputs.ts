import { WorkingState, applyInPlace, type CompiledGrid, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import type { StoredState } from './contact-state-store.js';
import type { ContactChange } from './contact-updater.js';
import { notYetApplied, withPositions, type PositionedEvent } from './input-positions.js';

/**
 * Applies a contact's consumed events that its stored state has not applied yet (by offset,
 * see input-positions.ts), and records their offsets with the new state. A redelivered
 * message counts as a duplicate: applied before, it changes nothing now. Offsets are recorded
 * only with a state that changed or a ring duplicate (both outcomes depended on the state): a
 * message that matches no rule changes nothing whatever the state, so re-applying it is harmless.
 */
export function applyInputs(
  grid: CompiledGrid,
  stored: StoredState,
  inputs: readonly PositionedEvent[],
  now: number,
): ContactChange & { duplicates: number } {
  const fresh = notYetApplied(stored.state, inputs);
  const applied = applyEvents(
    grid,
    stored,
    fresh.map((input) => input.event),
    now,
  );
  const duplicates = applied.duplicates + inputs.length - fresh.length;
  if (fresh.length === 0 || (applied.state === null && applied.duplicates === 0)) return { ...applied, duplicates };
  return { state: withPositions(applied.state ?? stored.state, fresh), changes: applied.changes, duplicates };
}

/**
 * Folds a contact's events through the engine, in order, in place: one WorkingState for all of
 * them, its ContactState made once at the end. The engine's working-state.ts gives exactly
 * applyEvent's outputs and state (its tests replay both), at less cost even for one event.
 */
export function applyEvents(
  grid: CompiledGrid,
  stored: StoredState,
  events: readonly LeadEvent[],
  now: number,
): ContactChange & { duplicates: number } {
  const working = new WorkingState(grid, now, stored.state, true);
  let changed = false;
  let duplicates = 0;
  const changes: ScoreChange[] = [];
  for (const event of events) {
    const result = applyInPlace(working, event);
    if (result.duplicate) duplicates += 1;
    if (result.stateChanged) changed = true;
    for (const output of result.outputs) changes.push(output);
  }
  return { state: changed ? working.toContactState() : null, changes, duplicates };
}
