import type { Kafka } from 'kafkajs';
import type { EventHistory } from '@leadscore/calibration';
import { toInputMessage, type AvroCodec, type TopicNames } from '@leadscore/contracts';
import type { LeadEvent } from '@leadscore/engine';
import { ErrorCode, LeadscoreError } from '@leadscore/errors';
import { EventDecoder } from '@leadscore/scorer';
import { readTopicsToEnd, ServiceError } from '@leadscore/service-kit';

/** What one read of the input topics gave: the history, and what it left out. */
export interface TopicHistoryRead {
  readonly history: EventHistory;
  /** Messages read (decoded or not). */
  readonly messages: number;
  /** Messages skipped because the scorer would dead-letter them, by reason (UNDECODABLE, INVALID_EVENT, ...). */
  readonly skipped: Readonly<Record<string, number>>;
  /** The read stopped at `maxEvents` events before the end offsets. */
  readonly truncated: boolean;
  /** The end offsets (exclusive) taken when the read started, `topic:partition` → offset. */
  readonly ends: Readonly<Record<string, number>>;
}

export interface TopicHistoryOptions {
  readonly kafka: Kafka;
  /** Any connected codec: decoding needs only the writer's schema id in each message. */
  readonly codec: AvroCodec;
  readonly topics: TopicNames;
  /** Prefix of the throwaway consumer group of each read. */
  readonly groupPrefix: string;
  /** Events kept at most (CONSOLE_HISTORY_MAX_EVENTS): the read stops there. */
  readonly maxEvents: number;
  /** MAX_EVENT_BYTES of the scorers: larger values are skipped as the scorers dead-letter them. */
  readonly maxEventBytes: number;
}

/**
 * Reads the behavioural-events and contact-updates topics from their beginning to the end
 * offsets they have when the read starts, and decodes every message with the scorer's own
 * `EventDecoder` (the same Avro decoding, event checks and size limit as the scorers and
 * `leadscore rebuild`): what the scorers would dead-letter is counted and skipped, the rest is
 * the history, per contact in offset order (the engine orders each contact's events itself).
 *
 * `receivedAt` is the "now" of the future-timestamp check, as the scorer's clock would be.
 * @throws ServiceError KAFKA_UNAVAILABLE (retriable) when Kafka or the registry fails mid-read
 */
export async function readTopicHistory(options: TopicHistoryOptions, receivedAt: number): Promise<TopicHistoryRead> {
  const decoder = new EventDecoder(options.codec, options.topics, options.maxEventBytes);
  const byContact = new Map<string, LeadEvent[]>();
  const skipped: Record<string, number> = {};
  let events = 0;
  let truncated = false;
  let summary;
  try {
    summary = await readTopicsToEnd(
      options.kafka,
      [options.topics.behaviouralEvents, options.topics.contactUpdates],
      options.groupPrefix,
      async (batch) => {
        for (const read of batch) {
          if (events >= options.maxEvents) {
            truncated = true;
            return 'stop';
          }
          const decoded = await decoder.decode(toInputMessage(read.topic, read.partition, read.message), receivedAt);
          if (!decoded.ok) {
            skipped[decoded.reason] = (skipped[decoded.reason] ?? 0) + 1;
            continue;
          }
          events += 1;
          const list = byContact.get(decoded.event.contactId);
          if (list) list.push(decoded.event);
          else byContact.set(decoded.event.contactId, [decoded.event]);
        }
        return undefined;
      },
    );
  } catch (error) {
    if (error instanceof LeadscoreError && error.retriable) throw error;
    throw new ServiceError(ErrorCode.KafkaUnavailable, `cannot read the input topics: ${(error as Error).message}`, {
      cause: error,
      retriable: true,
    });
  }
  return {
    history: { byContact, events, badLines: [] },
    // the batch that hit the bound was only partly kept: count what was read, not what was fetched
    messages: events + Object.values(skipped).reduce((a, b) => a + b, 0),
    skipped,
    truncated,
    ends: Object.fromEntries(summary.ends),
  };
}
