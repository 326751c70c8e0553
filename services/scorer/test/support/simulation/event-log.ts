import type { KafkaMessage } from 'kafkajs';
import { NOW, TOPICS } from '../test-grid.js';
import type { ScheduleRandom } from './schedule-random.js';

const HOUR = 3_600_000;
const TYPES = ['page_viewed', 'page_viewed', 'demo_requested', 'email_unsubscribed', 'email_opened', 'email_opened'];

/** One topic-partition of the input, messages in offset order. */
export interface InputStream {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
}

/** The input of a run: its topic-partitions (the consumer group hands out each one). */
export interface EventLog {
  readonly streams: readonly InputStream[];
  /**
   * True when each contact's events are all in one stream, so they are applied in one order
   * (replay's). With two topics a contact's events come from two streams that two instances may
   * consume at once, and their order is the order of the commits.
   */
  readonly ordered: boolean;
  /** How many `contact_merged` events the log holds (re-sends aside). */
  readonly merges: number;
  /** Every line, stream after stream (replay's input). */
  readonly lines: readonly string[];
  /** `topic:partition:offset` of the lines the engine rejects (they must be dead-lettered). */
  readonly invalid: ReadonlySet<string>;
}

/**
 * A seeded input: a few contacts (contact i on partition i mod P), on one topic or on both input
 * topics (keyed alike, as the behavioural and contact-update topics are); events that push
 * scores over both thresholds and back, opens older than the 3-day window (never counted), ~8 %
 * re-sends of an earlier message of the same stream (duplicates by eventId), ~5 % invalid events;
 * in half the runs, merges of contacts (on the target's behavioural partition).
 */
export function eventLog(random: ScheduleRandom, partitionCount: number): EventLog {
  const topics = random.chance(0.5) ? [TOPICS.behaviouralEvents] : [TOPICS.behaviouralEvents, TOPICS.contactUpdates];
  const streams = topics.flatMap((topic) =>
    Array.from({ length: partitionCount }, (_, partition) => ({ topic, partition, messages: [] as KafkaMessage[] })),
  );
  const contacts = random.int(2, 6);
  const events = random.int(10, 50);
  const invalid = new Set<string>();
  // Half the runs merge contacts: each contact at most once, into a lower-numbered one (so the
  // roots do not depend on the order merges of different partitions are applied in).
  const mergeable = random.chance(0.5) ? Array.from({ length: contacts - 1 }, (_, k) => k + 1) : [];
  let merges = 0;
  for (let i = 0; i < events; i += 1) {
    if (mergeable.length > 0 && random.chance(0.15)) {
      const source = mergeable.splice(random.int(0, mergeable.length - 1), 1)[0]!;
      const target = random.int(0, source - 1);
      const stream = streams[target % partitionCount]!; // the behavioural topic, the target's partition
      const line = JSON.stringify({
        eventId: `m-${i}`,
        contactId: `c${target}`,
        type: 'contact_merged',
        occurredAt: NOW - HOUR,
        properties: { mergedFrom: `c${source}` },
      });
      stream.messages.push({
        offset: String(stream.messages.length),
        key: Buffer.from(`c${target}`),
        value: Buffer.from(line),
        timestamp: '0',
        attributes: 0,
        headers: {},
      });
      merges += 1;
      continue;
    }
    const contact = random.int(0, contacts - 1);
    const stream = streams[random.int(0, topics.length - 1) * partitionCount + (contact % partitionCount)]!;
    const list = stream.messages;
    const at = (offset: number) => `${stream.topic}:${stream.partition}:${offset}`;
    let line: string;
    if (list.length > 0 && random.chance(0.08)) {
      const earlier = random.int(0, list.length - 1);
      line = String(list[earlier]!.value);
      if (invalid.has(at(earlier))) invalid.add(at(list.length));
    } else if (random.chance(0.05)) {
      line = JSON.stringify({ eventId: `bad-${i}`, type: 'page_viewed', occurredAt: NOW });
      invalid.add(at(list.length));
    } else {
      const type = random.pick(TYPES);
      const hoursAgo = type === 'email_opened' ? random.int(1, 5 * 24) : random.int(1, 48);
      line = JSON.stringify({ eventId: `e-${i}`, contactId: `c${contact}`, type, occurredAt: NOW - hoursAgo * HOUR });
    }
    list.push({
      offset: String(list.length),
      key: Buffer.from(`c${contact}`),
      value: Buffer.from(line),
      timestamp: '0',
      attributes: 0,
      headers: {},
    });
  }
  return {
    streams,
    // merges join contacts of different partitions: their events' interleaving is the commits' order
    ordered: topics.length === 1 && merges === 0,
    merges,
    lines: streams.flatMap((s) => s.messages.map((m) => String(m.value))),
    invalid,
  };
}
