import type { FastifyInstance } from 'fastify';
import { Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { AvroCodec, PartitionedSender, topicNames, type TopicNames } from '@leadscore/contracts';
import { connectKafka, provisionTopics, Readiness } from '@leadscore/service-kit';
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
 * Wires the gateway: schema registry codec, idempotent Kafka producer, the HTTP app.
 * `start` listens once the producer is connected; `stop` stops taking requests, lets the
 * running ones finish (their events acknowledged or refused), then flushes the producer.
 */
export class IngestService {
  readonly metrics = new IngestMetrics({ defaultMetrics: true });
  readonly readiness = new Readiness();
  readonly topics: TopicNames;
  private producer?: Producer;
  private app?: FastifyInstance;
  private stopping = false;

  constructor(private readonly options: IngestServiceOptions) {
    this.topics = topicNames(options.config.topicPrefix);
    this.readiness.set('startup', 'starting');
  }

  /** The port the HTTP server listens on (useful when configured as 0). */
  get httpPort(): number {
    const address = this.app?.server.address();
    return typeof address === 'object' && address ? address.port : this.options.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    const segmentEventMap = config.segmentEventMapFile
      ? await loadSegmentEventMap(config.segmentEventMapFile)
      : DEFAULT_SEGMENT_EVENT_MAP;
    const kafka = await connectKafka({
      clientId: config.kafkaClientId,
      brokers: config.kafkaBrokers,
      security: config.kafkaSecurity,
      logger,
    });
    if (config.provision) await provisionTopics(kafka, this.topics, config.topicPartitions);
    const codec = await AvroCodec.connect({
      registryUrl: config.schemaRegistryUrl,
      auth: config.schemaRegistryAuth,
      topics: this.topics,
      register: config.provision,
      kinds: ['behaviouralEvents', 'contactUpdates'],
    });

    // idempotent: broker-side dedupe of the producer's own retries; acks=-1 on every send
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.readiness.set('producer', 'connecting');
    this.producer.on(this.producer.events.CONNECT, () => this.readiness.set('producer', null));
    this.producer.on(this.producer.events.DISCONNECT, () => this.readiness.set('producer', 'disconnected'));
    await this.producer.connect();

    this.app = createIngestApp({
      apiKeys: config.apiKeys,
      segmentEventMap,
      publisher: new KafkaEventPublisher(new PartitionedSender(kafka, this.producer), codec, this.topics),
      metrics: this.metrics,
      readiness: this.readiness,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxBatchEvents: config.maxBatchEvents,
    });
    await this.app.listen({ port: config.httpPort, host: config.httpHost });
    this.readiness.set('startup', null);
    logger.info(
      { port: this.httpPort, topics: { events: this.topics.behaviouralEvents, contactUpdates: this.topics.contactUpdates } },
      'ingest gateway started',
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.readiness.set('startup', 'stopping');
    await this.app?.close(); // waits for the requests in flight
    await this.producer?.disconnect();
    this.options.logger.info('ingest gateway stopped');
  }
}
