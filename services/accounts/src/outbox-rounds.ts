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
  /** Called per key with what was read (again after a lost compare-and-set); null: nothing to commit. */
  readonly compute: (id: string, stored: S) => Promise<Computed | null>;
  readonly commit: (commits: readonly ValueCommit[]) => Promise<Set<string>>;
  readonly clear: (produced: ReadonlyMap<string, string>) => Promise<void>;
  /** After the commit: whether the key's commit won (its value is now the stored one). */
  readonly committed?: (id: string, won: boolean, value: string) => void;
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
 */
export async function commitInRounds<S extends StoredValue>(
  ids: readonly string[],
  extra: OutputBatch,
  options: RoundsOptions<S>,
): Promise<void> {
  let pending = ids;
  let outputs = extra;
  for (let round = 0; pending.length > 0 || outputs.size > 0; round += 1) {
    const stored = await options.read(pending);
    const commits: ValueCommit[] = [];
    const owedBy = new Map<string, readonly OwedOutput[]>();
    const produced = new Map<string, string>();
    for (const id of pending) {
      const current = stored.get(id)!;
      // outputs a crashed writer committed but maybe never produced: produce them now
      const stillOwed = decodeOutbox(current.outbox);
      for (const o of stillOwed) addOutput(outputs, o.topic, o.message);
      if (current.outbox !== '') produced.set(id, current.outbox);
      const computed = await options.compute(id, current);
      if (computed === null) continue;
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
    options.crashPoint?.('after-state-commit');
    await options.producer.send(outputs);
    options.crashPoint?.('after-produce');
    await options.clear(produced);
    if (conflicts.size === 0) return;
    options.onConflicts?.(conflicts.size);
    if (round + 1 >= MAX_CONFLICT_ROUNDS) {
      throw new AccountsError(ErrorCode.StateConflict, `states kept changing under ${conflicts.size} commits`);
    }
    pending = [...conflicts];
    outputs = new Map();
  }
}
