import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { AvroCodec, ScoreChangedValue, ThresholdCrossedValue, TopicNames } from '@leadscore/contracts';
import { errorFields, type Readiness } from '@leadscore/service-kit';

/** One line of the live feed, as the page shows it (no event properties: no PII). */
export type FeedItem =
  | {
      readonly kind: 'crossing';
      readonly contactId: string;
      readonly threshold: string;
      readonly direction: 'UP' | 'DOWN';
      readonly score: number;
      readonly at: number;
    }
  | {
      readonly kind: 'score';
      readonly contactId: string;
      readonly previousScore: number;
      readonly score: number;
      readonly at: number;
    };

type Listener = (item: FeedItem) => void;

/**
 * The output topics (threshold-crossed, score-changed) as a feed for the page's Server-Sent
 * Events. A consumer group of its own per process, from the latest offsets, committing nothing
 * that matters: the feed shows what happens while one watches, it is not a record (the read
 * API's projection and the lifecycle service are).
 */
export class LiveFeed {
  private readonly listeners = new Set<Listener>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly groupId: string,
    private readonly readiness: Readiness,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once running; the service is ready only once the group is joined (nothing missed after /readyz). */
  async start(): Promise<void> {
    this.readiness.set('feed', 'joining the consumer group');
    const consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.readiness.set('feed', null));
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topics.thresholdCrossed, this.topics.scoreChanged], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        try {
          const item =
            topic === this.topics.thresholdCrossed
              ? crossing(await this.codec.decode<ThresholdCrossedValue>('thresholdCrossed', message.value ?? null))
              : scoreChange(await this.codec.decode<ScoreChangedValue>('scoreChanged', message.value ?? null));
          for (const listener of this.listeners) listener(item);
        } catch (error) {
          // a message the feed cannot show is skipped: the consumers of record dead-letter it
          this.logger.warn({ ...errorFields(error), topic }, 'live feed skipped a message it cannot decode');
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function crossing(v: ThresholdCrossedValue): FeedItem {
  return {
    kind: 'crossing',
    contactId: v.contactId,
    threshold: v.threshold,
    direction: v.direction,
    score: v.score,
    at: v.evaluatedAt,
  };
}

function scoreChange(v: ScoreChangedValue): FeedItem {
  return { kind: 'score', contactId: v.contactId, previousScore: v.previousScore, score: v.score, at: v.evaluatedAt };
}
