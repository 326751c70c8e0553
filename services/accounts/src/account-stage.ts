import type { KafkaMessage } from 'kafkajs';
import {
  DeadLetterBuilder,
  toInputMessage,
  type AccountMemberChangeValue,
  type AccountUpdatedValue,
  type AvroCodec,
  type TopicNames,
} from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import {
  decodeAccount,
  encodeAccountHeader,
  parseAccountEvent,
  type AccountScoreChange,
  type CompiledAccounts,
  type CompiledGrid,
  type StoredAccount,
} from '@leadscore/engine';
import { addOutput, type CrashPoint, type OutputBatch, type OutputProducer, type OwedOutput } from '@leadscore/service-kit';
import { applyAccountInput, type AccountInput } from './account-applier.js';
import type { AccountCache } from './account-cache.js';
import type { AccountOutputWriter } from './account-output-writer.js';
import type { AccountServiceStore, StoredValue } from './account-stores.js';
import type { AccountsMetrics } from './metrics.js';
import { isDecodeFailure } from './member-stage.js';
import { commitInRounds } from './outbox-rounds.js';

export interface AccountStageDeps {
  readonly grid: CompiledGrid;
  readonly accounts: CompiledAccounts;
  readonly codec: Pick<AvroCodec, 'encode' | 'decode'>;
  readonly topics: TopicNames;
  readonly store: AccountServiceStore;
  readonly cache: AccountCache;
  readonly producer: OutputProducer;
  readonly writer: AccountOutputWriter;
  readonly metrics: AccountsMetrics;
  readonly now: () => number;
  readonly crashPoint?: CrashPoint | undefined;
}

interface ReadAccount extends StoredValue {
  readonly account: StoredAccount;
}

/**
 * The accounts stage (keyed by account): applies the member changes of the account-members
 * topic (account-applier.ts: per member the last member sequence applied) and the
 * account_updated events of `<prefix>.account-updates` to the accounts, and produces
 * account-score-changed / account-threshold-crossed through the same compare-and-set with an
 * outbox as the members stage. A bad account_updated (undecodable, no accountId, a malformed
 * field) is dead-lettered with the reason and the field paths; it never stops the stream.
 *
 * An account is read whole (its members hash) only when this process does not hold the version
 * Redis has (first met, or another instance wrote it since): then each change costs its header
 * and its changed member fields, whatever the account's size. An account held in memory is not
 * read at all: its commit's compare-and-set on the header proves it current (outbox-rounds.ts).
 */
export class AccountStage {
  private readonly deadLetters: DeadLetterBuilder;

  constructor(private readonly deps: AccountStageDeps) {
    this.deadLetters = new DeadLetterBuilder(deps.codec, 'accounts');
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const { store, metrics, cache, grid, writer, topics } = this.deps;
    const now = this.deps.now();
    const inputs = new Map<string, AccountInput[]>();
    const extra: OutputBatch = new Map();
    for (const message of messages) {
      const decoded = await this.decode(topic, partition, message, now, extra);
      if (decoded === null) continue;
      const list = inputs.get(decoded.accountId);
      if (list) list.push(decoded.input);
      else inputs.set(decoded.accountId, [decoded.input]);
    }
    const outputsOf = new Map<string, AccountScoreChange[]>();
    await commitInRounds<ReadAccount>([...inputs.keys()], extra, {
      known: (accountId) => {
        const held = cache.recall(accountId);
        if (held === undefined) return undefined;
        metrics.accountLoads.inc({ source: 'memory' });
        return { raw: held.header, outbox: '', account: held.account };
      },
      read: (ids) => this.read(ids),
      compute: async (accountId, { account }) => {
        let changed = false;
        const fields: string[] = [];
        const owed: OwedOutput[] = [];
        const outputs: AccountScoreChange[] = [];
        outputsOf.set(accountId, outputs);
        for (const input of inputs.get(accountId)!) {
          const step = applyAccountInput(grid, account, input, now);
          if (step.memberField !== null) fields.push(...step.memberField);
          const evaluation = step.evaluation;
          if (evaluation === null) {
            metrics.memberChangesSkipped.inc();
            continue;
          }
          if (evaluation.duplicate) metrics.accountEventDuplicates.inc();
          if (evaluation.stateChanged || step.memberField !== null) changed = true;
          if (evaluation.output === null) continue;
          const { changed: message, crossed } = await writer.outputs(evaluation.output);
          owed.push({ topic: topics.accountScoreChanged, message });
          for (const m of crossed) owed.push({ topic: topics.accountThresholdCrossed, message: m });
          outputs.push(evaluation.output);
        }
        if (!changed) {
          cache.put(accountId); // unchanged: still the version Redis holds
          return null;
        }
        return { value: encodeAccountHeader(account.state, account.version + 1), owed, fields };
      },
      commit: (commits) => store.commitAccounts(commits),
      committed: (accountId, won, value) => {
        // a lost commit leaves the in-memory account changed by what was not committed: drop it
        if (!won) {
          cache.drop(accountId);
          return;
        }
        cache.committed(accountId, value);
        for (const output of outputsOf.get(accountId) ?? []) {
          metrics.accountScoreChanges.inc({ cause: output.cause.kind });
          for (const x of output.thresholdCrossings) {
            metrics.accountThresholdCrossings.inc({ threshold: x.threshold, direction: x.direction });
          }
        }
      },
      clear: (produced) => store.clearOutboxes('accounts', produced),
      onClearFailed: () => metrics.outboxClearFailures.inc({ stage: 'accounts' }),
      producer: this.deps.producer,
      onConflicts: (count) => metrics.stateConflicts.inc({ stage: 'accounts' }, count),
      crashPoint: this.deps.crashPoint,
    }).catch((error: unknown) => {
      // what memory holds for these accounts is unknown now (a lost reply may hide a commit)
      for (const accountId of inputs.keys()) cache.drop(accountId);
      throw error;
    });
    metrics.inputs.inc({ stage: 'accounts' }, messages.length);
  }

