import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks presented API keys against the configured ones in constant time: both sides are
 * hashed to 32 bytes (so lengths leak nothing) and every configured key is compared, with no
 * early exit on a match.
 */
export class ApiKeyVerifier {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new RangeError('at least one API key is required');
    this.digests = keys.map(digest);
  }

  verify(presented: string | undefined): boolean {
    const candidate = digest(presented ?? '');
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(candidate, known) || match;
    return match && presented !== undefined && presented !== '';
  }
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or HTTP Basic
 * with the key as user name (what Segment's webhook destinations send).
 */
export function presentedKey(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const authorization = headers['authorization'];
  if (typeof authorization !== 'string') return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? decoded : decoded.slice(0, colon);
  }
  return undefined;
}
