import { CONTACT_MERGED, mergedFromOf, type LeadEvent, type ScoreChange } from '@leadscore/engine';
import type { DeadLetterReason, DecodeResult } from './event-decoder.js';
import type { InputMessage } from '@leadscore/contracts';
import { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
import type { ScorerMetrics } from './metrics.js';
import { ContactUpdater, type ContactUpdaterDeps } from './contact-updater.js';
import { inputSource, type PositionedEvent } from './input-positions.js';
import { applyInputs } from './apply-inputs.js';
import type { IdentityStore } from './identity-store.js';
import { IdentityMerger } from './identity-merger.js';

/** Turns a consumed message into an event or a reason to dead-letter it (EventDecoder in production). */
export interface MessageDecoder {
  decode(message: InputMessage, now: number): Promise<DecodeResult>;
}

/** Builds the dead letter of a message (contracts' DeadLetterBuilder in production). */
export interface DeadLetterFactory {
  build(source: InputMessage, reason: DeadLetterReason, message: string, now: number): Promise<OutputMessage>;
}

export interface BatchScorerDeps extends ContactUpdaterDeps {
  readonly decoder: MessageDecoder;
  readonly deadLetters: DeadLetterFactory;
  readonly metrics: ScorerMetrics;
  /** The clock, in epoch ms: injected so tests can move time. */
  readonly now: () => number;
  /**
   * The identity forest and seals (docs/identity.md "The streaming merge"). Without it a
   * `contact_merged` changes nothing, as any event no rule matches (unit tests of other parts).
   */
  readonly identity?: IdentityStore;
  /** Takes merged-away contacts off the sweep indexes. */
  readonly unindex?: (contactIds: readonly string[]) => Promise<void>;
}

export interface BatchResult {
  readonly scored: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly scoreChanges: readonly ScoreChange[];
}

/**
 * Scores one chunk of consumed messages: decode (bad input becomes dead letters), then hand
 * the events, grouped by contact in arrival order, to the ContactUpdater, which commits states
 * and produces outputs in the order that makes redelivery safe. Only after this resolves may
 * the caller commit the chunk's offsets.
 */
export class BatchScorer {
  private readonly updater: ContactUpdater;
  private readonly merger: IdentityMerger | undefined;

  constructor(private readonly deps: BatchScorerDeps) {
    this.updater = new ContactUpdater(deps);
    this.merger = deps.identity
      ? new IdentityMerger({
          identity: deps.identity,
          updater: this.updater,
          store: deps.store,
          unindex: deps.unindex,
          crashPoint: deps.crashPoint,
          silent: deps.silent,
        })
      : undefined;
  }

  /** Sends the outbox clears still owed (see ContactUpdater.flushClears). */
  flushClears(): Promise<void> {
    return this.updater.flushClears();
  }

  async score(messages: readonly InputMessage[]): Promise<BatchResult> {
    const { decoder, metrics, deadLetters, topics } = this.deps;
    const now = this.deps.now();
    const deadLetterOutputs: OutputBatch = new Map();
    const arrivals: Arrival[] = [];
    let deadLettered = 0;

    // Counted per topic once per chunk, not per message: a labelled inc costs a label lookup each time.
    const consumedByTopic = new Map<string, number>();
    for (const message of messages) consumedByTopic.set(message.topic, (consumedByTopic.get(message.topic) ?? 0) + 1);
    for (const [topic, count] of consumedByTopic) metrics.eventsConsumed.inc({ topic }, count);

    for (const message of messages) {
      const decoded = await decoder.decode(message, now);
      if (!decoded.ok) {
        addOutput(deadLetterOutputs, topics.deadLetters, await deadLetters.build(message, decoded.reason, decoded.message, now));
        metrics.eventsDeadLettered.inc({ reason: decoded.reason });
        deadLettered += 1;
        continue;
      }
      if (this.merger && decoded.event.type === CONTACT_MERGED) {
        // not behaviour: applied through the identity forest, between the events around it
        arrivals.push({ merge: decoded.event });
        continue;
      }
      arrivals.push({ event: decoded.event, source: inputSource(topics, message), offset: Number(message.offset) });
    }
    const segments = await this.segmentsOf(arrivals);

    const changes: ScoreChange[] = [];
    let duplicates = 0;
    let extra = deadLetterOutputs;
    for (const segment of segments) {
      const applied = await this.applySegment(segment.eventsByContact, extra, now);
      extra = new Map();
      changes.push(...applied.changes);
      duplicates += applied.duplicates;
      if (segment.merges.length > 0) changes.push(...(await this.merger!.merge(segment.merges, now)));
    }
    const scored = messages.length - deadLettered;
    metrics.eventsScored.inc(scored);
    metrics.eventsDuplicate.inc(duplicates);
    return { scored, duplicates, deadLettered, scoreChanges: changes };
  }

  /**
   * The chunk in arrival order, cut at each merge: a contact's events before a merge are applied
   * before it, those after it after it (as replay reads a file). Only contacts a merge of the
   * chunk can touch need the cut; the events of all others go with the first segment, so a chunk
   * holding merges still commits most of its contacts in one round (each cut costs a round), and
   * merges with no event of a touched contact between them are applied together.
   */
  private async segmentsOf(arrivals: readonly Arrival[]): Promise<Segment[]> {
    const segments: Segment[] = [{ eventsByContact: new Map(), merges: [] }];
    const touched = await this.touchedByMerges(arrivals);
    for (const arrival of arrivals) {
      if ('merge' in arrival) {
        segments[segments.length - 1]!.merges.push(arrival.merge);
        continue;
      }
      const contactId = arrival.event.contactId;
      if (touched.has(contactId) && segments[segments.length - 1]!.merges.length > 0)
        segments.push({ eventsByContact: new Map(), merges: [] });
      const { eventsByContact } = touched.has(contactId) ? segments[segments.length - 1]! : segments[0]!;
      const list = eventsByContact.get(contactId);
      if (list) list.push(arrival);
      else eventsByContact.set(contactId, [arrival]);
    }
    return segments;
  }

  /**
   * The contacts of the chunk a merge of it can touch (one round trip, only for a chunk holding
   * merges): each merge's two ids, their trees' roots before the chunk (every tree a merge of
   * the chunk links has one of them as its root before it, since links only join trees), and
   * every contact already in a tree (a member of one; kept in order rather than resolved further).
   * A contact outside all of them is its own tree, which no merge of the chunk links.
   */
  private async touchedByMerges(arrivals: readonly Arrival[]): Promise<ReadonlySet<string>> {
    const sides: string[] = [];
    const ids = new Set<string>();
    for (const arrival of arrivals) {
      if ('merge' in arrival) sides.push(arrival.merge.contactId, mergedFromOf(arrival.merge)!);
      else ids.add(arrival.event.contactId);
    }
    if (sides.length === 0) return new Set();
    for (const id of sides) ids.add(id);
    const asked = [...ids];
    const roots = await this.deps.identity!.roots(asked);
    const touched = new Set(sides);
    const rootOf = new Map<string, string>();
    asked.forEach((id, i) => {
      rootOf.set(id, roots[i]!);
      if (roots[i] !== id) touched.add(id);
    });
    for (const id of sides) touched.add(rootOf.get(id)!);
    return touched;
  }

  /** Applies events grouped by contact (and, first, produces `extra`): the changes and duplicates. */
  private async applySegment(
    eventsByContact: ReadonlyMap<string, PositionedEvent[]>,
    extra: OutputBatch,
    now: number,
  ): Promise<{ changes: ScoreChange[]; duplicates: number }> {
    if (eventsByContact.size === 0 && extra.size === 0) return { changes: [], duplicates: 0 };
    // A contact may be computed more than once (after losing a compare-and-set); count its last computation only.
    const duplicatesByContact = new Map<string, number>();
    // contacts found merged away: their events count for their roots (the last computation decides)
    const redirected = new Map<string, PositionedEvent[]>();
    const changes = await this.updater.update(
      [...eventsByContact.keys()],
      now,
      extra,
      (contactId, stored, grid) => {
        redirected.delete(contactId);
        const applied = applyInputs(grid, stored, eventsByContact.get(contactId)!, now);
        duplicatesByContact.set(contactId, applied.duplicates);
        return applied;
      },
      {
        keepIndexedExpiry: true,
        onSealed: (contactId) => {
          redirected.set(contactId, eventsByContact.get(contactId)!);
          duplicatesByContact.delete(contactId);
        },
      },
    );
    if (this.merger && redirected.size > 0) changes.push(...(await this.merger.applyRedirected(redirected, now)));
    let duplicates = 0;
    for (const n of duplicatesByContact.values()) duplicates += n;
    return { changes, duplicates };
  }
}

/** One decoded message of a chunk: an event, or a merge (applied through the identity forest). */
type Arrival = PositionedEvent | { readonly merge: LeadEvent };

/** Events of a chunk grouped by contact, then the merges that follow them in arrival order. */
interface Segment {
  readonly eventsByContact: Map<string, PositionedEvent[]>;
  readonly merges: LeadEvent[];
}

export { applyEvents, applyInputs } from './apply-inputs.js';
