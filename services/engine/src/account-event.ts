import type { ValidationIssue } from './errors.js';
import { describeValue } from './issue-path.js';
import { checkId, checkOccurredAt, checkProperties, isRecord } from './lead-event.js';
import type { PropertyValue } from './value-predicate.js';

/** The `type` of an account_updated line in an NDJSON event file (docs/accounts.md). */
export const ACCOUNT_UPDATED = 'account_updated';

/**
 * A validated account_updated event: company attributes (employees, industry, ...), per
 * property latest occurredAt wins (ties: the larger eventId), null removes the property.
 */
export interface AccountEvent {
  readonly eventId: string;
  readonly accountId: string;
  /** Epoch ms (UTC). */
  readonly occurredAt: number;
  readonly properties: Readonly<Record<string, PropertyValue>>;
}

export type AccountEventParse =
  { readonly ok: true; readonly event: AccountEvent } | { readonly ok: false; readonly errors: readonly ValidationIssue[] };

/** Whether a decoded JSON line is an account event (`type: account_updated`) rather than a contact's. */
export function isAccountEventLine(raw: unknown): boolean {
  return isRecord(raw) && raw['type'] === ACCOUNT_UPDATED;
}

/**
 * Validates a decoded account_updated (`{eventId, accountId, occurredAt, properties}`; `type`
 * and unknown fields are ignored) against "now" (epoch ms, for the 24 h future check). Every
 * problem is reported with its field path. `owned`: the value is `JSON.parse`'s, handed over.
 */
export function parseAccountEvent(raw: unknown, now: number, owned = false): AccountEventParse {
  if (!isRecord(raw)) {
    return { ok: false, errors: [{ path: '', message: `an account event must be a JSON object, got ${describeValue(raw)}` }] };
  }
  const errors: ValidationIssue[] = [];
  const eventId = checkId(raw, 'eventId', errors);
  const accountId = checkId(raw, 'accountId', errors);
  const occurredAt = checkOccurredAt(raw['occurredAt'], now, errors);
  const properties = checkProperties(raw['properties'], errors, owned);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, event: { eventId, accountId, occurredAt, properties } };
}
