import { compileGrid, scoreAt, type Contribution, type Grade, type Grid, type LeadEvent } from '@leadscore/engine';
import type { LineError } from './calibration-error.js';
import { chosenScore } from './chosen-score.js';
import { contactEvents, evaluateContact } from './contact-timeline.js';
import type { EventHistory } from './event-history.js';
import { featureGrid } from './feature-grid.js';
import type { Outcome } from './outcomes-csv.js';

/** One labelled contact as the grid saw it at its evaluation time. */
export interface ContactRow {
  readonly contactId: string;
  readonly converted: boolean;
  /** "Now" of the evaluation: min(convertedAt, at) for converters with a convertedAt, else at. */
  readonly evaluatedAt: number;
  /** The chosen score's value then (the grid's first score unless `score` says which). */
  readonly score: number;
  /** The grid's contributions then, every rule in grid order. */
  readonly contributions: readonly Contribution[];
  /** The grade matrix's cell then; null when the grid has no matrix. */
  readonly grade: Grade | null;
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

export interface ContactRowsOptions {
  /** Which of the grid's scores `ContactRow.score` is (default: the first). */
  readonly score?: string;
}

/**
 * Evaluates every labelled contact with the engine, as of its own cut-off: a converter with a
 * `convertedAt` is scored at that instant from the events that occurred strictly before it (the
 * behaviour that led to the conversion, not what followed it); everyone else at `at` from the
 * events that occurred at or before `at`. Windowed rules are evaluated at that same instant.
 * Returns the chosen score, the grid's breakdown and grade, and the rules' feature values. Pure.
 * @throws CalibrationError when `options.score` is not one of the grid's scores
 */
export function contactRows(
  grid: Grid,
  history: EventHistory,
  outcomes: readonly Outcome[],
  at: number,
  outcomesFile: string,
  options: ContactRowsOptions = {},
): ContactRows {
  const scoring = compileGrid(grid);
  const chosen = chosenScore(scoring, options.score);
  const features = compileGrid(featureGrid(grid));
  const rows: ContactRow[] = [];
  const unknownContacts: LineError[] = [];
  let eventsAfterCutoff = 0;
  const labelled = new Set<string>();
  const rowOfRoot = new Map<string, number>(); // root → the outcome line that labelled it
  for (const outcome of outcomes) {
    // an id merged away stands for its root (docs/identity.md): the root is the contact
    const contactId = history.mergedInto?.get(outcome.contactId) ?? outcome.contactId;
    const earlier = rowOfRoot.get(contactId);
    if (earlier !== undefined) {
      unknownContacts.push({
        file: outcomesFile,
        line: outcome.line,
        message: `contact ${JSON.stringify(outcome.contactId)} is one contact with the one of line ${earlier} (merged into ${JSON.stringify(contactId)}); skipped`,
      });
      continue;
    }
    labelled.add(contactId);
    const events = history.byContact.get(contactId);
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
    rowOfRoot.set(contactId, outcome.line);
    const scoredState = evaluateContact(scoring, history, contactId, before, cutoff);
    eventsAfterCutoff += scoredState.skipped;
    const scored = scoreAt(scoring, scoredState.state, cutoff);
    const featured = scoreAt(features, evaluateContact(features, history, contactId, before, cutoff).state, cutoff);
    rows.push({
      contactId,
      converted: outcome.converted,
      evaluatedAt: cutoff,
      score: scored.scores[chosen.index]!.score,
      contributions: scored.contributions,
      grade: scored.grade,
      features: featured.contributions.map((c) => c.count),
      events: scoredState.events,
    });
  }
  let unlabelledEvents = 0;
  let unlabelledContacts = 0;
  for (const contactId of history.byContact.keys()) {
    if (labelled.has(contactId) || history.mergedInto?.has(contactId)) continue;
    unlabelledContacts += 1;
    unlabelledEvents += contactEvents(history, contactId);
  }
  return { rows, unknownContacts, unlabelledEvents, unlabelledContacts, eventsAfterCutoff };
}
