import {
  encodeState,
  nextExpiryAt,
  type AnyCause,
  type CompiledGrid,
  type ContactState,
  type GradeChange,
  type ThresholdCrossing,
} from '@leadscore/engine';
import type { TopicNames } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { StateCommit, StoredState } from './contact-state-store.js';
import { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
import { decodeOutbox, encodeOutbox, type OwedOutput } from './outbox-codec.js';
import type { OutputProducer } from './output-producer.js';
import type { CrashPoint } from './crash-points.js';
import type { OwnedStates } from './owned-states.js';
import { ScorerError } from './scorer-error.js';
import { gridGenerationOf, withGridGeneration } from './input-positions.js';
import { asGridProvider, type GridProvider } from './live-grid.js';

/** A score change of any cause: events, decay, grid changes and merges (docs/identity.md). */
type ScoreChange = import('@leadscore/engine').ScoreChange<AnyCause>;

/** What a contact's update computed: the new state (null: unchanged) and the score changes it emits. */
export interface ContactChange {
  readonly state: ContactState | null;
  readonly changes: readonly ScoreChange[];
  /** Contacts this change absorbed (merged away into it): each owes a contact-merged output. */
  readonly merged?: readonly MergedContact[];
  /**
   * Outputs other contacts committed and may not have produced (the outboxes of the contacts
   * absorbed): owed with this commit, before its own, so they can never come out after them.
   */
  readonly carried?: readonly OwedOutput[];
}

/** A contact merged away, as the contact-merged output tells it. */
export interface MergedContact {
  readonly contactId: string;
  readonly mergedInto: string;
  readonly mergeEventId: string;
  /** The merge event's occurredAt (epoch ms). */
  readonly occurredAt: number;
}

/**
 * The part of the state store the updater uses (ContactStateStore in production). Contract:
 * `commit` is a compare-and-set per contact on the state value read, writing the outbox with it
 * (replacing the one there; '' deletes it); `clearOutboxes` deletes an outbox only if it still
 * holds the value given. `read` and `commit` first run the `clears` given, in the same round trip.
 */
export interface ContactStore {
  read(contactIds: readonly string[], clears?: ReadonlyMap<string, string>): Promise<Map<string, StoredState>>;
  /** @returns the contactIds whose state changed since it was read (nothing written for them) */
  commit(commits: readonly StateCommit[], clears?: ReadonlyMap<string, string>): Promise<Set<string>>;
  clearOutboxes(produced: ReadonlyMap<string, string>): Promise<void>;
}

/** Encodes the outputs of a score change (ScoreOutputWriter in production); each carries its id in `x-id`. */
export interface ScoreOutputEncoder {
  scoreChanged(change: ScoreChange): Promise<OutputMessage>;
  thresholdsCrossed(change: ScoreChange): Promise<OutputMessage[]>;
  thresholdCrossed(crossing: ThresholdCrossing<AnyCause>): Promise<OutputMessage>;
  gradeChanged(change: GradeChange<AnyCause>): Promise<OutputMessage>;
  contactMerged?(record: MergedContact, now: number): Promise<OutputMessage>;
}

/** The metrics the updater counts (a subset of ScorerMetrics). */
export interface UpdaterMetrics {
  readonly stateConflicts: { inc(value?: number): void };
  readonly stateReads: { inc(labels: { source: 'memory' | 'redis' }, value?: number): void };
  readonly scoreChanges: { inc(labels: { cause: string }): void };
  readonly thresholdCrossings: { inc(labels: { threshold: string; direction: string }): void };
}

export interface ContactUpdaterDeps {
  /** The grid to compute with: one for good, or the LiveGrid that switches when a grid is published. */
  readonly grid: CompiledGrid | GridProvider;
  readonly topics: TopicNames;
  readonly store: ContactStore;
  readonly producer: OutputProducer;
  readonly scoreWriter: ScoreOutputEncoder;
  readonly metrics: UpdaterMetrics;
  /**
   * The states this process committed last and the outbox clears it owes, shared by every
   * updater of the process. Without it every round reads its states and clears its outboxes
   * at once (three round trips).
   */
  readonly owned?: OwnedStates | undefined;
  /** Called when clears are left owed after an update: the caller sends them if nothing else does soon. */
  readonly onClearsOwed?: (() => void) | undefined;
  readonly crashPoint?: CrashPoint | undefined;
  /**
   * Commit states only (`leadscore rebuild`): nothing is produced, no output is encoded, and each
   * commit keeps the outbox it found (what a scorer committed and has not produced yet).
   */
  readonly silent?: boolean;
}

export interface UpdateOptions {
  readonly owedDueBy?: number;
  readonly keepIndexedExpiry?: boolean;
  readonly onSealed?: (contactId: string) => void;
}

/** How often a contact's commit may lose a compare-and-set race before the whole chunk is retried. */
const MAX_CONFLICT_ROUNDS = 5;

/**
 * Read → compute → commit state + outbox → produce → clear outbox, for a set of contacts.
 * Shared by the batch scorer (events) and the re-evaluation sweepers (decay, grid change). The
 * order is what makes every failure safe:
 *
 *  - a crash before the commit leaves nothing behind: redelivery recomputes the same thing;
 *  - a crash after the commit, before the produce, leaves the outbox: the next writer of that
 *    contact produces it first, ids unchanged. For events that is the redelivery of the same
 *    chunk, always; for a sweep, the next sweep of the contact, which is still due (`owedDueBy`
 *    for decay, the grid-change index until produced);
 *  - a lost compare-and-set (another writer got there first) re-reads and recomputes: no output
 *    is ever produced from a state that was not committed, so no phantom crossing escapes;
 *  - events already applied by the other writer are skipped on the re-read (by offset, input-positions.ts).
 *
 * Outputs are therefore emitted at least once, with deterministic ids, and a contact's
 * sequence numbers only increase in the order they are committed.
 *
 * In steady state a round is one Redis round trip (docs/streaming.md "One round trip per
 * chunk"): the states come from `owned` (what this process committed last; a stale one fails
 * its compare-and-set and is re-read, like a read that raced), and the clears of produced
 * outboxes ride with the next round trip, whichever it is. A contact read from memory whose
 * compute commits nothing was decided without trusting the entry: an event is skipped only when
 * its offset is recorded (offsets only grow, so the stored state has it too) or when it matches
 * no rule, which no state changes; every other outcome commits, and so is checked.
 */
export class ContactUpdater {
  private readonly grids: GridProvider;

  constructor(private readonly deps: ContactUpdaterDeps) {
    this.grids = asGridProvider(deps.grid);
  }

  /**
   * @param compute called per contact with its stored state and the grid to compute with (maybe
   *                more than once, after a conflict or a grid switch)
   * @param extra   outputs to produce with the first round (dead letters)
   * @param options.owedDueBy a commit that leaves outputs owed (new ones, or an outbox not yet
   *                produced) indexes its contact due no later than this, for a writer that nothing
   *                redelivers (a sweep): the next sweep then produces what a failed one owed
   * @param options.onSealed called for each contact found merged away (sealed): nothing is ever
   *                computed or committed over a seal; the caller sends its work to the root
   * @param options.keepIndexedExpiry leave the decay index alone when a commit does not move the
   *                contact's next expiry (event scoring). Sweeps must not: their claim moved the
   *                index entry, and their commit is what puts it back. A skip that meets a claim
   *                only leaves the entry at the lease's end, when a sweep re-evaluates and re-indexes.
   * @returns the score changes committed
   */
  async update(
    contactIds: readonly string[],
    now: number,
    extra: OutputBatch,
    compute: (contactId: string, stored: StoredState, grid: CompiledGrid) => ContactChange,
    options: UpdateOptions = {},
  ): Promise<ScoreChange[]> {
    const { metrics } = this.deps;
    const committed: ScoreChange[] = [];
    let pending = contactIds;
    let outputs: OutputBatch = extra;
    let newerGeneration = 0;
    for (let round = 0; pending.length > 0 || outputs.size > 0; round += 1) {
      if (newerGeneration > 0) {
        // outside any round: the switch may wait for this scorer's rounds of the older grid to end
        await this.grids.catchUp(newerGeneration);
        newerGeneration = 0;
        round -= 1; // a grid switch is not a lost compare-and-set
      }
      const running = this.grids.enter();
      let conflicts: Set<string>;
      try {
        const stored = await this.readStates(pending);
        newerGeneration = newestGeneration(stored, running.generation);
        if (newerGeneration > 0) continue;
        conflicts = await this.round(
          running.compiled,
          running.generation,
          pending,
          stored,
          now,
          outputs,
          compute,
          options,
          committed,
        );
      } finally {
        this.grids.leave(running);
      }
      if (conflicts.size === 0) break;
      metrics.stateConflicts.inc(conflicts.size);
      if (round + 1 >= MAX_CONFLICT_ROUNDS) {
        throw new ScorerError(ErrorCode.StateConflict, `contact states kept changing under ${conflicts.size} commits`);
      }
      pending = [...conflicts];
      outputs = new Map(); // the losers were forgotten (commit): the next round reads them from Redis
    }
    for (const change of committed) {
      metrics.scoreChanges.inc({ cause: change.cause.kind });
      for (const crossing of change.thresholdCrossings) {
        metrics.thresholdCrossings.inc({ threshold: crossing.threshold, direction: crossing.direction });
      }
    }
    return committed;
  }

  /**
   * One round with one grid: compute, commit (states stamped with the grid's generation),
   * produce; the score changes committed are pushed to `committed`.
   * @returns the contacts that lost their compare-and-set
   */
  private async round(
    grid: CompiledGrid,
    generation: number,
    pending: readonly string[],
    stored: ReadonlyMap<string, StoredState>,
    now: number,
    outputs: OutputBatch,
    compute: (contactId: string, stored: StoredState, grid: CompiledGrid) => ContactChange,
    options: UpdateOptions,
    committed: ScoreChange[],
  ): Promise<Set<string>> {
    const silent = this.deps.silent === true;
    const commits: StateCommit[] = [];
    const roundChanges = new Map<string, readonly ScoreChange[]>();
    const roundMerges = new Map<string, readonly MergedContact[]>();
    const produced = new Map<string, string>();
    const committedStates = new Map<string, StoredState>();
    for (const contactId of pending) {
      const current = stored.get(contactId)!;
      // Outputs a crashed writer committed but maybe never produced: produce them now.
      const stillOwed = silent ? [] : decodeOutbox(current.outbox);
      for (const o of stillOwed) addOutput(outputs, o.topic, o.message);
      if (current.outbox !== '' && !silent) produced.set(contactId, current.outbox);
      if (current.sealed) {
        options.onSealed?.(contactId);
        continue;
      }
      const change = compute(contactId, current, grid);
      if (change.state === null) {
        if (current.outbox !== '' && current.raw !== '' && !silent) {
          // Nothing new, but a writer committed this state and owed its outputs: its round may
          // have failed after the commit and before the decay index took the state's next
          // expiry (another key, on Redis Cluster maybe another node), and no later commit would
          // write it, since the redelivered inputs change nothing. The same state committed
          // again re-indexes it; the compare-and-set keeps that exact.
          commits.push({
            contactId,
            expected: current.raw,
            encoded: current.raw,
            outbox: current.outbox,
            nextExpiryAt: indexedExpiry(nextExpiryAt(grid, current.state, now), current.outbox, options),
            expiryIndexed: false,
          });
          committedStates.set(contactId, current);
        }
        continue;
      }
      const state = withGridGeneration(change.state, generation);
      const owed = silent
        ? []
        : [...(change.carried ?? []), ...(await this.owedOutputs(change.changes, change.merged ?? [], now))];
      if (change.merged) roundMerges.set(contactId, change.merged);
      // The commit replaces the outbox, so the new one keeps what is still owed: if this round
      // dies or its produce fails after the commit, those outputs must not be lost with it.
      const outbox = silent ? current.outbox : encodeOutbox([...stillOwed, ...owed]);
      const expiry = nextExpiryAt(grid, state, now);
      const { keepIndexedExpiry = false } = options;
      const encoded = encodeState(state);
      commits.push({
        contactId,
        expected: current.raw,
        encoded,
        outbox,
        nextExpiryAt: indexedExpiry(expiry, outbox, options),
        expiryIndexed: keepIndexedExpiry && current.raw !== '' && nextExpiryAt(grid, current.state, now) === expiry,
      });
      committedStates.set(contactId, { raw: encoded, state, outbox });
      roundChanges.set(contactId, change.changes);
      for (const o of owed) addOutput(outputs, o.topic, o.message);
      if (outbox !== '' && !silent) produced.set(contactId, outbox);
    }
    const conflicts = await this.commit(commits, committedStates);
    if (conflicts.size > 0) {
      // Drop what the losers computed: it was never committed. Their old outboxes (if any)
      // are still produced below; that is at worst a duplicate with the same ids.
      outputs = withoutOutputsOf(outputs, conflicts, roundChanges, roundMerges, this.deps.topics);
      for (const contactId of conflicts) {
        const stale = stored.get(contactId)!.outbox;
        if (stale === '') produced.delete(contactId);
        else produced.set(contactId, stale);
      }
    }
    // Fault injection fires only where this round did something: a redelivered chunk that
    // changes nothing does not roll again, so a restart can always get through its backlog.
    if (commits.length > 0) this.deps.crashPoint?.('after-state-commit');
    if (!silent) await this.produce(outputs, pending);
    if (outputs.size > 0) this.deps.crashPoint?.('after-produce');
    await this.outboxesProduced(produced);
    for (const [contactId, changes] of roundChanges) if (!conflicts.has(contactId)) committed.push(...changes);
    return conflicts;
  }

  /** Sends the owed outbox clears now (when no other round trip came to carry them). */
  async flushClears(): Promise<void> {
    const { owned, store } = this.deps;
    if (!owned?.hasClears) return;
    const clears = owned.takeClears();
    try {
      await store.clearOutboxes(clears);
    } catch (error) {
      owned.restoreClears(clears);
      throw error;
    }
  }

  /** The stored states of the contacts: from memory where this process committed them last, else one read. */
  private async readStates(contactIds: readonly string[]): Promise<Map<string, StoredState>> {
    const { owned, store, metrics } = this.deps;
    const stored = new Map<string, StoredState>();
    const missing: string[] = [];
    for (const contactId of contactIds) {
      const kept = owned?.get(contactId);
      if (kept === undefined) missing.push(contactId);
      else stored.set(contactId, kept);
    }
    if (stored.size > 0) metrics.stateReads.inc({ source: 'memory' }, stored.size);
    if (missing.length === 0) return stored;
    metrics.stateReads.inc({ source: 'redis' }, missing.length);
    const clears = owned?.takeClears();
    let read: Map<string, StoredState>;
    try {
      read = await store.read(missing, clears);
    } catch (error) {
      if (clears) owned!.restoreClears(clears);
      throw error;
    }
    for (const [contactId, state] of read) stored.set(contactId, state);
    return stored;
  }

  /** Commits (with the owed clears) and keeps what won in memory; a failed round trip forgets its contacts. */
  private async commit(commits: readonly StateCommit[], states: ReadonlyMap<string, StoredState>): Promise<Set<string>> {
    const { owned, store } = this.deps;
    if (commits.length === 0) return new Set();
    const clears = owned?.takeClears();
    let conflicts: Set<string>;
    try {
      conflicts = await store.commit(commits, clears);
    } catch (error) {
      // a lost reply may hide a commit that ran: what memory holds for these contacts is unknown
      if (owned) {
        owned.forget(states.keys());
        if (clears) owned.restoreClears(clears);
      }
      throw error;
    }
    if (owned) {
      for (const [contactId, state] of states) {
        if (conflicts.has(contactId)) owned.forget([contactId]);
        else owned.committed(contactId, state);
      }
    }
    return conflicts;
  }

  private async produce(outputs: OutputBatch, contactIds: readonly string[]): Promise<void> {
    try {
      await this.deps.producer.send(outputs);
    } catch (error) {
      // Memory would still be right (the entries owe their outboxes), but the chunk is retried,
      // perhaps after the partitions moved: read the truth then.
      this.deps.owned?.forget(contactIds);
      throw error;
    }
  }

  /** The produced outboxes are cleared at once without `owned`, else with the next round trip. */
  private async outboxesProduced(produced: ReadonlyMap<string, string>): Promise<void> {
    const { owned, store, onClearsOwed } = this.deps;
    if (produced.size === 0) return;
    if (!owned) {
      await store.clearOutboxes(produced);
      return;
    }
    for (const [contactId, outbox] of produced) owned.produced(contactId, outbox);
    onClearsOwed?.();
  }

  private async owedOutputs(
    changes: readonly ScoreChange[],
    merged: readonly MergedContact[],
    now: number,
  ): Promise<OwedOutput[]> {
    const { topics, scoreWriter } = this.deps;
    const owed: OwedOutput[] = [];
    // contact-merged first: a reader that sees a merged-away id's drop to 0 already knows where it went
    for (const record of merged) {
      if (scoreWriter.contactMerged)
        owed.push({ topic: topics.contactMerged, message: await scoreWriter.contactMerged(record, now) });
    }
    for (const change of changes) {
      owed.push({ topic: topics.scoreChanged, message: await scoreWriter.scoreChanged(change) });
      for (const message of await scoreWriter.thresholdsCrossed(change)) owed.push({ topic: topics.thresholdCrossed, message });
      // a grid with a matrix: the grade change rides on the evaluation's last score change
      const grade = change.gradeChange;
      if (grade === undefined) continue;
      owed.push({ topic: topics.gradeChanged, message: await scoreWriter.gradeChanged(grade) });
      if (grade.crossing !== null) {
        owed.push({ topic: topics.thresholdCrossed, message: await scoreWriter.thresholdCrossed(grade.crossing) });
      }
    }
    return owed;
  }
}

/** The contact-merged output's id (ScoreOutputWriter.contactMerged's `x-id`). */
function contactMergedId(merged: MergedContact): string {
  return `${merged.mergeEventId}:${merged.contactId}`;
}

/** The latest grid generation a stored state was written under, when later than `running` (else 0). */
function newestGeneration(stored: ReadonlyMap<string, StoredState>, running: number): number {
  let newest = 0;
  for (const { state } of stored.values()) {
    const generation = gridGenerationOf(state);
    if (generation > running && generation > newest) newest = generation;
  }
  return newest;
}

/** The outputs minus the new ones of the contacts that lost their compare-and-set. */
function withoutOutputsOf(
  outputs: OutputBatch,
  losers: ReadonlySet<string>,
  changes: ReadonlyMap<string, readonly ScoreChange[]>,
  merges: ReadonlyMap<string, readonly MergedContact[]>,
  topics: TopicNames,
): OutputBatch {
  const dropIds = new Set<string>();
  for (const contactId of losers) {
    for (const merged of merges.get(contactId) ?? []) dropIds.add(contactMergedId(merged));
    for (const change of changes.get(contactId) ?? []) {
      dropIds.add(change.id);
      for (const crossing of change.thresholdCrossings) dropIds.add(crossing.id);
      if (change.gradeChange !== undefined) dropIds.add(change.gradeChange.id);
      if (change.gradeChange?.crossing) dropIds.add(change.gradeChange.crossing.id);
    }
  }
  const kept: OutputBatch = new Map();
  for (const [topic, messages] of outputs) {
    const keep =
      topic === topics.deadLetters ? messages : messages.filter((m) => !dropIds.has(String(m.headers?.['x-id'] ?? '')));
    if (keep.length > 0) kept.set(topic, keep);
  }
  return kept;
}

/**
 * The decay index entry of a commit: the state's next expiry, or sooner when the commit owes
 * outputs and the caller keeps such contacts due (`owedDueBy`, a sweep: see UpdateOptions).
 */
function indexedExpiry(expiry: number | null, outbox: string, options: UpdateOptions): number | null {
  const { owedDueBy } = options;
  return owedDueBy !== undefined && outbox !== '' ? Math.min(expiry ?? Infinity, owedDueBy) : expiry;
}
