import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { CONTACT_MERGED, CONTACT_UPDATED, MERGED_FROM } from '@leadscore/engine';

/** Segment `track` event names → our event types (docs/scoring-contract.md §1). Override with INGEST_SEGMENT_EVENT_MAP. */
export const DEFAULT_SEGMENT_EVENT_MAP: Readonly<Record<string, string>> = Object.freeze({
  'Page Viewed': 'page_viewed',
  'Asset Downloaded': 'asset_downloaded',
  'Webinar Registered': 'webinar_registered',
  'Webinar Attended': 'webinar_attended',
  'Demo Requested': 'demo_requested',
  'Form Submitted': 'form_submitted',
  'Email Sent': 'email_sent',
  'Email Delivered': 'email_sent',
  'Email Opened': 'email_opened',
  'Email Link Clicked': 'email_clicked',
  'Email Clicked': 'email_clicked',
  'Email Bounced': 'email_bounced',
  Unsubscribed: 'email_unsubscribed',
  'Email Unsubscribed': 'email_unsubscribed',
});

const TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Reads a Segment event map file (YAML or JSON): an object of `"Segment event name": our_type`,
 * either at the top level or under `events:`. It replaces the default table.
 * @throws Error naming every bad entry
 */
export async function loadSegmentEventMap(file: string): Promise<Record<string, string>> {
  const parsed: unknown = parseYaml(await readFile(file, 'utf8'));
  const table = isRecord(parsed) && isRecord(parsed['events']) ? parsed['events'] : parsed;
  if (!isRecord(table)) throw new Error(`${file}: expected a map of Segment event names to event types`);
  const problems: string[] = [];
  const map: Record<string, string> = {};
  for (const [name, type] of Object.entries(table)) {
    if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
      problems.push(`${JSON.stringify(name)}: ${JSON.stringify(type)} is not an event type ([a-z][a-z0-9_]{0,63})`);
    } else map[name] = type;
  }
  if (problems.length > 0) throw new Error(`${file}: invalid Segment event map:\n  - ${problems.join('\n  - ')}`);
  return map;
}

export interface MappingIssue {
  readonly path: string;
  readonly message: string;
}

/** One event of ours that a Segment call maps to (still to be validated by `parseEvent`). */
export interface MappedEvent {
  readonly raw: Record<string, unknown>;
  /** Turns a path of our format back into the caller's (`properties.phone` → `traits.phone`). */
  readonly pathOf: (ourPath: string) => string;
}

/** A Segment call translated into our event shape: one event, or two for an identify that merges. */
export type SegmentMapping =
  | { readonly ok: true; readonly events: readonly MappedEvent[] }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

/** The eventId of the `contact_merged` an identify emits beside its traits: derived from the messageId, so a retry dedupes. */
export const IDENTIFY_MERGE_SUFFIX = ':merge';

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Maps one Segment Spec call to our format (docs/doors.md): messageId → eventId, timestamp
 * (else originalTimestamp) → occurredAt, and the contact is the `userId`, else the
 * `anonymousId` (an anonymous visitor is a contact of its own until it is merged).
 *
 * - `track`: the name through the table (names that already are event types pass as they are);
 * - `page`: page_viewed with its path and name;
 * - `identify`: contact_updated with the traits as properties; with both ids (and they differ),
 *   first a contact_merged on the userId with `mergedFrom` = the anonymousId;
 * - `alias`: contact_merged on the userId with `mergedFrom` = the previousId.
 *
 * Nested objects are flattened to dotted names (`address.city`).
 */
