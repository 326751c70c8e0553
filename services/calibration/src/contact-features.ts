import {
  applyEvent,
  compileGrid,
  emptyState,
  scoreAt,
  type CompiledGrid,
  type Contribution,
  type Grid,
  type LeadEvent,
} from '@leadscore/engine';
import type { LineError } from './calibration-error.js';
import type { EventHistory } from './event-history.js';
import { featureGrid } from './feature-grid.js';
import type { Outcome } from './outcomes-csv.js';

/** One labelled contact as the grid saw it at its evaluation time. */
export interface ContactRow {
  readonly contactId: string;
  readonly converted: boolean;
  /** "Now" of the evaluation: min(convertedAt, at) for converters with a convertedAt, else at. */
  readonly evaluatedAt: number;
  /** The grid's score then. */
  readonly score: number;
  /** The grid's contributions then, every rule in grid order. */
  readonly contributions: readonly Contribution[];
  /**
   * Per rule (grid order), the feature value: n of a counting rule (uncapped), 1/0 for a
   * condition or property rule that holds / does not.
   */
  readonly features: readonly number[];
  /** Events counted (before the cut-off). */
  readonly events: number;
}

export interface ContactRows {
  readonly rows: readonly ContactRow[];
  /** Outcome rows whose contact has no event at all, skipped. */
  readonly unknownContacts: readonly LineError[];
  /** Events of contacts that have no outcome row (not used). */
  readonly unlabelledEvents: number;
  readonly unlabelledContacts: number;
  /** Events left out because they happened at/after convertedAt or after `at`. */
  readonly eventsAfterCutoff: number;
}

/**
 * Evaluates every labelled contact with the engine, as of its own cut-off: a converter with a
 * `convertedAt` is scored at that instant from the events that occurred strictly before it (the
 * behaviour that led to the conversion, not what followed it); everyone else at `at` from the
 * events that occurred at or before `at`. Windowed rules are evaluated at that same instant.
 * Returns the grid's score and breakdown and the rules' feature values. Pure.
 */
export function contactRows(
  grid: Grid,
  history: EventHistory,
  outcomes: readonly Outcome[],
  at: number,
  outcomesFile: string,
): ContactRows {
  const scoring = compileGrid(grid);
  const features = compileGrid(featureGrid(grid));
  const rows: ContactRow[] = [];
  const unknownContacts: LineError[] = [];
  let eventsAfterCutoff = 0;
  const labelled = new Set<string>();
  for (const outcome of outcomes) {
    labelled.add(outcome.contactId);
    const events = history.byContact.get(outcome.contactId);
    if (events === undefined) {
      unknownContacts.push({
        file: outcomesFile,
        line: outcome.line,
        message: `contact ${JSON.stringify(outcome.contactId)} has no events in the event file (a typo, or the wrong file?); skipped`,
      });
      continue;
    }
    const cutoff = outcome.converted && outcome.convertedAt !== undefined ? Math.min(outcome.convertedAt, at) : at;
    const before =
      outcome.converted && outcome.convertedAt !== undefined && outcome.convertedAt <= at
        ? (e: LeadEvent) => e.occurredAt < cutoff
        : (e: LeadEvent) => e.occurredAt <= cutoff;
    const counted = events.filter(before);
    eventsAfterCutoff += events.length - counted.length;
    const scored = evaluate(scoring, counted, cutoff);
    const featured = evaluate(features, counted, cutoff);
    rows.push({
      contactId: outcome.contactId,
      converted: outcome.converted,
      evaluatedAt: cutoff,
      score: scored.score,
      contributions: scored.contributions,
      features: featured.contributions.map((c) => c.count),
      events: counted.length,
    });
  }
  let unlabelledEvents = 0;
  let unlabelledContacts = 0;
  for (const [contactId, events] of history.byContact) {
    if (labelled.has(contactId)) continue;
    unlabelledContacts += 1;
    unlabelledEvents += events.length;
  }
  return { rows, unknownContacts, unlabelledEvents, unlabelledContacts, eventsAfterCutoff };
}

function evaluate(compiled: CompiledGrid, events: readonly LeadEvent[], now: number) {
  let state = emptyState();
  for (const event of events) state = applyEvent(compiled, state, event, now).state;
  return scoreAt(compiled, state, now);
}
