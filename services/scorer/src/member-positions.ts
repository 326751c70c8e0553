import {
  absorbContact,
  cyrb53,
  toBase64Digits,
  type AnyCause,
  type CompiledGrid,
  type ContactState,
  type ScoreChange,
} from '@leadscore/engine';
import type { PositionedEvent } from './input-positions.js';

/**
 * How a root's state remembers the contacts merged into it, inside its input positions (the
 * only part of a state keyed by free text; docs/identity.md "The streaming merge"):
 *
 *  - `m<9 digits>`: the member marker, a 54-bit hash of the merged-away contactId, present
 *    once the member's last state is absorbed, so it is never absorbed twice;
 *  - `m<9 digits><source>` (e.g. `m3fK…b4`): the highest offset applied of the member's own
 *    events on that topic-partition, whether it applied them itself before it was sealed or
 *    its root did after. A contact's events on one partition arrive in offset order, so this is
 *    exact for the member as the plain sources are for the root, and a root's own events on the
 *    same partition never share the entry.
 *
 * These entries grow with the merges into a tree (a handful per person), not with events.
 */
const MEMBER_KEY_DIGITS = 9;
const MEMBER_KEY_LENGTH = 1 + MEMBER_KEY_DIGITS;
const GRID_GENERATION_SOURCE = 'g';

export function memberKey(contactId: string): string {
  return `m${toBase64Digits(cyrb53(contactId, 7), MEMBER_KEY_DIGITS)}`;
}

/** The markers of the members a state has absorbed (its own and, through them, their members'). */
export function absorbedMarkers(state: ContactState): Set<string> {
  const markers = new Set<string>();
  for (const source of state.inputPositions.keys()) {
    if (source.length === MEMBER_KEY_LENGTH && source.startsWith('m')) markers.add(source);
  }
  return markers;
}

/** A member's event, as its root applies it: under the root's id, its offset kept under the member's own source. */
export function asMemberInput(rootId: string, member: string, input: PositionedEvent): PositionedEvent {
  return { event: { ...input.event, contactId: rootId }, source: `${memberKey(member)}${input.source}`, offset: input.offset };
}

/**
 * The union's positions: the root's, the member's marker, and the member's positions moved
 * under its key (entries already of members it absorbed keep theirs); the higher offset wins
 * where the root applied some of the member's events already (after the seal, before this).
 */
function withMemberPositions(union: ContactState, member: string, snapshot: ContactState): ContactState {
  const key = memberKey(member);
  const positions = new Map(union.inputPositions);
  positions.set(key, 1);
  for (const [source, position] of snapshot.inputPositions) {
    if (source === GRID_GENERATION_SOURCE) continue;
    const at = source.startsWith('m') ? source : `${key}${source}`;
    if (position > (positions.get(at) ?? -1)) positions.set(at, position);
  }
  return { ...union, inputPositions: positions };
}

export interface AbsorbResult {
  /** The root's new state; null when every pending member was absorbed already. */
  readonly state: ContactState | null;
  /** The root's MERGE score changes and each absorbed member's drop to 0, in order. */
  readonly changes: ScoreChange<AnyCause>[];
  /** The members absorbed by this state (not before). */
  readonly absorbed: string[];
}

/**
 * Absorbs the last states of the members pending at a root, each exactly once: a member whose
 * marker the root holds, or one a member absorbed now held (its data came with that member's
 * state), is skipped. Each absorbed member's outputs have its own merge as their cause. Pure.
 *
 * @param pending   the members pending at the root, with the id of the merge that made each one
 * @param snapshots every pending member's last state (from its seal)
 */
export function absorbMembers(
  grid: CompiledGrid,
  rootId: string,
  root: ContactState,
  pending: readonly { readonly id: string; readonly cause: string }[],
  snapshots: ReadonlyMap<string, ContactState>,
  now: number,
): AbsorbResult {
  const held = absorbedMarkers(root);
  for (const snapshot of snapshots.values()) for (const marker of absorbedMarkers(snapshot)) held.add(marker);
  let state = root;
  const changes: ScoreChange<AnyCause>[] = [];
  const absorbed: string[] = [];
  for (const { id: member, cause } of pending) {
    const key = memberKey(member);
    if (member === rootId || held.has(key)) continue;
    held.add(key);
    const snapshot = snapshots.get(member);
    if (snapshot === undefined) throw new RangeError('absorbMembers needs the last state of every pending member');
    const merged = absorbContact(grid, {
      causeEventId: cause,
      source: { contactId: member, state: snapshot },
      target: { contactId: rootId, state },
      now,
    });
    state = withMemberPositions(merged.target.state, member, snapshot);
    changes.push(...merged.target.outputs, ...merged.source.outputs);
    absorbed.push(member);
  }
  return { state: absorbed.length > 0 ? state : null, changes, absorbed };
}
