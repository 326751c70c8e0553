import type { ValidationIssue } from './errors.js';
import { EventValidationError } from './errors.js';
import { describeValue, joinPath } from './issue-path.js';
import { CONTACT_MERGED, checkMergeEvent } from './merge-event.js';
import type { PropertyValue } from './value-predicate.js';

/** A validated behavioural event (docs/scoring-contract.md §1); `occurredAt` in epoch ms (UTC). */
export interface LeadEvent {
  readonly eventId: string;
  readonly contactId: string;
  readonly type: string;
  readonly occurredAt: number;
  readonly properties: Readonly<Record<string, PropertyValue>>;
}

export type EventParse =
  { readonly ok: true; readonly event: LeadEvent } | { readonly ok: false; readonly errors: readonly ValidationIssue[] };

/** How far in the future an event's `occurredAt` may be, relative to "now" (docs/scoring-contract.md §1). */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

const TYPE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
// Date and time with an explicit zone (Z or ±hh:mm); seconds and fractions optional.
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO-8601 instant with an explicit zone (`2026-03-01T10:00:00Z`) to epoch ms;
 * fractions beyond milliseconds are truncated. Returns undefined for anything else, including
 * impossible dates such as February 30th.
 */
export function parseIsoInstant(text: string): number | undefined {
  const fast = parseUtcInstant(text);
  return fast === null ? parseIsoPattern(text) : fast;
}

/** The general case of `parseIsoInstant`: the pattern, then Date.parse and a calendar check (exported for its property test). */
export function parseIsoPattern(text: string): number | undefined {
  const m = ISO_PATTERN.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const ms = (frac + '000').slice(0, 3);
  const offset = zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const value = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(value)) return undefined;
  // Date.parse rolls some impossible dates over; reject them by checking the calendar date.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return value;
}

const ZERO = 48;
const MS_PER_DAY = 86_400_000;

