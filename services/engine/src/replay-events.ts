import { isAccountEventLine, parseAccountEvent } from './account-event.js';
import { AccountRollup, type ReplayedAccount } from './account-rollup.js';
import { applyEvent } from './apply-event.js';
import type { CompiledGrid } from './compile-grid.js';
import { emptyState } from './contact-state.js';
import type { ValidationIssue } from './errors.js';
import { IdentityRoots } from './identity-roots.js';
import { parseJsonEvent } from './lead-event.js';
import { CONTACT_MERGED } from './merge-event.js';
import { recordCrossings, replayMerge, type ReplayCrossing, type ReplayEntry } from './replay-merge.js';
import { scoreAt, type Contribution } from './score-at.js';
import { decodeState, encodeState } from './state-codec.js';

export type { ReplayCrossing } from './replay-merge.js';

const EMPTY = encodeState(emptyState());

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
 * The reference model (docs/scoring-contract.md §6): applies NDJSON events in input order with the same
 * `applyEvent` and state codec the streaming scorer uses, "now" fixed for every window and
 * future check.
 * Blank lines are skipped; bad lines are reported and skipped; the rest is still scored.
 */
export async function replayEvents(
  compiled: CompiledGrid,
  lines: Iterable<string> | AsyncIterable<string>,
  now: number,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  // States are kept encoded, as the scorer keeps them in Redis: the same codec round trip per
  // event, and ~100 bytes per contact instead of a few KB of objects for million-event files.
  const contacts = new Map<string, ReplayEntry>();
  // Merges in file order (docs/identity.md): every event counts for the root of its contactId.
  const roots = new IdentityRoots();
  let merges = 0;
  const badLines: BadLine[] = [];
  let events = 0;
  let duplicates = 0;
  let lineNumber = 0;
  const rollup = compiled.accounts === null ? null : new AccountRollup(compiled, compiled.accounts, now);
  const bad = (errors: readonly ValidationIssue[]): void => {
    const entry = { line: lineNumber, errors };
    badLines.push(entry);
    options.onBadLine?.(entry);
  };

  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
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
      const outcome = replayMerge(compiled, contacts, roots, event, now, EMPTY, rollup);
      if (outcome === 'merged') merges += 1;
      else if (outcome === 'duplicate') duplicates += 1;
      continue;
    }
    const root = roots.resolve(event.contactId);
    if (root !== event.contactId) event = { ...event, contactId: root };
    let contact = contacts.get(root);
    if (contact === undefined) {
      contact = { state: EMPTY, crossings: undefined };
      contacts.set(root, contact);
    }
    const evaluation = applyEvent(compiled, decodeState(contact.state), event, now);
    if (evaluation.duplicate) duplicates += 1;
    if (evaluation.stateChanged) contact.state = encodeState(evaluation.state);
    rollup?.contactEvaluated(event, evaluation);
    recordCrossings(contact, evaluation.output?.thresholdCrossings ?? []);
  }

  const ids = [...contacts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    contacts: ids.map((contactId) => {
      const { state, crossings = [], mergedInto } = contacts.get(contactId) as ReplayEntry;
      if (mergedInto !== undefined) {
        return { contactId, score: 0, contributions: [], crossings, mergedInto: roots.resolve(contactId) };
      }
      const { score, contributions } = scoreAt(compiled, decodeState(state), now);
      return {
        contactId,
        score,
        contributions: contributions.filter((c) => c.count !== 0 || c.points !== 0),
        crossings,
      };
    }),
    accounts: rollup?.result() ?? [],
    events,
    duplicates,
    merges,
    badLines,
  };
}
