import type { AccountRollup } from './account-rollup.js';
import type { CompiledGrid } from './compile-grid.js';
import type { IdentityRoots } from './identity-roots.js';
import type { LeadEvent } from './lead-event.js';
import { mergeContacts } from './merge-contacts.js';
import { mergedFromOf } from './merge-event.js';
import type { AnyCause, Direction, ThresholdCrossing } from './score-change.js';
import { decodeState, encodeState } from './state-codec.js';

/** A threshold crossing as replay reports it. */
export interface ReplayCrossing {
  readonly threshold: string;
  readonly at: number;
  readonly direction: Direction;
  readonly score: number;
  readonly sequence: number;
  readonly cause: AnyCause;
}

/** What replay keeps per contact id: the encoded state, its crossings, and its root once merged away. */
export interface ReplayEntry {
  state: string;
  crossings: ReplayCrossing[] | undefined;
  /** Set once the id is merged into another contact (then its state is empty). */
  mergedInto?: string;
}

/** Appends an evaluation's crossings to a contact's, as replay reports them. */
export function recordCrossings(entry: ReplayEntry, crossings: readonly ThresholdCrossing<AnyCause>[]): void {
  for (const crossing of crossings) {
    entry.crossings ??= [];
    entry.crossings.push({
      threshold: crossing.threshold,
      at: crossing.at,
      direction: crossing.direction,
      score: crossing.score,
      sequence: crossing.sequence,
      cause: crossing.cause,
    });
  }
}

export type ReplayMergeOutcome = 'merged' | 'duplicate' | 'same-root';

/**
 * Replays one `contact_merged` in file order (docs/identity.md): both ids resolved to their
 * roots; one root already: nothing (a repeated merge); else the source root's state joins the
 * target root's (`mergeContacts`), both sides' crossings are recorded (the source's down to 0),
 * and from now on the source's whole tree resolves to the target; with accounts, the rollup
 * follows (the source leaves its account, the target may move and holds its new score).
 */
export function replayMerge(
  compiled: CompiledGrid,
  contacts: Map<string, ReplayEntry>,
  roots: IdentityRoots,
  event: LeadEvent,
  now: number,
  empty: string,
  rollup: AccountRollup | null = null,
): ReplayMergeOutcome {
  const source = roots.resolve(mergedFromOf(event) as string);
  const target = roots.resolve(event.contactId);
  if (source === target) return 'same-root';
  const entry = (id: string): ReplayEntry => {
    let found = contacts.get(id);
    if (found === undefined) {
      found = { state: empty, crossings: undefined };
      contacts.set(id, found);
    }
    return found;
  };
  const s = entry(source);
  const t = entry(target);
  const result = mergeContacts(compiled, {
    event,
    source: { contactId: source, state: decodeState(s.state) },
    target: { contactId: target, state: decodeState(t.state) },
    now,
  });
  if (result.duplicate) return 'duplicate';
  roots.merge(source, target);
  if (result.target.stateChanged) t.state = encodeState(result.target.state);
  recordCrossings(t, result.target.output?.thresholdCrossings ?? []);
  s.state = encodeState(result.source.state);
  recordCrossings(s, result.source.output?.thresholdCrossings ?? []);
  s.mergedInto = target;
  rollup?.contactsMerged(source, target, event, result.target.score, result.target.output?.id ?? null);
  return 'merged';
}