  /** The accounts' headers and outboxes; each account from memory when it holds that header, else read whole. */
  private async read(accountIds: readonly string[]): Promise<Map<string, ReadAccount>> {
    const { store, cache, accounts, metrics } = this.deps;
    const headers = await store.readAccountHeaders(accountIds);
    const out = new Map<string, ReadAccount>();
    const missing: string[] = [];
    for (const id of accountIds) {
      const header = headers.get(id)!;
      // taken out of the cache while it is being changed: put back only once committed
      const held = cache.take(id, header.raw);
      if (held !== undefined) out.set(id, { ...header, account: held });
      else if (header.raw === '') out.set(id, { ...header, account: decodeAccount(id, accounts, '', {}) });
      else missing.push(id);
    }
    for (const [id, { raw, account }] of out) cache.hold(id, account, raw);
    metrics.accountLoads.inc({ source: 'memory' }, out.size);
    if (missing.length === 0) return out;
    metrics.accountLoads.inc({ source: 'redis' }, missing.length);
    const members = await store.readAccountMembers(missing);
    for (const id of missing) {
      const header = headers.get(id)!;
      const account = decodeAccount(id, accounts, header.raw, members.get(id) ?? {});
      cache.hold(id, account, header.raw);
      out.set(id, { ...header, account });
    }
    return out;
  }

  private async decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    now: number,
    extra: OutputBatch,
  ): Promise<{ accountId: string; input: AccountInput } | null> {
    const { codec, topics, metrics } = this.deps;
    const source = () => toInputMessage(topic, partition, message);
    const deadLetter = async (build: Promise<Awaited<ReturnType<DeadLetterBuilder['build']>>>) => {
      addOutput(extra, topics.deadLetters, await build);
      metrics.deadLettered.inc({ stage: 'accounts' });
      return null;
    };
    if (topic === topics.accountMembers) {
      try {
        const change = await codec.decode<AccountMemberChangeValue>('accountMembers', message.value ?? null);
        return { accountId: change.accountId, input: { kind: 'member', change } };
      } catch (error) {
        if (!isDecodeFailure(error)) throw error;
        return deadLetter(this.deadLetters.ofDecodeFailure(source(), error, now));
      }
    }
    let value: AccountUpdatedValue;
    try {
      value = await codec.decode<AccountUpdatedValue>('accountUpdates', message.value ?? null);
    } catch (error) {
      if (!isDecodeFailure(error)) throw error;
      return deadLetter(this.deadLetters.ofDecodeFailure(source(), error, now));
    }
    const parsed = parseAccountEvent(value, now);
    if (!parsed.ok) {
      const detail = parsed.errors.map((e) => `${e.path || '(event)'}: ${e.message}`).join('; ');
      return deadLetter(this.deadLetters.build(source(), ErrorCode.InvalidEvent, detail, now));
    }
    return { accountId: parsed.event.accountId, input: { kind: 'account-event', event: parsed.event } };
  }
}
