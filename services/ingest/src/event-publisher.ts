import { behaviouralMessages, type AvroCodec, type PartitionedSender, type TopicNames } from '@leadscore/contracts';
import type { LeadEvent } from '@leadscore/engine';

/** Publishes validated events; resolves only once the broker acknowledged every one of them. */
export interface EventPublisher {
  publish(events: readonly LeadEvent[], source: string): Promise<void>;
}

/**
 * kafkajs implementation: Avro (Confluent wire format) keyed by contactId, every event —
 * `contact_updated` included — to `<prefix>.behavioural-events`, so a contact's updates and
 * behaviour keep the order they arrived in (docs/streaming.md, "Arrival order"); one batch per
 * request, one produce call per partition (PartitionedSender: kafkajs' sendBatch can drop
 * partitions whose leader died mid-send), acks from all in-sync replicas, idempotent producer.
 */
export class KafkaEventPublisher implements EventPublisher {
  constructor(
    private readonly sender: PartitionedSender,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(events: readonly LeadEvent[], source: string): Promise<void> {
    if (events.length === 0) return;
    await this.sender.sendBatch(await behaviouralMessages(this.codec, this.topics, events, source));
  }
}
