import type { KafkaMessage } from 'kafkajs';
import {
  ContractError,
  DeadLetterBuilder,
  toInputMessage,
  type AccountMemberChangeValue,
  type AvroCodec,
  type ScoreChangedValue,
  type TopicNames,
} from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import { CONTACT_UPDATED, parseEvent, type CompiledAccounts, type CompiledGrid } from '@leadscore/engine';
import { addOutput, type CrashPoint, type OutputBatch, type OutputProducer } from '@leadscore/service-kit';
import type { AccountOutputWriter } from './account-output-writer.js';
import type { AccountServiceStore } from './account-stores.js';
import type { AccountsMetrics } from './metrics.js';
import {
  accountIdOf,
  applyMemberInput,
  decodeMemberRecord,
  encodeMemberRecord,
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
  readonly producer: OutputProducer;
  readonly writer: AccountOutputWriter;
  readonly metrics: AccountsMetrics;
  readonly now: () => number;
  readonly crashPoint?: CrashPoint | undefined;
}

/**
 * The members stage (keyed by contact): reads score-changed and the contacts' `accounts.key`
 * from contact_updated on both input topics, keeps one record per contact (member-record.ts)
 * and sends what each change makes of the contact to its accounts on the account-members topic,
 * keyed by account, through a compare-and-set commit with an outbox (outbox-rounds.ts).
 *
 * Contact events the scorer cannot score (undecodable, invalid) are skipped here: the scorer
 * dead-letters them, and an event it did not score must not move a contact either, as in
 * replay. An undecodable score-changed is dead-lettered.
 */
export class MemberStage {
  private readonly deadLetters: DeadLetterBuilder;

  constructor(private readonly deps: MemberStageDeps) {
    this.deadLetters = new DeadLetterBuilder(deps.codec, 'accounts');
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const { topics, store, metrics } = this.deps;
    const now = this.deps.now();
    const inputs = new Map<string, MemberInput[]>();
    const extra: OutputBatch = new Map();
    for (const message of messages) {
      const decoded = await this.decode(topic, partition, message, now, extra);
      if (decoded === null) continue;
      const list = inputs.get(decoded.contactId);
      if (list) list.push(decoded.input);
      else inputs.set(decoded.contactId, [decoded.input]);
    }
    const kindsOf = new Map<string, AccountMemberChangeValue['kind'][]>();
    await commitInRounds([...inputs.keys()], extra, {
      read: (ids) => store.readMembers(ids),
      compute: async (contactId, stored) => {
        let record: MemberRecord = decodeMemberRecord(stored.raw);
        let changed = false;
        const owed = [];
        const kinds: AccountMemberChangeValue['kind'][] = [];
        for (const input of inputs.get(contactId)!) {
          const step = applyMemberInput(contactId, record, input);
          if (step.record === null) continue;
          record = step.record;
          changed = true;
          for (const change of step.changes) {
            owed.push({ topic: topics.accountMembers, message: await this.deps.writer.memberChange(change) });
            kinds.push(change.kind);
          }
        }
        kindsOf.set(contactId, kinds);
        return changed ? { value: encodeMemberRecord(record), owed } : null;
      },
      commit: (commits) => store.commitMembers(commits),
      committed: (contactId, won) => {
        if (won) for (const kind of kindsOf.get(contactId) ?? []) metrics.memberChanges.inc({ kind });
      },
      clear: (produced) => store.clearOutboxes('members', produced),
      producer: this.deps.producer,
      onConflicts: (count) => metrics.stateConflicts.inc({ stage: 'members' }, count),
      crashPoint: this.deps.crashPoint,
    });
    metrics.inputs.inc({ stage: 'members' }, messages.length);
  }

  private async decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    now: number,
    extra: OutputBatch,
  ): Promise<{ contactId: string; input: MemberInput } | null> {
    const { codec, topics, accounts, grid, metrics } = this.deps;
    if (topic === topics.scoreChanged) {
      let value: ScoreChangedValue;
      try {
        value = await codec.decode<ScoreChangedValue>('scoreChanged', message.value ?? null);
      } catch (error) {
        if (!isDecodeFailure(error)) throw error;
        addOutput(
          extra,
          topics.deadLetters,
          await this.deadLetters.ofDecodeFailure(toInputMessage(topic, partition, message), error, now),
        );
        metrics.deadLettered.inc({ stage: 'members' });
        return null;
      }
      return {
        contactId: value.contactId,
        input: { kind: 'score', scoreChangeId: value.id, sequence: value.sequence, score: value.score },
      };
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
}

/** A decode failure of the message itself (dead letter or skip); anything else (the registry down) is retried. */
export function isDecodeFailure(error: unknown): error is ContractError {
  return error instanceof ContractError && (error.code === ErrorCode.Undecodable || error.code === ErrorCode.UnknownSchema);
}
