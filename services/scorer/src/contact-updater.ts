import { encodeState, nextExpiryAt, type CompiledGrid, type ContactState, type ScoreChange } from '@leadscore/engine';
import type { TopicNames } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { StateCommit, StoredState } from './contact-state-store.js';
import { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
import { decodeOutbox, encodeOutbox, type OwedOutput } from './outbox-codec.js';
import type { OutputProducer } from './output-producer.js';
import type { CrashPoint } from './crash-points.js';
import { ScorerError } from './scorer-error.js';

/** What a contact's update computed: the new state (null: unchanged) and the score changes it emits. */
export interface ContactChange {
  readonly state: ContactState | null;
  readonly changes: readonly ScoreChange[];
}

/**
 * The part of the state store the updater uses (ContactStateStore in production). Contract:
 * `commit` is a compare-and-set per contact on the state value read (and writes the outbox with
 * it); `clearOutboxes` deletes an outbox only if it still holds the value given.
 */
export interface ContactStore {
  read(contactIds: readonly string[]): Promise<Map<string, StoredState>>;
  /** @returns the contactIds whose state changed since it was read (nothing written for them) */
  commit(commits: readonly StateCommit[]): Promise<Set<string>>;
  clearOutboxes(produced: ReadonlyMap<string, string>): Promise<void>;
}

/** Encodes the outputs of a score change (ScoreOutputWriter in production); each carries its id in `x-id`. */
export interface ScoreOutputEncoder {
  scoreChanged(change: ScoreChange): Promise<OutputMessage>;
  thresholdsCrossed(change: ScoreChange): Promise<OutputMessage[]>;
}

/** The metrics the updater counts (a subset of ScorerMetrics). */
export interface UpdaterMetrics {
  readonly stateConflicts: { inc(value?: number): void };
  readonly scoreChanges: { inc(labels: { cause: string }): void };
  readonly thresholdCrossings: { inc(labels: { threshold: string; direction: string }): void };
}

export interface ContactUpdaterDeps {
  readonly grid: CompiledGrid;
  readonly topics: TopicNames;
  readonly store: ContactStore;
  readonly producer: OutputProducer;
  readonly scoreWriter: ScoreOutputEncoder;
  readonly metrics: UpdaterMetrics;
  readonly crashPoint?: CrashPoint | undefined;
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
 */
export class ContactUpdater {
  constructor(private readonly deps: ContactUpdaterDeps) {}

  /**
   * @param compute called per contact with its stored state (maybe more than once, after a conflict)
   * @param extra   outputs to produce with the first round (dead letters)
   * @param options.owedDueBy a commit that leaves outputs owed (new ones, or an outbox not yet
   *                produced) indexes its contact due no later than this, for a writer that nothing
   *                redelivers (a sweep): the next sweep then produces what a failed one owed
   * @returns the score changes committed
   */
  async update(
    contactIds: readonly string[],
    now: number,
    extra: OutputBatch,
    compute: (contactId: string, stored: StoredState) => ContactChange,
    options: { readonly owedDueBy?: number } = {},
  ): Promise<ScoreChange[]> {
    const { store, producer, metrics, grid } = this.deps;
    const committed: ScoreChange[] = [];
    let pending = contactIds;
    let outputs: OutputBatch = extra;
    for (let round = 0; pending.length > 0 || outputs.size > 0; round += 1) {
      const stored = await store.read(pending);
      const commits: StateCommit[] = [];
      const roundChanges = new Map<string, readonly ScoreChange[]>();
      const produced = new Map<string, string>();
      for (const contactId of pending) {
        const current = stored.get(contactId)!;
        // Outputs a crashed writer committed but maybe never produced: produce them now.
        const stillOwed = decodeOutbox(current.outbox);
        for (const o of stillOwed) addOutput(outputs, o.topic, o.message);
        if (current.outbox !== '') produced.set(contactId, current.outbox);
        const change = compute(contactId, current);
        if (change.state === null) continue;
        const owed = await this.owedOutputs(change.changes);
        // The commit replaces the outbox, so the new one keeps what is still owed: if this round
        // dies or its produce fails after the commit, those outputs must not be lost with it.
        const outbox = encodeOutbox(owed.length > 0 ? [...stillOwed, ...owed] : []);
        const expiry = nextExpiryAt(grid, change.state, now);
        const { owedDueBy } = options;
        const owesAfterCommit = outbox !== '' || current.outbox !== '';
        commits.push({
          contactId,
          expected: current.raw,
          encoded: encodeState(change.state),
          outbox,
          nextExpiryAt: owedDueBy !== undefined && owesAfterCommit ? Math.min(expiry ?? Infinity, owedDueBy) : expiry,
        });
        roundChanges.set(contactId, change.changes);
        if (outbox !== '') {
          for (const o of owed) addOutput(outputs, o.topic, o.message);
          produced.set(contactId, outbox);
        }
      }
      const conflicts = await store.commit(commits);
      if (conflicts.size > 0) {
        // Drop what the losers computed: it was never committed. Their old outboxes (if any)
        // are still produced below; that is at worst a duplicate with the same ids.
        outputs = withoutOutputsOf(outputs, conflicts, roundChanges, this.deps.topics);
        for (const contactId of conflicts) {
          const stale = stored.get(contactId)!.outbox;
          if (stale === '') produced.delete(contactId);
          else produced.set(contactId, stale);
        }
      }
      this.deps.crashPoint?.('after-state-commit');
      await producer.send(outputs);
      this.deps.crashPoint?.('after-produce');
      await store.clearOutboxes(produced);
      for (const [contactId, changes] of roundChanges) if (!conflicts.has(contactId)) committed.push(...changes);

      if (conflicts.size === 0) break;
      metrics.stateConflicts.inc(conflicts.size);
      if (round + 1 >= MAX_CONFLICT_ROUNDS) {
        throw new ScorerError(ErrorCode.StateConflict, `contact states kept changing under ${conflicts.size} commits`);
      }
      pending = [...conflicts];
      outputs = new Map();
    }
    for (const change of committed) {
      metrics.scoreChanges.inc({ cause: change.cause.kind });
      for (const crossing of change.thresholdCrossings) {
        metrics.thresholdCrossings.inc({ threshold: crossing.threshold, direction: crossing.direction });
      }
    }
    return committed;
  }

  private async owedOutputs(changes: readonly ScoreChange[]): Promise<OwedOutput[]> {
    const { topics, scoreWriter } = this.deps;
    const owed: OwedOutput[] = [];
    for (const change of changes) {
      owed.push({ topic: topics.scoreChanged, message: await scoreWriter.scoreChanged(change) });
      for (const message of await scoreWriter.thresholdsCrossed(change)) owed.push({ topic: topics.thresholdCrossed, message });
    }
    return owed;
  }
}

/** The outputs minus the new ones of the contacts that lost their compare-and-set. */
function withoutOutputsOf(
  outputs: OutputBatch,
  losers: ReadonlySet<string>,
  changes: ReadonlyMap<string, readonly ScoreChange[]>,
  topics: TopicNames,
): OutputBatch {
  const dropIds = new Set<string>();
  for (const contactId of losers) {
    for (const change of changes.get(contactId) ?? []) {
      dropIds.add(change.id);
      for (const crossing of change.thresholdCrossings) dropIds.add(crossing.id);
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
