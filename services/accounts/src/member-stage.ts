import type { KafkaMessage } from 'kafkajs';
import {
  ContractError,
  DeadLetterBuilder,
  toInputMessage,
  type AccountMemberChangeValue,
  type AvroCodec,
  type ContactMergedValue,
  type ScoreChangedValue,
  type TopicNames,
} from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import { CONTACT_UPDATED, DEFAULT_SCORE_ID, parseEvent, type CompiledAccounts, type CompiledGrid } from '@leadscore/engine';
import { addOutput, type CrashPoint, type OutputBatch, type OutputProducer } from '@leadscore/service-kit';
import type { AccountOutputWriter } from './account-output-writer.js';
import type { AccountServiceStore } from './account-stores.js';
import { AccountsError } from './accounts-error.js';
import type { MemberCache } from './member-cache.js';
import type { AccountsMetrics } from './metrics.js';
import {
  accountIdOf,
  applyMemberInput,
  decodeMemberRecord,
  encodeMemberRecord,
  type ForwardedInput,
  type MemberInput,
  type MemberRecord,
} from './member-record.js';
import { commitInRounds } from './outbox-rounds.js';

export interface MemberStageDeps {
  readonly grid: CompiledGrid;
  readonly accounts: CompiledAccounts;
  readonly codec: Pick<AvroCodec, 'encode' | 'decode'>;
  readonly topics: TopicNames;
  readonly store: AccountServiceStore;
  /** The records this process holds (recalled instead of read); see member-cache.ts. */
  readonly cache: MemberCache;
  readonly producer: OutputProducer;
  readonly writer: AccountOutputWriter;
  readonly metrics: AccountsMetrics;
  readonly now: () => number;
  readonly crashPoint?: CrashPoint | undefined;
}

/**
 * The members stage (keyed by contact): reads score-changed, contact-merged and the contacts'
 * `accounts.key` from contact_updated on both input topics, keeps one record per contact
 * (member-record.ts) and sends what each change makes of the contact to its accounts on the
 * account-members topic, keyed by account, through a compare-and-set commit with an outbox
 * (outbox-rounds.ts). A merge, and any input of a merged-away contact, also owes an input to
 * the root's record, committed the same way after the first commit won and was produced.
 *
 * Contact events the scorer cannot score (undecodable, invalid) are skipped here: the scorer
 * dead-letters them, and an event it did not score must not move a contact either, as in
 * replay. An undecodable score-changed or contact-merged is dead-lettered.
 */
export class MemberStage {
  private readonly deadLetters: DeadLetterBuilder;

  constructor(private readonly deps: MemberStageDeps) {
    this.deadLetters = new DeadLetterBuilder(deps.codec, 'accounts');
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const { metrics } = this.deps;
    const now = this.deps.now();
    const inputs = new Map<string, MemberInput[]>();
    const extra: OutputBatch = new Map();
    for (const message of messages) {
      const decoded = await this.decode(topic, partition, message, now, extra);
      if (decoded !== null) addInput(inputs, decoded.contactId, decoded.input);
    }
    // A merge writes two records, usually of other partitions: the merged-away contact's (its
    // LEAVE), then, once that commit won and its outputs are produced, its root's (the key,
    // the held score). A chain of merged-away records is followed one hop per pass.
    let owed = await this.commit(inputs, extra);
    for (let hop = 1; owed.size > 0; hop += 1) {
      if (hop >= MAX_FORWARD_HOPS) {
        throw new AccountsError(ErrorCode.StateConflict, `merged-away members kept pointing on (${MAX_FORWARD_HOPS} hops)`);
      }
      owed = await this.commit(owed, new Map());
    }
    metrics.inputs.inc({ stage: 'members' }, messages.length);
  }

  /** Commits the inputs' records; @returns the inputs they owe other records (from the commits that won). */
  private async commit(
    inputs: ReadonlyMap<string, readonly MemberInput[]>,
    extra: OutputBatch,
  ): Promise<Map<string, MemberInput[]>> {
    const { topics, store, metrics, cache } = this.deps;
    const kindsOf = new Map<string, AccountMemberChangeValue['kind'][]>();
    const forwardsOf = new Map<string, ForwardedInput[]>();
    await commitInRounds([...inputs.keys()], extra, {
      known: (contactId) => {
        const raw = cache.get(contactId);
        if (raw === undefined) return undefined;
        metrics.memberLoads.inc({ source: 'memory' });
        return { raw, outbox: '' };
      },
      read: (ids) => {
        metrics.memberLoads.inc({ source: 'redis' }, ids.length);
        return store.readMembers(ids);
      },
      compute: async (contactId, stored) => {
        let record: MemberRecord = decodeMemberRecord(stored.raw);
        let changed = false;
        const owed = [];
        const kinds: AccountMemberChangeValue['kind'][] = [];
        const forwards: ForwardedInput[] = [];
        for (const input of inputs.get(contactId)!) {
          const step = applyMemberInput(contactId, record, input);
          forwards.push(...step.forwards);
          if (step.record === null) continue;
          record = step.record;
          changed = true;
          for (const change of step.changes) {
            owed.push({ topic: topics.accountMembers, message: await this.deps.writer.memberChange(change) });
            kinds.push(change.kind);
          }
        }
        kindsOf.set(contactId, kinds);
        // what nothing changed here rests on a record that a merge never changes again: owed as read
        forwardsOf.set(contactId, forwards);
        return changed ? { value: encodeMemberRecord(record), owed } : null;
      },
      commit: (commits) => store.commitMembers(commits),
      committed: (contactId, won) => {
        if (won) for (const kind of kindsOf.get(contactId) ?? []) metrics.memberChanges.inc({ kind });
        else {
          forwardsOf.delete(contactId); // recomputed from what is read again
          cache.delete(contactId);
        }
      },
      settled: (contactId, raw) => cache.set(contactId, raw),
      clear: (produced) => store.clearOutboxes('members', produced),
      onClearFailed: () => metrics.outboxClearFailures.inc({ stage: 'members' }),
      producer: this.deps.producer,
      onConflicts: (count) => metrics.stateConflicts.inc({ stage: 'members' }, count),
      crashPoint: this.deps.crashPoint,
    });
    const next = new Map<string, MemberInput[]>();
    for (const forwards of forwardsOf.values()) for (const { contactId, input } of forwards) addInput(next, contactId, input);
    return next;
  }

