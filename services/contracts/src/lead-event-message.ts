import type { AvroCodec } from './avro-codec.js';
import type { BehaviouralEventValue } from './event-shapes.js';
import type { TopicNames } from './topics.js';

/** What a producer knows of one event: the fields of the behavioural-event schema but `source`. */
export type LeadEventFields = Omit<BehaviouralEventValue, 'source'>;

/** One Kafka message of a topic, as `PartitionedSender.sendBatch` takes them. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: { key: string; value: Buffer }[];
}

/**
 * Encodes events for the behavioural topic, keyed by contactId — `contact_updated` included.
 *
 * Everything our own doors know about a contact goes through one partition of one topic, so the
 * scorer sees a contact's property updates and behaviour in the order they arrived: a crossing
 * that depends on that order (a phone number known just before a page view) is the one replay
 * computes from the same history. The contact-updates topic stays for producers that only sync
 * properties (docs/streaming.md, "Arrival order").
 */
export async function behaviouralMessages(
  codec: Pick<AvroCodec, 'encode'>,
  topics: Pick<TopicNames, 'behaviouralEvents'>,
  events: readonly LeadEventFields[],
  source: string | null,
): Promise<TopicMessages[]> {
  const messages: { key: string; value: Buffer }[] = [];
  for (const event of events) {
    const value: BehaviouralEventValue = {
      eventId: event.eventId,
      contactId: event.contactId,
      type: event.type,
      occurredAt: event.occurredAt,
      properties: { ...event.properties },
      source,
    };
    messages.push({ key: event.contactId, value: await codec.encode('behaviouralEvents', value) });
  }
  return messages.length === 0 ? [] : [{ topic: topics.behaviouralEvents, messages }];
}
