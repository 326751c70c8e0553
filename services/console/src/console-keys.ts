import { createHash, timingSafeEqual } from 'node:crypto';
import { presentedKey } from '@leadscore/service-kit';

export type ConsoleRole = 'editor' | 'viewer';

/** A named key of CONSOLE_EDITOR_KEYS / CONSOLE_VIEWER_KEYS (`name:key`): the name is what the audit records. */
export interface NamedKey {
  readonly name: string;
  readonly key: string;
}

export interface SignedIn {
  readonly name: string;
  readonly role: ConsoleRole;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Who a request's key belongs to, compared in constant time like service-kit's ApiKeyVerifier
 * (both sides hashed, every key compared, no early exit), but keeping the key's name and role.
 */
export class ConsoleKeys {
  private readonly entries: readonly { digest: Buffer; who: SignedIn }[];

  constructor(editors: readonly NamedKey[], viewers: readonly NamedKey[]) {
    this.entries = [
      ...editors.map((k) => ({ digest: digest(k.key), who: { name: k.name, role: 'editor' as const } })),
      ...viewers.map((k) => ({ digest: digest(k.key), who: { name: k.name, role: 'viewer' as const } })),
    ];
  }

  identify(headers: Readonly<Record<string, string | string[] | undefined>>): SignedIn | undefined {
    const presented = presentedKey(headers);
    const candidate = digest(presented ?? '');
    let found: SignedIn | undefined;
    for (const entry of this.entries) if (timingSafeEqual(candidate, entry.digest) && found === undefined) found = entry.who;
    return presented ? found : undefined;
  }
}

/** Parses `name:key,name:key`; problems are pushed (without the keys themselves). */
export function parseNamedKeys(entries: readonly string[], variable: string, problems: string[]): NamedKey[] {
  return entries.flatMap((entry, i) => {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon).trim();
    const key = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name) || key.length < 16) {
      problems.push(
        `${variable} entry ${i + 1} must be name:key, a name of 1-64 letters, digits or ._@- and a key of at least 16 characters`,
      );
      return [];
    }
    return [{ name, key }];
  });
}
