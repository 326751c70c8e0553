import type { Server } from 'node:http';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PartitionedSender, type AvroCodec, type TopicKind, type TopicNames } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { ChunkHandler, ChunkedConsumerOptions } from './chunked-consumer.js';
import type { KafkaSettings, RedisSettings, RegistrySettings, TopicSettings } from './env-reader.js';
import { Readiness } from './readiness.js';
import type { RedisClient } from './redis-connection.js';
import { REAL_CONNECTIONS, type RuntimeConnections } from './runtime-connections.js';
import { errorFields, ServiceError } from './service-error.js';

/** The Kafka side of a service: its topics, and the schemas it encodes or decodes. */
export interface StreamStep {
  readonly settings: KafkaSettings & RegistrySettings & TopicSettings;
  readonly topics: TopicNames;
  /** The topic kinds whose schemas the service needs (all when absent). */
  readonly kinds?: readonly TopicKind[];
}

/** What the runtime connected for the Kafka side: the producer reports readiness under `producer`. */
export interface StreamConnection {
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly producer: Producer;
  readonly sender: PartitionedSender;
}

/** A field of the context that is there when its step is configured, maybe there when it may be, absent when it is not. */
type ConnectedPart<Step, Name extends string, Value> = [Step] extends [undefined]
  ? unknown
  : [undefined] extends [Step]
    ? { readonly [K in Name]?: Value }
    : { readonly [K in Name]: Value };

/** What a service builds its own parts from. */
export type RuntimeContext<R, S> = ConnectedPart<R, 'redis', RedisClient> & ConnectedPart<S, 'stream', StreamConnection>;

/** A consumer group whose chunks the handler handles (see ChunkedConsumer). */
export interface ConsumerPart extends Omit<ChunkedConsumerOptions, 'onFatal'> {
  readonly handler: ChunkHandler;
}

/** An HTTP app (Fastify's instance fits) that serves its routes and /healthz, /readyz, /metrics. */
export interface HttpDoor {
  listen(options: { port: number; host: string }): Promise<unknown>;
  close(): Promise<unknown>;
  readonly server: Server;
}

/** What is the service's own: everything else the runtime does. */
export interface ServiceParts {
  readonly consumer?: ConsumerPart;
  /**
   * More consumer groups of the same service (the account service's two stages), started in
   * order after `consumer`; give each its own `readinessKey`.
   */
  readonly consumers?: readonly ConsumerPart[];
  /** Listens once the consumer runs: a door answers only when what it needs is there. */
  readonly door?: { readonly app: HttpDoor; readonly port: number; readonly host: string };
  /** Runs last (after the consumer and the door), e.g. background timers. */
  readonly start?: () => Promise<void> | void;
  /** Runs first when stopping, before the door closes and the consumer leaves its group. */
  readonly stop?: () => Promise<void> | void;
  /** Fields of the "started" log line. */
  readonly describe?: Readonly<Record<string, unknown>>;
}

export interface StreamRuntimeOptions<R extends RedisSettings | undefined, S extends StreamStep | undefined> {
  /** How the service names itself in its log lines, e.g. "lifecycle service". */
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The port of the ops server (/healthz, /readyz, /metrics); none for a door, which serves them itself. */
  readonly opsPort?: number;
  /** Redis, when the service needs it. */
  readonly redis: R;
  /** Kafka, the registry and the producer, when the service needs them. */
  readonly stream: S;
  /** Builds the service's own parts once the connections are up (it may check or prepare state). */
  readonly parts: (context: RuntimeContext<R, S>) => Promise<ServiceParts> | ServiceParts;
  /** Called when the consumer crashed for good (kafkajs will not restart it): the process must exit. */
  readonly onFatal?: (error: Error) => void;
  /** Tests: fakes for the connections. */
  readonly connections?: RuntimeConnections;
}

/** Thrown inside start when a stop was asked for: start then ends quietly and stop unwinds. */
class StartAborted extends Error {}

/**
 * Starts a stream service in one order: ops server → Redis → Kafka (login verified) → topic
 * provisioning (when configured) → Avro codec → idempotent producer → the service's own parts
 * → consumer → door → the service's own start. `stop` undoes what was started, in reverse, once
 * (later calls wait for the first). A failing step stops what was started before it. Readiness
 * reports `startup` as `starting` until the end of start, and `stopping` from the first stop.
 */
export class StreamRuntime<R extends RedisSettings | undefined, S extends StreamStep | undefined> {
  readonly readiness = new Readiness();
  private readonly connections: RuntimeConnections;
  private readonly started: { what: string; stop: () => Promise<unknown> | void }[] = [];
  private boundPort?: number;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(private readonly options: StreamRuntimeOptions<R, S>) {
    this.connections = options.connections ?? REAL_CONNECTIONS;
    // /readyz answers from the first moment: not ready until start() has finished
    this.readiness.set('startup', 'starting');
  }

