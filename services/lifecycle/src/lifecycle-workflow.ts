import type { KafkaMessage, Message } from 'kafkajs';
import {
  DeadLetterBuilder,
  toInputMessage,
  type AvroCodec,
  type AccountThresholdCrossedValue,
  type LifecycleStage,
  type LifecycleStageChangedValue,
  type ThresholdCrossedValue,
  type TopicBatch,
  type TopicNames,
} from '@leadscore/contracts';
import { ErrorCode, isRetriable } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';
import type { AccountCrossingInput, AccountCrossingOutcome, CrossingInput, CrossingOutcome } from './stage-store.js';

/** The part of the stage store the workflow uses (StageStore in production): atomic and idempotent by crossing id. */
export interface CrossingStore {
  applyCrossings(crossings: readonly CrossingInput[], target: LifecycleStage, now: number): Promise<CrossingOutcome[]>;
  applyAccountCrossings(
    crossings: readonly AccountCrossingInput[],
    target: LifecycleStage,
    now: number,
  ): Promise<AccountCrossingOutcome[]>;
}

/** Produces topic batches, resolving once all are acknowledged (PartitionedSender in production). */
export interface StageChangeSender {
  sendBatch(batches: readonly TopicBatch[]): Promise<void>;
}

/** The metrics the workflow counts (a subset of LifecycleMetrics). */
export interface WorkflowMetrics {
  readonly crossings: { inc(labels: { direction: string; outcome: string }): void };
  readonly accountCrossings: { inc(labels: { direction: string; outcome: string }): void };
  readonly stageChanges: { inc(labels: { to: string }): void };
  readonly deadLettered: { inc(value?: number): void };
}

export interface LifecycleWorkflowOptions {
  readonly codec: Pick<AvroCodec, 'encode' | 'decode'>;
  /** one produce call per partition: see PartitionedSender */
  readonly sender: StageChangeSender;
  readonly topics: TopicNames;
  readonly store: CrossingStore;
  readonly metrics: WorkflowMetrics;
  /** The threshold whose crossings move contacts (MQL)… */
  readonly threshold: string;
  /** …of this score (threshold-crossed's scoreId: `score` for a grid of one score, `matrix` for the grade matrix). */
  readonly scoreId?: string;
  /** The stage an up-crossing moves a contact to. */
  readonly target: LifecycleStage;
  /** The account threshold whose crossings move accounts (MQA); account-threshold-crossed is not consumed without it. */
  readonly accountThreshold?: string;
  readonly now: () => number;
}

/**
 * Handles a chunk of threshold-crossed messages: applies them to the stages in Redis (one
 * atomic script per crossing, idempotent by crossing id), then produces the stage changes —
 * and, for a redelivered crossing that had moved the contact, the same change again (same id,
 * same value) since its first produce may not have happened. Resolves only once produced:
 * the caller resolves the offsets after that.
 */
export class LifecycleWorkflow {
  private readonly deadLetters: DeadLetterBuilder;

  constructor(private readonly options: LifecycleWorkflowOptions) {
    this.deadLetters = new DeadLetterBuilder(options.codec, 'lifecycle');
  }

  async handle(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    if (topic === this.options.topics.accountThresholdCrossed) return this.handleAccounts(topic, partition, messages);
    const { codec, store, metrics, threshold, target, topics } = this.options;
    const now = this.options.now();
    const crossings: CrossingInput[] = [];
    const deadLetters: Message[] = [];
    for (const message of messages) {
      let value: ThresholdCrossedValue;
      try {
        value = await codec.decode<ThresholdCrossedValue>('thresholdCrossed', message.value ?? null);
      } catch (error) {
        if (isRetriable(error)) throw error;
        deadLetters.push(await this.deadLetters.ofDecodeFailure(toInputMessage(topic, partition, message), error, now));
        continue;
      }
      // other thresholds, and the thresholds of other scores, do not drive the lifecycle
      if (value.threshold !== threshold || (value.scoreId ?? 'score') !== (this.options.scoreId ?? 'score')) continue;
      crossings.push({
        contactId: value.contactId,
        crossingId: value.id,
        threshold: value.threshold,
        direction: value.direction,
        score: value.score,
      });
    }

    const outcomes = await store.applyCrossings(crossings, target, now);
    const changes: Message[] = [];
    for (const { contactId, firstTime, entry } of outcomes) {
      metrics.crossings.inc({ direction: entry.direction, outcome: firstTime ? entry.outcome : 'redelivered' });
      if (entry.outcome !== 'moved' || entry.to === undefined || entry.changeId === undefined) continue;
      const change: LifecycleStageChangedValue = {
        id: entry.changeId,
        contactId,
        from: entry.from,
        to: entry.to,
        reason: entry.reason ?? `threshold ${entry.threshold} crossed up`,
        causeId: entry.crossingId,
        changedAt: entry.recordedAt,
      };
      changes.push({
        key: contactId,
        value: await codec.encode('lifecycleStageChanged', change),
        headers: { 'x-change-id': change.id },
      });
      metrics.stageChanges.inc({ to: entry.to });
    }

    await this.send([
      { topic: topics.lifecycleStageChanged, messages: changes },
      { topic: topics.deadLetters, messages: deadLetters },
    ]);
    metrics.deadLettered.inc(deadLetters.length);
  }

  /**
   * Handles a chunk of account-threshold-crossed messages: the same forward-only, idempotent
   * move on the account's own stage keys. No event is produced for an account's move (there is
   * no account stage-changed contract yet): the stage is read from Redis.
   */
  private async handleAccounts(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const { codec, store, metrics, accountThreshold, target, topics } = this.options;
    const now = this.options.now();
    const crossings: AccountCrossingInput[] = [];
    const deadLetters: Message[] = [];
    for (const message of messages) {
      let value: AccountThresholdCrossedValue;
      try {
        value = await codec.decode<AccountThresholdCrossedValue>('accountThresholdCrossed', message.value ?? null);
      } catch (error) {
        if (isRetriable(error)) throw error;
        deadLetters.push(await this.deadLetters.ofDecodeFailure(toInputMessage(topic, partition, message), error, now));
        continue;
      }
      if (value.threshold !== accountThreshold) continue; // other account thresholds do not drive the stage
      crossings.push({
        accountId: value.accountId,
        crossingId: value.id,
        threshold: value.threshold,
        direction: value.direction,
        score: value.score,
      });
    }
    const outcomes = await store.applyAccountCrossings(crossings, target, now);
    for (const { firstTime, entry } of outcomes) {
      metrics.accountCrossings.inc({ direction: entry.direction, outcome: firstTime ? entry.outcome : 'redelivered' });
    }
    await this.send([{ topic: topics.deadLetters, messages: deadLetters }]);
    metrics.deadLettered.inc(deadLetters.length);
  }

  private async send(batches: readonly TopicBatch[]): Promise<void> {
    const topicMessages = batches.filter((t) => t.messages.length > 0);
    if (topicMessages.length === 0) return;
    try {
      await this.options.sender.sendBatch(topicMessages);
    } catch (error) {
      throw new ServiceError(ErrorCode.PublishFailed, `producing stage changes failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
