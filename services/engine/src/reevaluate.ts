import type { CompiledGrid } from './compile-grid.js';
import { normalizeState, type ContactState } from './contact-state.js';
import { evaluate, type Cause, type Evaluation } from './score-change.js';

export type ReevaluationCause = Extract<Cause, { kind: 'decay' } | { kind: 'grid-change' }>;

export interface ReevaluateOptions {
  /**
   * For a grid change: the grid the state was last evaluated with, so changed contributions
   * report the old grid's points. Without it they are compared under the new grid.
   */
  readonly previousGrid?: CompiledGrid;
}

/**
 * Re-scores a contact without an event: time passed (windows expired) or the grid changed.
 * Emits a score change when the score differs from the last emitted one.
 */
export function reevaluate(
  compiled: CompiledGrid,
  contactId: string,
  state: ContactState,
  now: number,
  cause: ReevaluationCause,
  options: ReevaluateOptions = {},
): Evaluation {
  const after = normalizeState(compiled, state, now);
  return evaluate({
    compiled,
    contactId,
    before: state,
    after,
    changed: after !== state,
    now,
    cause,
    previousGrid: options.previousGrid,
  });
}
