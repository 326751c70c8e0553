import { CONTACT_MERGED, type ScoreChange } from '@leadscore/engine';
import type { DeadLetterReason, DecodeResult } from './event-decoder.js';
import type { InputMessage } from '@leadscore/contracts';
import { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
import type { ScorerMetrics } from './metrics.js';
import { ContactUpdater, type ContactUpdaterDeps } from './contact-updater.js';
import { inputSource, type PositionedEvent } from './input-positions.js';
import { applyInputs } from './apply-inputs.js';
import { idsToResolve, planRounds, type Arrival, type Round } from './merge-rounds.js';
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
    const rounds = await this.roundsOf(arrivals);

    const changes: ScoreChange[] = [];
    let duplicates = 0;
    let extra = deadLetterOutputs;
    for (const round of rounds) {
      const applied = await this.applyRound(round.eventsByContact, extra, now);
      extra = new Map();
      changes.push(...applied.changes);
      duplicates += applied.duplicates;
      if (round.merges.length > 0) changes.push(...(await this.merger!.merge(round.merges, now)));
    }
    const scored = messages.length - deadLettered;
    metrics.eventsScored.inc(scored);
    metrics.eventsDuplicate.inc(duplicates);
    return { scored, duplicates, deadLettered, scoreChanges: changes };
  }

  /**
   * The chunk's commit rounds: all of it in one when it holds no merge; else as planRounds
   * orders it around its merges, from the roots of its ids (one round trip).
   */
  private async roundsOf(arrivals: readonly Arrival[]): Promise<Round[]> {
    if (!arrivals.some((arrival) => 'merge' in arrival)) return planRounds(arrivals, new Map());
    const ids = idsToResolve(arrivals);
    const roots = await this.deps.identity!.roots(ids);
    return planRounds(arrivals, new Map(ids.map((id, i) => [id, roots[i]!])));
  }

  /** Applies events grouped by contact (and, first, produces `extra`): the changes and duplicates. */
  private async applyRound(
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

export { applyEvents, applyInputs } from './apply-inputs.js';
