import {
  CONTACT_MERGED,
  IdentityRoots,
  MERGED_FROM,
  formatIssue,
  mergedFromOf,
  parseEvent,
  type LeadEvent,
} from '@leadscore/engine';
import type { LineError } from './calibration-error.js';

/** An event file grouped by contact, for per-contact evaluation at different times. */
export interface EventHistory {
  /**
   * Valid events per contact, in file order (duplicates kept: the engine ignores them), merges
   * resolved in file order as replay resolves them (docs/identity.md): an event is listed under
   * the root its contactId had when it was read (its contactId rewritten to it), and a merge
   * that joined two roots is listed under the target root, its `mergedFrom` rewritten to the
   * source root, whose own list ends there (`evaluateContact` folds it in).
   */
  readonly byContact: ReadonlyMap<string, readonly LeadEvent[]>;
  /** Each id merged away → its final root (absent: a history without merges). */
  readonly mergedInto?: ReadonlyMap<string, string>;
  /** Valid events read. */
  readonly events: number;
  readonly badLines: readonly LineError[];
}

/**
 * Reads NDJSON event lines (docs/scoring-contract.md §1) as `replay` does: blank lines skipped, a line that is not
 * JSON or not a valid event is reported with its line number and skipped. `receivedAt` is the
 * "now" of the future-timestamp check (the CLI passes the clock; it is not the evaluation
 * time: a backtest `--at` in the past must not reject later events, it only ignores them).
 */
export async function readEventHistory(
  lines: Iterable<string> | AsyncIterable<string>,
  receivedAt: number,
  file: string,
): Promise<EventHistory> {
  const byContact = new Map<string, LeadEvent[]>();
  const roots = new IdentityRoots();
  const add = (event: LeadEvent): void => {
    const list = byContact.get(event.contactId);
    if (list === undefined) byContact.set(event.contactId, [event]);
    else list.push(event);
  };
  const badLines: LineError[] = [];
  let events = 0;
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      badLines.push({ file, line, message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` });
      continue;
    }
    const parsed = parseEvent(raw, receivedAt);
    if (!parsed.ok) {
      badLines.push({ file, line, message: parsed.errors.map(formatIssue).join('; ') });
      continue;
    }
    events += 1;
    const event = parsed.event;
    if (event.type === CONTACT_MERGED) {
      const merge = roots.merge(mergedFromOf(event) as string, event.contactId);
      // a merge within one tree (a repeat) changes nothing and is not kept
      if (merge.merged)
        add({ ...event, contactId: merge.target, properties: { ...event.properties, [MERGED_FROM]: merge.source } });
      continue;
    }
    const root = roots.resolve(event.contactId);
    add(root === event.contactId ? event : { ...event, contactId: root });
  }
  return { byContact, mergedInto: roots.aliases(), events, badLines };
}
