import { ErrorCode } from '@leadscore/errors';
import {
  addOutput,
  decodeOutbox,
  encodeOutbox,
  type CrashPoint,
  type OutputBatch,
  type OutputProducer,
  type OwedOutput,
} from '@leadscore/service-kit';
import { AccountsError } from './accounts-error.js';
import type { StoredValue, ValueCommit } from './account-stores.js';

/** What one key's inputs computed: its new value, the outputs it owes, the hash fields (accounts). */
export interface Computed {
  readonly value: string;
  readonly owed: readonly OwedOutput[];
  readonly fields?: readonly string[];
}

export interface RoundsOptions<S extends StoredValue> {
  readonly read: (ids: readonly string[]) => Promise<Map<string, S>>;
  /**
   * The value memory holds for a key, not read (first round only): one this process committed or
   * read, with its outbox produced, in a chunk that completed (its outbox counts as empty). It
   * may be stale: its commit then loses the compare-and-set and the key is read again; and a
   * known value that changes nothing is read again too, since only a commit proves it current.
   */
  readonly known?: (id: string) => S | undefined;
  /** Called per key with what was read (again after a lost compare-and-set); null: nothing to commit. */
  readonly compute: (id: string, stored: S) => Promise<Computed | null>;
  readonly commit: (commits: readonly ValueCommit[]) => Promise<Set<string>>;
  readonly clear: (produced: ReadonlyMap<string, string>) => Promise<void>;
  /** After the commit: whether the key's commit won (its value is now the stored one). */
  readonly committed?: (id: string, won: boolean, value: string) => void;
  /** After the round's outputs were acknowledged: the key's stored value as this round left it (won, or read and unchanged). */
  readonly settled?: (id: string, value: string) => void;
  /** A deferred outbox clear failed: the outbox stays, and a later reader produces it again (same ids). */
  readonly onClearFailed?: (error: unknown) => void;
  readonly producer: OutputProducer;
  readonly onConflicts?: (count: number) => void;
  readonly crashPoint?: CrashPoint | undefined;
}

/** How often a key's commit may lose a compare-and-set race before the chunk is retried. */
const MAX_CONFLICT_ROUNDS = 5;

/**
 * Read → compute → compare-and-set commit with an outbox → produce → clear the outboxes, for a
 * set of keys: the scorer's protocol (docs/streaming.md), for a members-stage record or an
 * account. A crash before the commit leaves nothing; after it, the outbox, which the next writer
 * of the key (the redelivery of the same chunk) produces first, ids unchanged; a lost
 * compare-and-set re-reads and recomputes, and nothing it computed is produced. `extra` outputs
 * (dead letters) go with the first round.
 *
 * In steady state a key costs one Redis round trip per chunk: its value is recalled from memory
 * (`known`) instead of read, the compare-and-set proves it current, and the outbox clear is not
 * waited for (docs/streaming.md, "The account service").
 */
export async function commitInRounds<S extends StoredValue>(
  ids: readonly string[],
  extra: OutputBatch,
  options: RoundsOptions<S>,
): Promise<void> {
  let pending = ids;
  let outputs = extra;
  for (let round = 0; pending.length > 0 || outputs.size > 0; round += 1) {
    const stored = await readOrRecall(pending, round === 0 ? options.known : undefined, options.read);
    const commits: ValueCommit[] = [];
    const owedBy = new Map<string, readonly OwedOutput[]>();
    const produced = new Map<string, string>();
    const unchanged = new Map<string, string>();
    const recheck: string[] = [];
    for (const id of pending) {
      const current = stored.values.get(id)!;
      // outputs a crashed writer committed but maybe never produced: produce them now
      const stillOwed = decodeOutbox(current.outbox);
      for (const o of stillOwed) addOutput(outputs, o.topic, o.message);
      if (current.outbox !== '') produced.set(id, current.outbox);
      const computed = await options.compute(id, current);
      if (computed === null) {
        if (stored.recalled.has(id)) recheck.push(id);
        else unchanged.set(id, current.raw);
        continue;
      }
      // the commit replaces the outbox: the new one keeps what is still owed
      const outbox = encodeOutbox([...stillOwed, ...computed.owed]);
      commits.push({
        id,
        expected: current.raw,
        value: computed.value,
        outbox,
        ...(computed.fields ? { fields: computed.fields } : {}),
      });
      owedBy.set(id, computed.owed);
    }
    const conflicts = commits.length === 0 ? new Set<string>() : await options.commit(commits);
    for (const c of commits) {
      const won = !conflicts.has(c.id);
      options.committed?.(c.id, won, c.value);
      if (!won) continue;
      for (const o of owedBy.get(c.id) ?? []) addOutput(outputs, o.topic, o.message);
      if (c.outbox !== '') produced.set(c.id, c.outbox);
    }
    // Fault injection fires only where this round did something: a redelivered chunk that
    // changes nothing does not roll again, so a restart can always get through its backlog.
    if (commits.length > 0) options.crashPoint?.('after-state-commit');
    await options.producer.send(outputs);
    if (outputs.size > 0) options.crashPoint?.('after-produce');
    if (options.settled) {
      for (const c of commits) if (!conflicts.has(c.id)) options.settled(c.id, c.value);
      for (const [id, raw] of unchanged) options.settled(id, raw);
    }
    // not awaited: a produced outbox only costs a duplicate (same ids) if it outlives a crash, and
    // the connection runs the clear before any later command of the next round or chunk
    if (produced.size > 0) options.clear(produced).catch((error: unknown) => options.onClearFailed?.(error));
    if (conflicts.size > 0) {
      options.onConflicts?.(conflicts.size);
      if (round + 1 >= MAX_CONFLICT_ROUNDS) {
        throw new AccountsError(ErrorCode.StateConflict, `states kept changing under ${conflicts.size} commits`);
      }
    }
    pending = [...conflicts, ...recheck];
    outputs = new Map();
  }
}

/** The round's values: recalled from memory where `known` holds one (outbox empty), the rest read. */
async function readOrRecall<S extends StoredValue>(
  ids: readonly string[],
  known: ((id: string) => S | undefined) | undefined,
  read: (ids: readonly string[]) => Promise<Map<string, S>>,
): Promise<{ values: Map<string, S>; recalled: ReadonlySet<string> }> {
  const recalled = new Set<string>();
  if (known === undefined) return { values: ids.length === 0 ? new Map() : await read(ids), recalled };
  const values = new Map<string, S>();
  const toRead: string[] = [];
  for (const id of ids) {
    const value = known(id);
    if (value === undefined) toRead.push(id);
    else {
      values.set(id, value);
      recalled.add(id);
    }
  }
  if (toRead.length > 0) for (const [id, value] of await read(toRead)) values.set(id, value);
  return { values, recalled };
}
