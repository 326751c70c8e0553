import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { behaviouralMessages, PartitionedSender, type AvroCodec, type TopicNames } from '@leadscore/contracts';
import type { GeneratedEvent } from './synthetic-events.js';

/** Pacing tick: at 200 events/s, a batch of about 20 every 100 ms. */
const TICK_MS = 100;
/** Behind schedule (a slow broker), catch up by at most one second's worth per batch. */
const MAX_CATCH_UP_SECONDS = 1;
const SOURCE = 'leadscore-demo';

export interface DemoProducerStats {
  /** Events acknowledged by the broker (all in-sync replicas). */
  produced: number;
  /** Of which exact re-sends of an earlier eventId. */
  resent: number;
  finished: boolean;
}

/**
 * Produces a stream of events as Avro at a steady rate (events/s), keyed by contactId:
 * every event, contact_updated included, to behavioural-events, so each contact's events keep
 * the order they were generated in (as the ingest gateway does).
 * Idempotent producer, acks=-1: a retry never duplicates a message (the stream's own duplicates
 * are deliberate re-sends with the same eventId).
 */
export class DemoProducer {
  readonly stats: DemoProducerStats = { produced: 0, resent: 0, finished: false };
  private readonly producer: Producer;
  /** one produce call per partition: kafkajs' own multi-partition sendBatch can drop messages when a leader moves */
  private readonly sender: PartitionedSender;
  private readonly seenIds = new Set<string>();
  private stopRequested = false;
  private running?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly rate: number,
  ) {
    // the Java-compatible (murmur2) partitioner, as every other client of these topics
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.sender = new PartitionedSender(kafka, this.producer);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Starts streaming `events` in the background; `stop` ends it. Rejections surface from `stop`/`done`. */
  start(events: Iterator<GeneratedEvent>): void {
    this.running = this.run(events);
  }

  /** Resolves when every event was produced (or after `stop`). */
  done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Finishes the batch in flight, then disconnects. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    try {
      await this.running;
    } finally {
      await this.producer.disconnect();
      await this.sender.close();
    }
  }

  private async run(events: Iterator<GeneratedEvent>): Promise<void> {
    const startedAt = performance.now();
    while (!this.stopRequested) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * this.rate) - this.stats.produced;
      if (due <= 0) {
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
        continue;
      }
      const batch: GeneratedEvent[] = [];
      const limit = Math.min(due, Math.max(1, Math.ceil(this.rate * MAX_CATCH_UP_SECONDS)));
      while (batch.length < limit) {
        const next = events.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length > 0) await this.send(batch);
      if (batch.length < limit) break; // the stream is exhausted
    }
    this.stats.finished = !this.stopRequested;
  }

  private async send(batch: readonly GeneratedEvent[]): Promise<void> {
    let resent = 0;
    for (const event of batch) {
      if (this.seenIds.has(event.eventId)) resent += 1;
      else this.seenIds.add(event.eventId);
    }
    await this.sender.sendBatch(await behaviouralMessages(this.codec, this.topics, batch, SOURCE));
    this.stats.produced += batch.length;
    this.stats.resent += resent;
  }
}
