import type { Logger } from 'pino';
import { DeadLetterBuilder, topicNames, type TopicNames } from '@leadscore/contracts';
import { StreamService, type RuntimeContext, type ServiceParts, type StreamStep } from '@leadscore/service-kit';
import { createIngestApp } from './app.js';
import type { IngestConfig } from './config.js';
import { KafkaEventPublisher } from './event-publisher.js';
import { IngestMetrics } from './metrics.js';
import { DEFAULT_SEGMENT_EVENT_MAP, loadSegmentEventMap } from './segment-mapping.js';

export interface IngestServiceOptions {
  readonly config: IngestConfig;
  readonly logger: Logger;
}

/**
 * The gateway as a StreamService: its HTTP app (the door, which serves the ops
 * endpoints too) listens once the producer is connected; `stop` stops taking requests, lets the
 * running ones finish (their events acknowledged or refused), then flushes the producer.
 */
export class IngestService extends StreamService<IngestMetrics, undefined, StreamStep> {
  readonly topics: TopicNames;
  private segmentEventMap: Readonly<Record<string, string>> = DEFAULT_SEGMENT_EVENT_MAP;

  constructor(private readonly options: IngestServiceOptions) {
    const { config } = options;
    const topics = topicNames(config.topicPrefix);
    super(new IngestMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'ingest gateway',
      logger: options.logger,
      redis: undefined,
      stream: { settings: config, topics, kinds: ['behaviouralEvents', 'contactUpdates', 'deadLetters'] },
    });
    this.topics = topics;
  }

  override async start(): Promise<void> {
    const { segmentEventMapFile } = this.options.config;
    // read before connecting: a bad file refuses start-up whether Kafka is reachable or not
    if (segmentEventMapFile) this.segmentEventMap = await loadSegmentEventMap(segmentEventMapFile);
    await super.start();
  }

  protected parts({ stream: { codec, sender } }: RuntimeContext<undefined, StreamStep>): ServiceParts {
    const { config, logger } = this.options;
    const app = createIngestApp({
      apiKeys: config.apiKeys,
      segmentEventMap: this.segmentEventMap,
      publisher: new KafkaEventPublisher(sender, codec, this.topics, new DeadLetterBuilder(codec, 'ingest')),
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxBatchEvents: config.maxBatchEvents,
    });
    return {
      door: { app, port: config.httpPort, host: config.httpHost },
      describe: {
        topics: {
          events: this.topics.behaviouralEvents,
          contactUpdates: this.topics.contactUpdates,
          deadLetters: this.topics.deadLetters,
        },
      },
    };
  }
}
