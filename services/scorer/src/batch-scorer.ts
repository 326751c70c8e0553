import { WorkingState, applyInPlace, type CompiledGrid, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import type { StoredState } from './contact-state-store.js';
import type { DeadLetterReason, DecodeResult } from './event-decoder.js';
import type { InputMessage } from '@leadscore/contracts';
import { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
import type { ScorerMetrics } from './metrics.js';
import { ContactUpdater, type ContactChange, type ContactUpdaterDeps } from './contact-updater.js';
import { inputSource, notYetApplied, withPositions, type PositionedEvent } from './input-positions.js';

/** Turns a consumed message into an event or a reason to dead-letter it (EventDecoder in production). */
export interface MessageDecoder {
  decode(message: InputMessage, now: number): Promise<DecodeResult>;
}

/** Builds the dead letter of a message (contracts' DeadLetterBuilder in production). */
export interface DeadLetterFactory {
  build(source: InputMessage, reason: DeadLetterReason, message: string, now: number): Promise<OutputMessage>;
}

export interface BatchScorerDeps extends ContactUpdaterDeps {
  readonly decoder: MessageDecoder;
  readonly deadLetters: DeadLetterFactory;
  readonly metrics: ScorerMetrics;
  /** The clock, in epoch ms: injected so tests can move time. */
  readonly now: () => number;
}

export interface BatchResult {
  readonly scored: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly scoreChanges: readonly ScoreChange[];
}

/**
 * Scores one chunk of consumed messages: decode (bad input becomes dead letters), then hand
 * the events, grouped by contact in arrival order, to the ContactUpdater, which commits states
 * and produces outputs in the order that makes redelivery safe. Only after this resolves may
 * the caller commit the chunk's offsets.
 */
export class BatchScorer {
  private readonly updater: ContactUpdater;

  constructor(private readonly deps: BatchScorerDeps) {
    this.updater = new ContactUpdater(deps);
  }

  /** Sends the outbox clears still owed (see ContactUpdater.flushClears). */
  flushClears(): Promise<void> {
    return this.updater.flushClears();
  }

  async score(messages: readonly InputMessage[]): Promise<BatchResult> {
    const { decoder, metrics, deadLetters, topics } = this.deps;
    const now = this.deps.now();
    const deadLetterOutputs: OutputBatch = new Map();
    const eventsByContact = new Map<string, PositionedEvent[]>();
    let deadLettered = 0;

    // Counted per topic once per chunk, not per message: a labelled inc costs a label lookup each time.
    const consumedByTopic = new Map<string, number>();
    for (const message of messages) consumedByTopic.set(message.topic, (consumedByTopic.get(message.topic) ?? 0) + 1);
    for (const [topic, count] of consumedByTopic) metrics.eventsConsumed.inc({ topic }, count);

    for (const message of messages) {
      const decoded = await decoder.decode(message, now);
      if (!decoded.ok) {
        addOutput(deadLetterOutputs, topics.deadLetters, await deadLetters.build(message, decoded.reason, decoded.message, now));
        metrics.eventsDeadLettered.inc({ reason: decoded.reason });
        deadLettered += 1;
        continue;
      }
      const positioned = { event: decoded.event, source: inputSource(topics, message), offset: Number(message.offset) };
      const list = eventsByContact.get(decoded.event.contactId);
      if (list) list.push(positioned);
      else eventsByContact.set(decoded.event.contactId, [positioned]);
    }

    // A contact may be computed more than once (after losing a compare-and-set); count its last computation only.
    const duplicatesByContact = new Map<string, number>();
    const changes = await this.updater.update(
      [...eventsByContact.keys()],
      now,
      deadLetterOutputs,
      (contactId, stored, grid) => {
        const applied = applyInputs(grid, stored, eventsByContact.get(contactId)!, now);
        duplicatesByContact.set(contactId, applied.duplicates);
        return applied;
      },
      { keepIndexedExpiry: true },
    );
    const scored = messages.length - deadLettered;
    let duplicates = 0;
    for (const n of duplicatesByContact.values()) duplicates += n;
    metrics.eventsScored.inc(scored);
    metrics.eventsDuplicate.inc(duplicates);
    return { scored, duplicates, deadLettered, scoreChanges: changes };
  }
}

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
    if (result.output !== null) changes.push(result.output);
  }
  return { state: changed ? working.toContactState() : null, changes, duplicates };
}
