import { AccountState } from './account-state.js';
import type { CompiledAccounts } from './compile-accounts.js';
import type { PropertyEntry } from './contact-state.js';

/**
 * How an account is stored (docs/accounts.md "The streaming account service"): a header and one
 * hash field per member. The header holds everything but the members, bounded by the grid (the
 * scores, the properties an account rule reads, the recent ids) and a version that grows at every
 * commit; it is the compare-and-set value. A member field holds the last member sequence applied
 * for the contact and the score the account holds for it, or `-` once it left: the sequence must
 * outlive the membership, or a stale JOIN redelivered after a LEAVE would bring the contact back.
 * A change rewrites the header and the fields of the members it changed, never the whole account.
 */
export interface StoredAccount {
  readonly state: AccountState;
  /** contactId → the last member sequence applied (members and former members). */
  readonly sequences: Map<string, number>;
  /** Grows at every commit (0: never committed). */
  readonly version: number;
}

type Header = {
  v: number;
  s: number;
  sc: number;
  e: number | null;
  p: [name: string, value: PropertyEntry['value'], at: number, eventId: string][];
  r: string[];
};

export function encodeAccountHeader(state: AccountState, version: number): string {
  const header: Header = {
    v: version,
    s: state.sequence,
    sc: state.score,
    e: state.evaluatedAt,
    p: [...state.properties].map(([name, entry]) => [name, entry.value, entry.at, entry.eventId]),
    r: [...state.recent],
  };
  return JSON.stringify(header);
}

/** A member field's value: `<member sequence>:<score>`, or `<member sequence>:-` for a former member. */
export function encodeMemberField(memberSequence: number, score: number | null): string {
  return `${memberSequence}:${score === null ? '-' : score}`;
}

/**
 * Rebuilds an account from its header ('' when new) and its members hash: O(members), done
 * when an account is first met (or its header moved under this process), never per change.
 */
export function decodeAccount(
  accountId: string,
  accounts: CompiledAccounts,
  rawHeader: string,
  members: Readonly<Record<string, string>>,
): StoredAccount {
  const state = new AccountState(accountId, accounts);
  const sequences = new Map<string, number>();
  if (rawHeader === '') return { state, sequences, version: 0 };
  const header = JSON.parse(rawHeader) as Header;
  state.sequence = header.s;
  state.score = header.sc;
  state.evaluatedAt = header.e;
  for (const [name, value, at, eventId] of header.p) state.properties.set(name, { value, at, eventId });
  for (const key of header.r) state.remember(key);
  for (const [contactId, field] of Object.entries(members)) {
    const colon = field.indexOf(':');
    sequences.set(contactId, Number(field.slice(0, colon)));
    const score = field.slice(colon + 1);
    if (score !== '-') state.members.set(contactId, Number(score));
  }
  return { state, sequences, version: header.v };
}
