import type { RedisClient } from '@leadscore/service-kit';
import type { KeyLayout } from './key-layout.js';

/**
 * A merged-away contact's state value: `M|` then the last state it had (the engine's encoding),
 * written by the seal (seal-contact-2.lua). No state format starts with `M`, so a reader tells
 * the two apart by the first section.
 */
export const SEALED_STATE_PREFIX = 'M|';

export function isSealedState(raw: string): boolean {
  return raw.startsWith(SEALED_STATE_PREFIX);
}

/** The state a sealed contact had when it was merged away ('' when it had none). */
export function sealedSnapshot(raw: string): string {
  return raw.slice(SEALED_STATE_PREFIX.length);
}

/** Longer chains than this mean a corrupted forest (a cycle): merges are a handful per person. */
const MAX_CHAIN = 1000;

/**
 * Reads the identity forest (`KeyLayout.identityParents`): the root a contact id now resolves
 * to. Merges are rare, so a chain is a few HGETs.
 */
export class IdentityReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
  ) {}

  /** The root of `contactId`: itself until it is merged away, then the root of its tree. */
  async rootOf(contactId: string): Promise<string> {
    let id = contactId;
    for (let hops = 0; hops < MAX_CHAIN; hops += 1) {
      const parent = await this.redis.hget(this.keys.identityParents(), id);
      if (parent === null) return id;
      id = parent;
    }
    throw new RangeError('the identity forest has a chain longer than 1000 merges (a cycle?)');
  }
}
