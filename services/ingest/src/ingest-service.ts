import type { Logger } from 'pino';
import { topicNames, type TopicNames } from '@leadscore/contracts';
import { StreamRuntime, type Readiness, type ServiceParts, type StreamConnection, type StreamStep } from '@leadscore/service-kit';
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
 * The gateway on service-kit's StreamRuntime: its HTTP app (the door, which serves the ops
 * endpoints too) listens once the producer is connected; `stop` stops taking requests, lets the
 * running ones finish (their events acknowledged or refused), then flushes the producer.
 */
export class IngestService {
  readonly metrics = new IngestMetrics({ defaultMetrics: true });
  readonly topics: TopicNames;
  readonly readiness: Readiness;
  private readonly runtime: StreamRuntime<undefined, StreamStep>;
  private segmentEventMap: Readonly<Record<string, string>> = DEFAULT_SEGMENT_EVENT_MAP;

  constructor(private readonly options: IngestServiceOptions) {
    const { config } = options;
    this.topics = topicNames(config.topicPrefix);
    this.runtime = new StreamRuntime<undefined, StreamStep>({
      name: 'ingest gateway',
      logger: options.logger,
      registry: this.metrics.registry,
      redis: undefined,
      stream: { settings: config, topics: this.topics, kinds: ['behaviouralEvents', 'contactUpdates'] },
      parts: ({ stream }) => this.parts(stream),
    });
    this.readiness = this.runtime.readiness;
  }

  /** The port the HTTP server listens on (useful when configured as 0). */
  get httpPort(): number {
    return this.runtime.httpPort ?? this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { segmentEventMapFile } = this.options.config;
    // read before connecting: a bad file refuses start-up whether Kafka is reachable or not
    if (segmentEventMapFile) this.segmentEventMap = await loadSegmentEventMap(segmentEventMapFile);
    await this.runtime.start();
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }

  private parts({ codec, sender }: StreamConnection): ServiceParts {
    const { config, logger } = this.options;
    const app = createIngestApp({
      apiKeys: config.apiKeys,
      segmentEventMap: this.segmentEventMap,
      publisher: new KafkaEventPublisher(sender, codec, this.topics),
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxBatchEvents: config.maxBatchEvents,
    });
    return {
      door: { app, port: config.httpPort, host: config.httpHost },
      describe: { topics: { events: this.topics.behaviouralEvents, contactUpdates: this.topics.contactUpdates } },
    };
  }
}