/** The digit at `i`, or -1 when it is not one. */
function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - ZERO;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number of the `n` digits from `i`, or -1 when one is not a digit. */
function digits(text: string, i: number, n: number): number {
  let value = 0;
  for (let k = 0; k < n; k += 1) {
    const d = digit(text, i + k);
    if (d < 0) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * `parseIsoInstant` of the shape nearly every event has, `YYYY-MM-DDTHH:MM:SSZ` with an optional
 * fraction of 1–9 digits, by arithmetic on its characters instead of a pattern, strings and
 * Date.parse: the same value, or undefined for the same impossible dates. null: not that shape
 * (or a year before 100, which Date.UTC reads as 19xx), for `parseIsoPattern` to decide.
 */
function parseUtcInstant(text: string): number | undefined | null {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 /* Z */) return null;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let ms = 0;
  if (length > 20) {
    const fraction = length - 21; // between the '.' at 19 and the Z
    if (text[19] !== '.' || fraction < 1 || fraction > 9) return null;
    for (let k = 0; k < fraction; k += 1) {
      const d = digit(text, 20 + k);
      if (d < 0) return null;
      if (k < 3) ms += d * (k === 0 ? 100 : k === 1 ? 10 : 1); // truncated to milliseconds
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required id field of 1-128 characters (also account events' `accountId`). */
export function checkId(raw: Record<string, unknown>, field: string, errors: ValidationIssue[]): string {
  const value = raw[field];
  if (value === undefined) errors.push({ path: field, message: 'is required but missing' });
  else if (typeof value !== 'string' || value.length < 1 || value.length > 128) {
    errors.push({ path: field, message: `must be a string of 1-128 characters, got ${describeValue(value)}` });
  } else return value;
  return '';
}

/** `occurredAt`: ISO-8601 with a zone or epoch ms, at most 24 h after `now`. */
export function checkOccurredAt(value: unknown, now: number, errors: ValidationIssue[]): number {
  let at: number | undefined;
  if (value === undefined) {
    errors.push({ path: 'occurredAt', message: 'is required but missing' });
    return 0;
  }
  if (typeof value === 'number') {
    at = Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } else if (typeof value === 'string') {
    at = parseIsoInstant(value);
  }
  if (at === undefined) {
    errors.push({
      path: 'occurredAt',
      message: `${describeValue(value)} is not a timestamp; expected ISO-8601 with a zone, like "2026-03-01T10:00:00Z", or epoch milliseconds`,
    });
    return 0;
  }
  if (at > now + MAX_FUTURE_MS) {
    errors.push({
      path: 'occurredAt',
      message: `${new Date(at).toISOString()} is more than 24 h after now (${new Date(now).toISOString()}); expected an event that already happened`,
    });
  }
  return at;
}

function isPropertyValue(v: unknown): v is PropertyValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * The event's properties, validated in one pass over them. `owned`: the value comes from
 * `JSON.parse` and nobody else holds it (a plain object whose own properties are all
 * enumerable), so a valid one is kept as it is instead of copied.
 */
export function checkProperties(value: unknown, errors: ValidationIssue[], owned: boolean): Record<string, PropertyValue> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    errors.push({ path: 'properties', message: `must be a map of name to value, got ${describeValue(value)}` });
    return {};
  }
  let valid = true;
  for (const name in value) {
    if (!Object.hasOwn(value, name) || isPropertyValue(value[name])) continue;
    valid = false;
    errors.push({
      path: joinPath('properties', name),
      message: `must be a string, number, boolean or null, got ${describeValue(value[name])}`,
    });
  }
  if (!valid) return {};
  if (owned && Object.getPrototypeOf(value) === Object.prototype) return value as Record<string, PropertyValue>;
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary property.
  return Object.fromEntries(Object.entries(value)) as Record<string, PropertyValue>;
}

/**
 * Validates a decoded event (docs/scoring-contract.md §1) against "now" (epoch ms, for the 24 h future check).
 * Unknown top-level fields are ignored; missing `properties` become `{}`. Every problem is
 * reported with its field path (`properties.velocity`).
 */
export function parseEvent(raw: unknown, now: number): EventParse {
  return checkEvent(raw, now, false);
}

/**
 * `parseEvent` of what `JSON.parse` just returned, which the caller hands over: the event
 * keeps its `properties` object instead of a copy (replay's hot loop).
 */
export function parseJsonEvent(raw: unknown, now: number): EventParse {
  return checkEvent(raw, now, true);
}

/** The issues of the event being checked: one array reused, copied only for an invalid event (checks do not nest). */
const found: ValidationIssue[] = [];

function checkEvent(raw: unknown, now: number, owned: boolean): EventParse {
  if (!isRecord(raw)) {
    return { ok: false, errors: [{ path: '', message: `an event must be a JSON object, got ${describeValue(raw)}` }] };
  }
  const errors = found;
  errors.length = 0;
  const eventId = checkId(raw, 'eventId', errors);
  const contactId = checkId(raw, 'contactId', errors);
  const type = raw['type'];
  if (type === undefined) errors.push({ path: 'type', message: 'is required but missing' });
  else if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
    errors.push({
      path: 'type',
      message: `${describeValue(type)} is not a valid event type; expected a lowercase letter, then up to 63 lowercase letters, digits or '_', like "page_viewed"`,
    });
  }
  const occurredAt = checkOccurredAt(raw['occurredAt'], now, errors);
  const properties = checkProperties(raw['properties'], errors, owned);
  if (type === CONTACT_MERGED) checkMergeEvent(contactId, raw['properties'], errors);
  if (errors.length > 0) return { ok: false, errors: errors.slice() };
  return { ok: true, event: { eventId, contactId, type: type as string, occurredAt, properties } };
}

/** `parseEvent` for callers that prefer an exception. @throws EventValidationError */
export function toLeadEvent(raw: unknown, now: number): LeadEvent {
  const result = parseEvent(raw, now);
  if (!result.ok) throw new EventValidationError(result.errors);
  return result.event;
}