  private async decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    now: number,
    extra: OutputBatch,
  ): Promise<{ contactId: string; input: MemberInput } | null> {
    const { codec, topics, accounts, grid, metrics } = this.deps;
    const source = () => toInputMessage(topic, partition, message);
    if (topic === topics.scoreChanged) {
      const value = await this.decodeOrDeadLetter<ScoreChangedValue>('scoreChanged', source, message, now, extra);
      if (value === null) return null;
      // a grid with several scores: only the score `accounts.from` names rolls up (docs/accounts.md)
      if ((value.scoreId ?? DEFAULT_SCORE_ID) !== accounts.from) {
        metrics.skipped.inc({ reason: 'other-score' });
        return null;
      }
      const mergeEventId = value.cause.kind === 'MERGE' ? value.cause.eventId : null;
      return {
        contactId: value.contactId,
        input: { kind: 'score', scoreChangeId: value.id, sequence: value.sequence, score: value.score, mergeEventId },
      };
    }
    if (topic === topics.contactMerged) {
      const value = await this.decodeOrDeadLetter<ContactMergedValue>('contactMerged', source, message, now, extra);
      if (value === null) return null;
      if (value.mergedInto === value.contactId) {
        // never from the scorer (a root is never merged into itself); a record sent on to itself would loop
        const deadLetter = await this.deadLetters.build(source(), ErrorCode.InvalidEvent, 'mergedInto: equals contactId', now);
        addOutput(extra, topics.deadLetters, deadLetter);
        metrics.deadLettered.inc({ stage: 'members' });
        return null;
      }
      return { contactId: value.contactId, input: { kind: 'merged', into: value.mergedInto, mergeEventId: value.mergeEventId } };
    }
    let raw: Record<string, unknown>;
    try {
      raw =
        topic === topics.contactUpdates
          ? { ...(await codec.decode<Record<string, unknown>>('contactUpdates', message.value ?? null)), type: CONTACT_UPDATED }
          : await codec.decode<Record<string, unknown>>('behaviouralEvents', message.value ?? null);
    } catch (error) {
      if (!isDecodeFailure(error)) throw error;
      metrics.skipped.inc({ reason: 'undecodable' });
      return null;
    }
    if (raw['type'] !== grid.contactUpdateType) return null;
    const properties = raw['properties'];
    if (typeof properties !== 'object' || properties === null || !Object.hasOwn(properties, accounts.key)) return null;
    const parsed = parseEvent(raw, now);
    if (!parsed.ok) {
      metrics.skipped.inc({ reason: 'invalid' });
      return null;
    }
    const event = parsed.event;
    return {
      contactId: event.contactId,
      input: {
        kind: 'key',
        eventId: event.eventId,
        occurredAt: event.occurredAt,
        accountId: accountIdOf(event.properties[accounts.key]),
      },
    };
  }

  /** A scorer output decoded; an undecodable one is dead-lettered (null). */
  private async decodeOrDeadLetter<T>(
    kind: 'scoreChanged' | 'contactMerged',
    source: () => ReturnType<typeof toInputMessage>,
    message: KafkaMessage,
    now: number,
    extra: OutputBatch,
  ): Promise<T | null> {
    try {
      return await this.deps.codec.decode<T>(kind, message.value ?? null);
    } catch (error) {
      if (!isDecodeFailure(error)) throw error;
      addOutput(extra, this.deps.topics.deadLetters, await this.deadLetters.ofDecodeFailure(source(), error, now));
      this.deps.metrics.deadLettered.inc({ stage: 'members' });
      return null;
    }
  }
}

/** Hops of a chain of merged-away records one chunk follows (a person's ids are merged a handful of times). */
const MAX_FORWARD_HOPS = 16;

function addInput(inputs: Map<string, MemberInput[]>, contactId: string, input: MemberInput): void {
  const list = inputs.get(contactId);
  if (list) list.push(input);
  else inputs.set(contactId, [input]);
}

/** A decode failure of the message itself (dead letter or skip); anything else (the registry down) is retried. */
export function isDecodeFailure(error: unknown): error is ContractError {
  return error instanceof ContractError && (error.code === ErrorCode.Undecodable || error.code === ErrorCode.UnknownSchema);
}