export function mapSegmentCall(call: unknown, eventMap: Readonly<Record<string, string>>): SegmentMapping {
  if (!isRecord(call)) return { ok: false, errors: [{ path: '', message: 'a Segment call must be a JSON object' }] };
  const errors: MappingIssue[] = [];
  const kind = call['type'];
  let type: string | undefined;
  let properties: Record<string, unknown> = {};
  let propertiesField = 'properties';
  if (kind === 'track') {
    const name = call['event'];
    if (typeof name !== 'string' || name === '') errors.push({ path: 'event', message: 'is required for a track call' });
    else {
      type = Object.hasOwn(eventMap, name) ? eventMap[name] : TYPE_PATTERN.test(name) ? name : undefined;
      if (type === undefined) {
        errors.push({
          path: 'event',
          message: `${JSON.stringify(name.slice(0, 80))} is not in the Segment event map; add it to INGEST_SEGMENT_EVENT_MAP or send an event type like "page_viewed"`,
        });
      }
    }
    properties = flatten(call['properties'], 'properties', errors);
  } else if (kind === 'page') {
    type = 'page_viewed';
    properties = flatten(call['properties'], 'properties', errors);
    const context = isRecord(call['context']) && isRecord(call['context']['page']) ? call['context']['page'] : {};
    if (properties['path'] === undefined && typeof context['path'] === 'string') properties['path'] = context['path'];
    if (properties['name'] === undefined && typeof call['name'] === 'string') properties['name'] = call['name'];
  } else if (kind === 'identify') {
    type = CONTACT_UPDATED;
    propertiesField = 'traits';
    properties = flatten(call['traits'], 'traits', errors);
  } else if (kind === 'alias') {
    type = CONTACT_MERGED;
  } else {
    errors.push({
      path: 'type',
      message: `${JSON.stringify(kind)} is not a supported Segment call type; expected "track", "page", "identify" or "alias"`,
    });
  }

  const userId = call['userId'];
  const anonymousId = call['anonymousId'];
  if (kind === 'alias') {
    if (!present(userId)) errors.push({ path: 'userId', message: 'is required for an alias call: the id that stays' });
    if (!present(call['previousId']))
      errors.push({ path: 'previousId', message: 'is required for an alias call: the id merged into userId' });
    else if (call['previousId'] === userId)
      errors.push({ path: 'previousId', message: 'must differ from userId: an id cannot be merged into itself' });
  } else if (!present(userId) && !present(anonymousId)) {
    errors.push({ path: 'userId', message: 'is required but missing (or anonymousId, for an anonymous visitor)' });
  }
  const timestamp = call['timestamp'] ?? call['originalTimestamp'];
  if (timestamp === undefined) errors.push({ path: 'timestamp', message: 'is required but missing (ISO-8601 with a zone)' });
  if (errors.length > 0) return { ok: false, errors };

  const messageId = call['messageId'];
  const known = present(userId);
  const fieldOf: Record<string, string> = {
    eventId: 'messageId',
    contactId: known ? 'userId' : 'anonymousId',
    type: kind === 'track' ? 'event' : 'type',
    occurredAt: call['timestamp'] !== undefined ? 'timestamp' : 'originalTimestamp',
  };
  const contactId = known ? userId : anonymousId;
  const mergeOf = (mergedFrom: unknown, fromField: string, eventId: unknown): MappedEvent => ({
    raw: { eventId, contactId, type: CONTACT_MERGED, occurredAt: timestamp, properties: { [MERGED_FROM]: mergedFrom } },
    pathOf: (ourPath) => (ourPath === `properties.${MERGED_FROM}` ? fromField : (fieldOf[ourPath] ?? ourPath)),
  });
  if (kind === 'alias') return { ok: true, events: [mergeOf(call['previousId'], 'previousId', messageId)] };

  const events: MappedEvent[] = [];
  if (kind === 'identify' && known && present(anonymousId) && anonymousId !== userId) {
    const mergeId = typeof messageId === 'string' ? `${messageId}${IDENTIFY_MERGE_SUFFIX}` : messageId;
    events.push(mergeOf(anonymousId, 'anonymousId', mergeId));
  }
  events.push({
    raw: { eventId: messageId, contactId, type, occurredAt: timestamp, properties },
    pathOf: (ourPath) => {
      if (ourPath.startsWith('properties.')) return `${propertiesField}.${ourPath.slice('properties.'.length)}`;
      if (ourPath === 'properties') return propertiesField;
      return fieldOf[ourPath] ?? ourPath;
    },
  });
  return { ok: true, events };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Flattens nested objects to dotted names; other values are kept for `parseEvent` to judge. */
function flatten(value: unknown, field: string, errors: MappingIssue[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    errors.push({ path: field, message: 'must be an object' });
    return {};
  }
  const out: Record<string, unknown> = {};
  const walk = (object: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [name, v] of Object.entries(object)) {
      if (isRecord(v) && depth < 4) walk(v, `${prefix}${name}.`, depth + 1);
      else Object.defineProperty(out, `${prefix}${name}`, { value: v, enumerable: true, writable: true, configurable: true });
    }
  };
  walk(value, '', 0);
  return out;
}
