import { parseEvent, type LeadEvent } from '@leadscore/engine';
import type { HttpErrorDetail } from '@leadscore/service-kit';
import { mapSegmentCall } from './segment-mapping.js';

export type EventFormat = 'leadscore' | 'segment';

/** A failing field of one event of a request: `index` is its position (0 for a single event). */
export interface ErrorDetail extends HttpErrorDetail {
  readonly index: number;
}

export interface ValidatedBatch {
  /** Valid events with their position in the request (a Segment call can give two: a merge, then its traits). */
  readonly valid: readonly { index: number; event: LeadEvent }[];
  readonly invalid: readonly ErrorDetail[];
  /** Number of items in the request. */
  readonly size: number;
}

/**
 * The items of a request body: one event, or a batch (`{"events": [...]}` for our format,
 * `{"batch": [...]}` as in Segment's HTTP API; a bare JSON array for either).
 * Returns undefined when the body is neither.
 */
export function batchItems(body: unknown, format: EventFormat): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const field = format === 'segment' ? 'batch' : 'events';
  const list = (body as Record<string, unknown>)[field];
  if (list !== undefined) return Array.isArray(list) ? list : undefined;
  return [body];
}

/**
 * Validates every item exactly as the scorer will (`parseEvent`, same `now` rule), after the
 * Segment mapping for Segment calls. Each problem names the item's index and the field path in
 * the caller's own format.
 */
export function validateItems(
  items: readonly unknown[],
  format: EventFormat,
  segmentMap: Readonly<Record<string, string>>,
  now: number,
): ValidatedBatch {
  const valid: { index: number; event: LeadEvent }[] = [];
  const invalid: ErrorDetail[] = [];
  items.forEach((item, index) => {
    if (format !== 'segment') {
      const parsed = parseEvent(item, now);
      if (parsed.ok) valid.push({ index, event: parsed.event });
      else for (const e of parsed.errors) invalid.push({ index, path: e.path, message: e.message });
      return;
    }
    const mapped = mapSegmentCall(item, segmentMap);
    if (!mapped.ok) {
      for (const e of mapped.errors) invalid.push({ index, path: e.path, message: e.message });
      return;
    }
    // A call is accepted whole or refused whole: an identify's merge never goes without its traits.
    const events: LeadEvent[] = [];
    const problems: ErrorDetail[] = [];
    for (const { raw, pathOf } of mapped.events) {
      const parsed = parseEvent(raw, now);
      if (parsed.ok) events.push(parsed.event);
      else for (const e of parsed.errors) problems.push({ index, path: pathOf(e.path), message: e.message });
    }
    if (problems.length > 0) invalid.push(...dedupeDetails(problems));
    else for (const event of events) valid.push({ index, event });
  });
  return { valid, invalid, size: items.length };
}

/** The same field path and message once (an identify's two events share their messageId and timestamp). */
function dedupeDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return details.filter((d) => {
    const key = `${d.path}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
