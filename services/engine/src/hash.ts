/**
 * Pure, fast, non-cryptographic hashing for dedupe keys, rule fingerprints and deterministic
 * output ids. cyrb53 (public domain, bryc): 53 well-mixed bits from a string and a seed.
 */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** URL-safe alphabet without the state codec's separators (| ; , : / @ = ~ %). */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';

/** The value of base-64 text written by `toBase64Digits`; NaN if a character is not a digit. */
export function fromBase64Digits(text: string): number {
  let value = 0;
  for (const ch of text) {
    const digit = DIGITS.indexOf(ch);
    if (digit < 0) return Number.NaN;
    value = value * 64 + digit;
  }
  return value;
}

/** The low `chars × 6` bits of a non-negative safe integer, as fixed-width base-64 text. */
export function toBase64Digits(value: number, chars: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < chars; i += 1) {
    out = DIGITS[rest % 64] + out;
    rest = Math.floor(rest / 64);
  }
  return out;
}

/** Characters of a recent-id key (`recentKey`). */
export const RECENT_KEY_CHARS = 6;

/**
 * The dedupe key of an event id in a contact's recent ids: the low 36 bits of its cyrb53, in 6
 * characters. A new event is taken for a duplicate when its key equals one of the N kept
 * (N ≤ 1024): at most N / 2^36 per event, 5·10⁻¹⁰ at the default N = 32 (docs/scoring-decisions.md).
 * The state format v1 kept 53 bits in 9 characters; their last 6 are this key.
 */
export function recentKey(eventId: string): string {
  return toBase64Digits(cyrb53(eventId), RECENT_KEY_CHARS);
}

/** A deterministic 106-bit id (two seeds), as 18 characters, for output events. */
export function deterministicId(text: string): string {
  return toBase64Digits(cyrb53(text, 1), 9) + toBase64Digits(cyrb53(text, 2), 9);
}

/** A 36-bit fingerprint, as 6 characters. */
export function fingerprint(text: string): string {
  return toBase64Digits(cyrb53(text, 3), 6);
}
