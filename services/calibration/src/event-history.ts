import { formatIssue, parseEvent, type LeadEvent } from '@leadscore/engine';
import type { LineError } from './calibration-error.js';

/** An event file grouped by contact, for per-contact evaluation at different times. */
export interface EventHistory {
  /** Valid events per contact, in file order (duplicates kept: the engine ignores them). */
  readonly byContact: ReadonlyMap<string, readonly LeadEvent[]>;
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
    const list = byContact.get(parsed.event.contactId);
    if (list === undefined) byContact.set(parsed.event.contactId, [parsed.event]);
    else list.push(parsed.event);
  }
  return { byContact, events, badLines };
}
