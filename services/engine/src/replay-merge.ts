import { memberScoreOf, type AccountRollup } from './account-rollup.js';
import type { CompiledGrid } from './compile-grid.js';
import type { IdentityRoots } from './identity-roots.js';
import type { LeadEvent } from './lead-event.js';
import { mergeContacts } from './merge-contacts.js';
import { mergedFromOf } from './merge-event.js';
import type { AnyCause, Direction, ThresholdCrossing } from './score-change.js';
import type { ContactState } from './contact-state.js';
import { WorkingState } from './working-state.js';

/** A threshold crossing as replay reports it. */
export interface ReplayCrossing {
  /** For a grid with `scores`: the score crossing (`matrix` for the matrix's `qualified`). */
  readonly scoreId?: string;
  readonly threshold: string;
  readonly at: number;
  readonly direction: Direction;
  readonly score: number;
  readonly sequence: number;
  readonly cause: AnyCause;
}

/**
 * What replay keeps per contact id: its working state (the map's value itself: one object to
 * reach per event), its crossings, and its root once merged away.
 */
export class ReplayEntry extends WorkingState {
  crossings: ReplayCrossing[] | undefined = undefined;
  /** Set once the id is merged into another contact (then its state is empty). */
  mergedInto: string | undefined = undefined;

  /** An entry of the same contact holding `state` instead (a merge replaced it), with this one's crossings. */
  replacedBy(state: ContactState): ReplayEntry {
    const next = new ReplayEntry(this.compiled, this.now, state, this.outputs);
    next.crossings = this.crossings;
    next.mergedInto = this.mergedInto;
    return next;
  }
}

/** Appends an evaluation's crossings to a contact's, as replay reports them. */
export function recordCrossings(entry: ReplayEntry, crossings: readonly ThresholdCrossing<AnyCause>[]): void {
  for (const crossing of crossings) {
    entry.crossings ??= [];
    entry.crossings.push({
      ...(crossing.scoreId !== undefined && { scoreId: crossing.scoreId }),
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
  outputs: boolean,
  rollup: AccountRollup | null = null,
): ReplayMergeOutcome {
  const source = roots.resolve(mergedFromOf(event) as string);
  const target = roots.resolve(event.contactId);
  if (source === target) return 'same-root';
  const entry = (id: string): ReplayEntry => {
    let found = contacts.get(id);
    if (found === undefined) {
      found = new ReplayEntry(compiled, now, undefined, outputs);
      contacts.set(id, found);
    }
    return found;
  };
  let s = entry(source);
  let t = entry(target);
  const result = mergeContacts(compiled, {
    event,
    source: { contactId: source, state: s.toContactState() },
    target: { contactId: target, state: t.toContactState() },
    now,
  });
  if (result.duplicate) return 'duplicate';
  roots.merge(source, target);
  // The merged states continue as working states loaded from them: applyInPlace then gives
  // what applyEvent gives from those states (working-state.ts), as the codec round trip did.
  if (result.target.stateChanged) contacts.set(target, (t = t.replacedBy(result.target.state)));
  for (const output of result.target.outputs) recordCrossings(t, output.thresholdCrossings);
  if (result.target.gradeChange?.crossing) recordCrossings(t, [result.target.gradeChange.crossing]);
  contacts.set(source, (s = s.replacedBy(result.source.state)));
  for (const output of result.source.outputs) recordCrossings(s, output.thresholdCrossings);
  if (result.source.gradeChange?.crossing) recordCrossings(s, [result.source.gradeChange.crossing]);
  s.mergedInto = target;
  if (rollup !== null && compiled.accounts !== null) {
    const member = memberScoreOf(compiled, compiled.accounts, result.target);
    rollup.contactsMerged(source, target, event, member.score, member.output?.id ?? null);
  }
  return 'merged';
}
