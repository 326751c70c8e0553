import type { InputMessage } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { ErrorDetail } from './event-batch.js';

/** An item of a request that cannot be used: dead-lettered while the rest of its batch is accepted. */
export interface RefusedItem {
  /** Its position in the request. */
  readonly index: number;
  /** The item as the caller sent it (kept whole in the dead letter, never logged). */
  readonly item: unknown;
  readonly details: readonly ErrorDetail[];
}

/** Where a dead letter of the gateway says it came from: the route, not a topic (`leadscore dlq replay` skips it). */
export const refusedSourceTopic = (route: string): string => `http:${route}`;

/** The items of a request that failed, with their problems, in request order. */
export function refusedItems(items: readonly unknown[], invalid: readonly ErrorDetail[]): RefusedItem[] {
  const byIndex = new Map<number, ErrorDetail[]>();
  for (const detail of invalid) {
    const list = byIndex.get(detail.index);
    if (list === undefined) byIndex.set(detail.index, [detail]);
    else list.push(detail);
  }
  return [...byIndex].sort(([a], [b]) => a - b).map(([index, details]) => ({ index, item: items[index], details }));
}

/**
 * A refused item as the input of a dead letter (DeadLetterBuilder): its JSON as the value, the
 * contact it named (userId, else anonymousId) as the key, the request id and its index as
 * headers; partition -1 and offset -1, since it never was on a topic.
 */
export function refusedItemMessage(refused: RefusedItem, route: string, requestId: string, now: number): InputMessage {
  const item = refused.item;
  const ids = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
  const contact = [ids['userId'], ids['contactId'], ids['anonymousId']].find((v) => typeof v === 'string' && v !== '');
  return {
    topic: refusedSourceTopic(route),
    partition: -1,
    offset: '-1',
    key: typeof contact === 'string' ? Buffer.from(contact) : null,
    value: Buffer.from(JSON.stringify(item) ?? 'null'),
    headers: { 'x-request-id': requestId, 'x-batch-index': String(refused.index) },
    timestamp: String(now),
  };
}

/** The dead letter's reason and message: the failing field paths and what is wrong with each. */
export function refusedReason(refused: RefusedItem): { reason: ErrorCode; message: string } {
  return {
    reason: ErrorCode.InvalidEvent,
    message: refused.details.map((d) => `${d.path || '(call)'}: ${d.message}`).join('; '),
  };
}
