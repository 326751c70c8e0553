import type { PropertyEntry } from './contact-state.js';
import { StateDecodeError } from './errors.js';
import { fromBase64Digits, toBase64Digits } from './hash.js';
import type { PropertyValue } from './value-predicate.js';

/**
 * The pieces every version of the state format shares (see state-codec.ts): base-36 integers,
 * escaped text, and property groups
 *
 *   <occurredAt>~<eventId>~<name>=<value>[~<name>=<value>...]
 *   value     s<text> | n<number> | t | f | z (null, a removal)
 *
 * Keys and ids use [0-9A-Za-z_-]; names, texts and event ids escape % | ; ~ = as %XX.
 * Grouping by event matters: one update usually sets several properties, and its full
 * eventId (kept for the spec's tie-break) is the largest part of a typical state. A lowercase
 * UUID event id (36 characters) is written as `%u` and its 128 bits in 22 base-64 digits
 * (8 + 8 + 6, for 48 + 48 + 32 bits); `%u` never appears in escaped text.
 */
export const int = (n: number): string => n.toString(36);

export const KEY = /^[0-9A-Za-z_-]+$/;
const INT = /^-?[0-9a-z]+$/;

export function parseInt36(text: string, what: string): number {
  const n = INT.test(text) ? Number.parseInt(text, 36) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new StateDecodeError(`bad ${what}: ${JSON.stringify(text)}`);
  return n;
}

export function checkKey(key: string, what: string): string {
  if (!KEY.test(key)) throw new StateDecodeError(`bad ${what}: ${JSON.stringify(key)}`);
  return key;
}

function escapeText(text: string): string {
  return text.replace(/[%|;~=]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeText(text: string): string {
  return text.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function encodeValue(value: PropertyValue): string {
  if (value === null) return 'z';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return `n${String(value)}`;
  return `s${escapeText(value)}`;
}

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
const PACKED_UUID = /^%u([0-9A-Za-z_-]{8})([0-9A-Za-z_-]{8})([0-9A-Za-z_-]{6})$/;

function encodeEventId(eventId: string): string {
  const uuid = UUID.exec(eventId);
  if (uuid === null) return escapeText(eventId);
  const hex = uuid.slice(1).join('');
  const part = (from: number, to: number, chars: number) => toBase64Digits(Number.parseInt(hex.slice(from, to), 16), chars);
  return `%u${part(0, 12, 8)}${part(12, 24, 8)}${part(24, 32, 6)}`;
}

function decodeEventId(text: string): string {
  if (!text.startsWith('%u')) return unescapeText(text);
  const packed = PACKED_UUID.exec(text);
  const values = packed?.slice(1).map(fromBase64Digits) ?? [];
  const widths = [12, 12, 8];
  if (values.length !== 3 || values.some((v, i) => !(v < 16 ** (widths[i] as number))))
    throw new StateDecodeError(`bad event id: ${JSON.stringify(text)}`);
  const hex = values.map((v, i) => v.toString(16).padStart(widths[i] as number, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const byKey = <T>(map: ReadonlyMap<string, T>): [string, T][] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function encodeProperties(properties: ReadonlyMap<string, PropertyEntry>): string {
  const groups = new Map<string, string[]>();
  for (const [name, entry] of byKey(properties)) {
    const stamp = `${int(entry.at)}~${encodeEventId(entry.eventId)}`;
    const group = groups.get(stamp) ?? [];
    group.push(`${escapeText(name)}=${encodeValue(entry.value)}`);
    groups.set(stamp, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stamp, fields]) => `${stamp}~${fields.join('~')}`)
    .join(';');
}

function decodeValue(text: string): PropertyValue {
  const tag = text[0];
  const rest = text.slice(1);
  if (tag === 'z' && rest === '') return null;
  if (tag === 't' && rest === '') return true;
  if (tag === 'f' && rest === '') return false;
  if (tag === 's') return unescapeText(rest);
  if (tag === 'n') {
    const n = Number(rest);
    if (rest !== '' && Number.isFinite(n)) return n;
  }
  throw new StateDecodeError(`bad property value: ${JSON.stringify(text)}`);
}

function decodePropertyGroup(text: string): [string, PropertyEntry][] {
  const [at = '', eventId = '', ...fields] = text.split('~');
  if (fields.length === 0) throw new StateDecodeError(`bad property group: ${JSON.stringify(text)}`);
  const stamp = { at: parseInt36(at, 'property time'), eventId: decodeEventId(eventId) };
  return fields.map((field) => {
    const eq = field.indexOf('=');
    if (eq < 0) throw new StateDecodeError(`bad property: ${JSON.stringify(field)}`);
    return [unescapeText(field.slice(0, eq)), { value: decodeValue(field.slice(eq + 1)), ...stamp }];
  });
}

export function decodeProperties(text: string): Map<string, PropertyEntry> {
  return new Map(text === '' ? [] : text.split(';').flatMap(decodePropertyGroup));
}
