import type { AvroCodec, BehaviouralEventValue, ContactUpdatedValue, PartitionedSender, TopicNames } from '@leadscore/contracts';
import { CONTACT_UPDATED, type LeadEvent } from '@leadscore/engine';

/** Publishes validated events; resolves only once the broker acknowledged every one of them. */
export interface EventPublisher {
  publish(events: readonly LeadEvent[], source: string): Promise<void>;
}

/**
 * kafkajs implementation: Avro (Confluent wire format) keyed by contactId, behavioural events
 * to `<prefix>.behavioural-events` and contact_updated to `<prefix>.contact-updates`; one
 * batch per request, one produce call per partition (PartitionedSender: kafkajs' sendBatch can
 * drop partitions whose leader died mid-send), acks from all in-sync replicas, idempotent producer.
 */
export class KafkaEventPublisher implements EventPublisher {
  constructor(
    private readonly sender: PartitionedSender,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(events: readonly LeadEvent[], source: string): Promise<void> {
    if (events.length === 0) return;
    const behavioural: { key: string; value: Buffer }[] = [];
    const updates: { key: string; value: Buffer }[] = [];
    for (const e of events) {
      if (e.type === CONTACT_UPDATED) {
        const value: ContactUpdatedValue = {
          eventId: e.eventId,
          contactId: e.contactId,
          occurredAt: e.occurredAt,
          properties: { ...e.properties },
          source,
        };
        updates.push({ key: e.contactId, value: await this.codec.encode('contactUpdates', value) });
      } else {
        const value: BehaviouralEventValue = {
          eventId: e.eventId,
          contactId: e.contactId,
          type: e.type,
          occurredAt: e.occurredAt,
          properties: { ...e.properties },
          source,
        };
        behavioural.push({ key: e.contactId, value: await this.codec.encode('behaviouralEvents', value) });
      }
    }
    const topicMessages = [
      { topic: this.topics.behaviouralEvents, messages: behavioural },
      { topic: this.topics.contactUpdates, messages: updates },
    ].filter((t) => t.messages.length > 0);
    await this.sender.sendBatch(topicMessages);
  }
}
