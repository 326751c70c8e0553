import type { ContactState, LeadEvent } from '@leadscore/engine';
import type { TopicNames } from '@leadscore/contracts';
import type { InputMessage } from '@leadscore/contracts';

/** An event with where the scorer consumed it: its topic-partition (a short source name) and offset. */
export interface PositionedEvent {
  readonly event: LeadEvent;
  readonly source: string;
  readonly offset: number;
}

/**
 * The source name of a message in a contact's `inputPositions`: `b<partition>` for the
 * behavioural-events topic, `u<partition>` for contact-updates (short: it is stored with every
 * contact's state). Only those two topics are scored.
 */
export function inputSource(topics: TopicNames, message: InputMessage): string {
  return `${message.topic === topics.contactUpdates ? 'u' : 'b'}${message.partition}`;
}

/**
 * A contact's events that the stored state has not applied yet: those past the highest offset
 * recorded for their topic-partition. Exact, whatever `dedupe.recent`: a contact's messages on
 * one partition arrive in offset order, and a state records an offset only with everything up
 * to it applied (docs/streaming.md).
 */
export function notYetApplied(state: ContactState, events: readonly PositionedEvent[]): PositionedEvent[] {
  return events.filter((e) => e.offset > (state.inputPositions.get(e.source) ?? -1));
}

/** The state with the highest offset of `applied` recorded per topic-partition. */
export function withPositions(state: ContactState, applied: readonly PositionedEvent[]): ContactState {
  const positions = new Map(state.inputPositions);
  for (const { source, offset } of applied) if (offset > (positions.get(source) ?? -1)) positions.set(source, offset);
  return { ...state, inputPositions: positions };
}

/**
 * The grid generation a state was committed under, kept beside the input positions (source `g`,
 * which no topic-partition source takes): 0 for states from before generations, or from a grid
 * that was never switched at run time. See LiveGrid.
 */
const GRID_GENERATION_SOURCE = 'g';

export function gridGenerationOf(state: ContactState): number {
  return state.inputPositions.get(GRID_GENERATION_SOURCE) ?? 0;
}

/** The state stamped with the generation of the grid that computed it (unchanged when already so, or 0). */
export function withGridGeneration(state: ContactState, generation: number): ContactState {
  if (generation === 0 || state.inputPositions.get(GRID_GENERATION_SOURCE) === generation) return state;
  const positions = new Map(state.inputPositions);
  positions.set(GRID_GENERATION_SOURCE, generation);
  return { ...state, inputPositions: positions };
}
