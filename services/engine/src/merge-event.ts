import type { ValidationIssue } from './errors.js';
import type { LeadEvent } from './lead-event.js';

/**
 * The event type that merges one contact into another (docs/identity.md): sent on the
 * contact that survives (the target, `contactId`), naming the one merged away in
 * `properties.mergedFrom`.
 */
export const CONTACT_MERGED = 'contact_merged';

/** The property of a `contact_merged` that names the contact merged away. */
export const MERGED_FROM = 'mergedFrom';

/**
 * The checks a `contact_merged` adds to every event's: `properties.mergedFrom` is a contact id
 * (a string of 1-128 characters, like `contactId`) other than the event's own `contactId`.
 * Messages name the field, never its value (they reach dead letters).
 */
export function checkMergeEvent(contactId: string, properties: unknown, errors: ValidationIssue[]): void {
  const path = `properties.${MERGED_FROM}`;
  const from =
    typeof properties === 'object' && properties !== null && Object.hasOwn(properties, MERGED_FROM)
      ? (properties as Record<string, unknown>)[MERGED_FROM]
      : undefined;
  if (from === undefined || from === null) {
    errors.push({ path, message: `is required for a ${CONTACT_MERGED} event: the contact id merged into contactId` });
  } else if (typeof from === 'object') {
    // a list or an object: the properties check already names this path
  } else if (typeof from !== 'string' || from.length < 1 || from.length > 128) {
    // the kind or the length, never the value: a contact id is personal data
    const got = typeof from === 'string' ? `a string of ${from.length} characters` : `a ${typeof from}`;
    errors.push({ path, message: `must be a contact id (a string of 1-128 characters), got ${got}` });
  } else if (from === contactId) {
    errors.push({ path, message: 'must differ from contactId: a contact cannot be merged into itself' });
  }
}

/** The contact a validated `contact_merged` merges away; undefined for any other event. */
export function mergedFromOf(event: LeadEvent): string | undefined {
  if (event.type !== CONTACT_MERGED) return undefined;
  return event.properties[MERGED_FROM] as string;
}
