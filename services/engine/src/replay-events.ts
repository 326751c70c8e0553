import { isAccountEventLine, parseAccountEvent } from './account-event.js';
import { AccountRollup, type ReplayedAccount } from './account-rollup.js';
import type { CompiledGrid } from './compile-grid.js';
import type { ValidationIssue } from './errors.js';
import { IdentityRoots } from './identity-roots.js';
import { parseJsonEvent } from './lead-event.js';
import { CONTACT_MERGED } from './merge-event.js';
import { ReplayEntry, replayMerge, type ReplayCrossing } from './replay-merge.js';
import type { Grade } from './compile-scores.js';
import type { Contribution, ScoreValue } from './score-at.js';
import type { Cause } from './score-change.js';
import { applyInPlace, workingScore } from './working-state.js';

export type { ReplayCrossing } from './replay-merge.js';

export interface BadLine {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly errors: readonly ValidationIssue[];
}

export interface ReplayedContact {
  readonly contactId: string;
  readonly score: number;
  /** Rules with a non-zero count or points, in grid order. */
  readonly contributions: readonly Contribution[];
  /** In the order they happened. */
  readonly crossings: readonly ReplayCrossing[];
  /** Set for an id merged into another contact: its root (score 0, no contributions of its own). */
  readonly mergedInto?: string;
  /** For a grid with `scores`: every score with its groups (`score` is the first one's). */
  readonly scores?: readonly ScoreValue[];
  /** For a grid with a matrix: the contact's cell. */
  readonly grade?: Grade;
}

export interface ReplayResult {
  /** Sorted by contactId (code-unit order). */
  readonly contacts: readonly ReplayedContact[];
  /** Sorted by accountId; empty when the grid has no `accounts` section (docs/accounts.md). */
  readonly accounts: readonly ReplayedAccount[];
  /** Valid events read, account_updated included (duplicates included). */
  readonly events: number;
  readonly duplicates: number;
  /** `contact_merged` events that joined two contacts (a repeated merge joins none). */
  readonly merges: number;
  readonly badLines: readonly BadLine[];
}

export interface ReplayOptions {
  /** Called for each bad line as soon as it is read (e.g. to print it). */
  readonly onBadLine?: (bad: BadLine) => void;
}

/**
 * The reference model (docs/scoring-contract.md §6): applies NDJSON events in input order, "now"
 * fixed for every window and future check. Each contact's state is a WorkingState changed in
 * place by `applyInPlace` (working-state.ts), which gives event by event what the reference
 * `applyEvent` gives (test/replay-equivalence.test.ts replays both ways, the other through
 * `applyEvent` and the state codec per event);
 * its final score and breakdown are `scoreAt`'s, read from it (`workingScore`). Every state
 * here starts empty at the one `now`, so it never holds what a normalisation at `now` would
 * drop (days out of the window, properties no rule reads): the in-place path's one difference
 * from `applyEvent`, for states loaded from elsewhere, cannot arise. With an `accounts` section
 * each score change also builds its output, whose id the account rollup records.
 * Blank lines are skipped; bad lines are reported and skipped; the rest is still scored.
 */
export async function replayEvents(
  compiled: CompiledGrid,
  lines: Iterable<string> | AsyncIterable<string>,
  now: number,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const contacts = new Map<string, ReplayEntry>();
  // Merges in file order (docs/identity.md): every event counts for the root of its contactId.
  const roots = new IdentityRoots();
  let merges = 0;
  const badLines: BadLine[] = [];
  let events = 0;
  let duplicates = 0;
  let lineNumber = 0;
  const rollup = compiled.accounts === null ? null : new AccountRollup(compiled, compiled.accounts, now);
  // The account rollup reads each member score change's output (its id): built only then.
  const outputs = rollup !== null;
  const bad = (errors: readonly ValidationIssue[]): void => {
    const entry = { line: lineNumber, errors };
    badLines.push(entry);
    options.onBadLine?.(entry);
  };

  for await (const line of lines) {
    lineNumber += 1;
    if (isBlank(line)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      bad([{ path: '', message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` }]);
      continue;
    }
    if (isAccountEventLine(raw)) {
      // An account_updated line: applied to its account in file order; without an `accounts`
      // section it is valid and changes nothing.
      const account = parseAccountEvent(raw, now, true);
      if (!account.ok) {
        bad(account.errors);
        continue;
      }
      events += 1;
      if (rollup !== null && rollup.accountEvent(account.event).duplicate) duplicates += 1;
      continue;
    }
    const parsed = parseJsonEvent(raw, now);
    if (!parsed.ok) {
      bad(parsed.errors);
      continue;
    }
    events += 1;
    let event = parsed.event;
    if (event.type === CONTACT_MERGED) {
      const outcome = replayMerge(compiled, contacts, roots, event, now, outputs, rollup);
      if (outcome === 'merged') merges += 1;
      else if (outcome === 'duplicate') duplicates += 1;
      continue;
    }
    if (merges > 0) {
      const root = roots.resolve(event.contactId);
      if (root !== event.contactId) event = { ...event, contactId: root };
    }
    let state = contacts.get(event.contactId);
    if (state === undefined) {
      state = new ReplayEntry(compiled, now, undefined, outputs);
      contacts.set(event.contactId, state);
    }
    const result = applyInPlace(state, event);
    if (result.duplicate) duplicates += 1;
    rollup?.contactEvaluated(event, result);
    if (result.crossings.length === 0) continue;
    const cause: Cause = { kind: 'event', eventId: event.eventId };
    if (compiled.multiScore) {
      // each crossing with its own score change's value and sequence (or the grade change's)
      for (const crossing of result.scoredCrossings) (state.crossings ??= []).push({ ...crossing, cause });
      continue;
    }
    for (const crossing of result.crossings) {
      (state.crossings ??= []).push({
        threshold: crossing.threshold,
        at: crossing.at,
        direction: crossing.direction,
        score: result.score,
        sequence: result.sequence,
        cause,
      });
    }
  }

  const ids = [...contacts.keys()].sort(); // the default order of strings is code-unit order
  return {
    contacts: ids.map((contactId) => {
      const state = contacts.get(contactId) as ReplayEntry;
      if (state.mergedInto !== undefined) {
        return { contactId, score: 0, contributions: [], crossings: state.crossings ?? [], mergedInto: roots.resolve(contactId) };
      }
      const { score, contributions, scores, grade } = workingScore(state, true); // rules with a count or points
      return {
        contactId,
        score,
        contributions,
        crossings: state.crossings ?? [],
        ...(compiled.multiScore && { scores }),
        ...(grade !== null && { grade }),
      };
    }),
    accounts: rollup?.result() ?? [],
    events,
    duplicates,
    merges,
    badLines,
  };
}

/** `line.trim() === ''` without making the trimmed string of every non-blank line. */
function isBlank(line: string): boolean {
  const first = line.charCodeAt(0);
  // JSON text starts with `{`, `[`, a letter, a digit, `"` or `-`: never blank.
  if (first > 32 && first < 127) return false;
  return line.trim() === '';
}
