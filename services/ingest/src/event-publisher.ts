import {
  behaviouralMessages,
  type AvroCodec,
  type DeadLetterBuilder,
  type PartitionedSender,
  type TopicBatch,
  type TopicNames,
} from '@leadscore/contracts';
import type { LeadEvent } from '@leadscore/engine';
import { refusedItemMessage, refusedReason, type RefusedItem } from './refused-item.js';

/** Where refused items of a request go: the route they came in on and the request's id. */
export interface RefusedOrigin {
  readonly route: string;
  readonly requestId: string;
  /** Epoch ms, the dead letters' failedAt. */
  readonly now: number;
}

/** Publishes validated events; resolves only once the broker acknowledged every one of them. */
export interface EventPublisher {
  /**
   * `refused`: items of the same request to dead-letter (the Segment door), produced with the
   * events and acknowledged with them.
   */
  publish(
    events: readonly LeadEvent[],
    source: string,
    refused?: { readonly items: readonly RefusedItem[]; readonly origin: RefusedOrigin },
  ): Promise<void>;
}

/**
 * kafkajs implementation: Avro (Confluent wire format) keyed by contactId, every event —
 * `contact_updated` and `contact_merged` included — to `<prefix>.behavioural-events`, so a
 * contact's updates and behaviour keep the order they arrived in (docs/streaming.md, "Arrival
 * order"); refused items to `<prefix>.dead-letters` through the one dead-letter builder; one
 * batch per request, one produce call per partition (PartitionedSender: kafkajs' sendBatch can
 * drop partitions whose leader died mid-send), acks from all in-sync replicas, idempotent producer.
 */
export class KafkaEventPublisher implements EventPublisher {
  constructor(
    private readonly sender: PartitionedSender,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly deadLetters: DeadLetterBuilder,
  ) {}

  async publish(
    events: readonly LeadEvent[],
    source: string,
    refused?: { readonly items: readonly RefusedItem[]; readonly origin: RefusedOrigin },
  ): Promise<void> {
    const batches: TopicBatch[] = await behaviouralMessages(this.codec, this.topics, events, source);
    if (refused !== undefined && refused.items.length > 0) {
      const { route, requestId, now } = refused.origin;
      const messages = [];
      for (const item of refused.items) {
        const { reason, message } = refusedReason(item);
        messages.push(await this.deadLetters.build(refusedItemMessage(item, route, requestId, now), reason, message, now));
      }
      batches.push({ topic: this.topics.deadLetters, messages });
    }
    if (batches.length === 0) return;
    await this.sender.sendBatch(batches);
  }
}