  /** The port the door or the ops server listens on, once it does (useful when configured as 0). */
  get httpPort(): number | undefined {
    return this.boundPort;
  }

  start(): Promise<void> {
    this.starting ??= this.startSteps().catch(async (error: unknown) => {
      if (error instanceof StartAborted) return;
      this.readiness.set('startup', 'start-up failed');
      await this.unwind().catch(() => undefined);
      throw error;
    });
    return this.starting;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async startSteps(): Promise<void> {
    const { options, connections, readiness } = this;
    if (options.opsPort !== undefined) {
      const ops = await this.step('ops server', () => connections.listenOps(options.registry, readiness, options.opsPort!));
      this.started.push({ what: 'ops server', stop: () => ops.stop() });
      this.boundPort = ops.port;
    }
    const redis = options.redis && (await this.connectRedis(options.redis));
    const stream = options.stream && (await this.connectStream(options.stream));
    const parts = await this.step('parts', async () => options.parts({ redis, stream } as RuntimeContext<R, S>));
    for (const consumer of [...(parts.consumer ? [parts.consumer] : []), ...(parts.consumers ?? [])]) {
      await this.startConsumer(consumer, stream);
    }
    if (parts.door) await this.listenDoor(parts.door);
    if (parts.stop) this.started.push({ what: 'own parts', stop: parts.stop });
    if (parts.start) await this.step('own start', async () => parts.start!());
    readiness.set('startup', null);
    options.logger.info({ port: this.boundPort, ...parts.describe }, `${options.name} started`);
  }

  private async connectRedis(settings: RedisSettings): Promise<RedisClient> {
    const redis = await this.step('redis', () => this.connections.connectRedis(settings, this.readiness));
    this.started.push({ what: 'redis', stop: () => this.connections.quitRedis(redis) });
    return redis;
  }

  private async connectStream({ settings, topics, kinds }: StreamStep): Promise<StreamConnection> {
    const { connections, readiness, options } = this;
    const kafka = await this.step('kafka', () =>
      connections.connectKafka({
        clientId: settings.kafkaClientId,
        brokers: settings.kafkaBrokers,
        security: settings.kafkaSecurity,
        logger: options.logger,
      }),
    );
    if (settings.provision) {
      await this.step('topic provisioning', () => connections.provisionTopics(kafka, topics, settings.topicPartitions));
    }
    const codec = await this.step('codec', () =>
      connections.connectCodec({
        registryUrl: settings.schemaRegistryUrl,
        auth: settings.schemaRegistryAuth,
        topics,
        register: settings.provision,
        ...(kinds ? { kinds } : {}),
      }),
    );
    const producer = await this.step('producer', () => connections.connectProducer(kafka, readiness));
    this.started.push({ what: 'producer', stop: () => producer.disconnect() });
    const sender = new PartitionedSender(kafka, producer);
    this.started.push({ what: 'sender', stop: () => sender.close() });
    return { kafka, codec, producer, sender };
  }

  private async startConsumer({ handler, ...settings }: ConsumerPart, stream: StreamConnection | undefined): Promise<void> {
    if (!stream) throw new ServiceError(ErrorCode.RuntimeNoStream, `${this.options.name}: a consumer needs the stream step`);
    const consumer = this.connections.createConsumer(
      stream.kafka,
      handler,
      { ...settings, onFatal: (error) => this.options.onFatal?.(error) },
      this.readiness,
      this.options.logger,
    );
    // registered before it starts: a start that fails after joining still leaves the group
    this.started.push({ what: 'consumer', stop: () => consumer.stop() });
    await this.step('consumer', () => consumer.start());
  }

  private async listenDoor(door: NonNullable<ServiceParts['door']>): Promise<void> {
    // closing waits for the requests in flight (their answers sent)
    this.started.push({ what: 'door', stop: () => door.app.close() });
    await this.step('door', () => door.app.listen({ port: door.port, host: door.host }));
    const address = door.app.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : door.port;
  }

  /** Runs one start-up step, unless a stop was asked for before it. */
  private async step<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.stopping) throw new StartAborted(`stopped before ${what}`);
    return run();
  }

  private async stopAll(): Promise<void> {
    this.readiness.set('startup', 'stopping');
    await this.starting?.catch(() => undefined);
    await this.unwind();
    this.options.logger.info(`${this.options.name} stopped`);
  }

  /** Stops what was started, last first; every part is stopped even if one fails (the first failure is thrown). */
  private async unwind(): Promise<void> {
    const failures: unknown[] = [];
    for (let next = this.started.pop(); next; next = this.started.pop()) {
      try {
        await next.stop();
      } catch (error) {
        failures.push(error);
        this.options.logger.warn({ ...errorFields(error), part: next.what }, 'stopping a part failed');
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
