import type { Logger } from 'pino';
import type { RedisSettings } from './env-reader.js';
import type { Readiness } from './readiness.js';
import type { RunnableService } from './run-service.js';
import type { ServiceMetrics } from './service-metrics.js';
import {
  StreamRuntime,
  type RuntimeContext,
  type ServiceParts,
  type StreamRuntimeOptions,
  type StreamStep,
} from './stream-runtime.js';

/** What a service hands its StreamRuntime; the registry comes from its metrics, the parts from `parts`. */
/** What every consumer service is built with: its configuration, a logger, the clock, and who to tell when it cannot go on. */
export interface ConsumerServiceOptions<Config> {
  readonly config: Config;
  readonly logger: Logger;
  /** The clock (epoch ms); tests may move it. */
  readonly now?: () => number;
  /** Called when the service can no longer work (kafkajs gave up): the caller exits. */
  readonly onFatal?: (error: Error) => void;
}

export type StreamServiceOptions<R extends RedisSettings | undefined, S extends StreamStep | undefined> = Omit<
  StreamRuntimeOptions<R, S>,
  'registry' | 'parts'
>;

/**
 * The base of a service on a StreamRuntime: the service says what is its own (`parts`, and the
 * runtime options), and gets start, stop, readiness and its HTTP port from the runtime.
 */
export abstract class StreamService<
  M extends ServiceMetrics,
  R extends RedisSettings | undefined,
  S extends StreamStep | undefined,
> implements RunnableService {
  readonly readiness: Readiness;
  private readonly runtime: StreamRuntime<R, S>;

  /** @param configuredPort what `httpPort` says until the door or the ops server listens */
  protected constructor(
    readonly metrics: M,
    private readonly configuredPort: number,
    options: StreamServiceOptions<R, S>,
  ) {
    this.runtime = new StreamRuntime<R, S>({ ...options, registry: metrics.registry, parts: (context) => this.parts(context) });
    this.readiness = this.runtime.readiness;
  }

  /** The port the door or the ops server listens on (useful when configured as 0). */
  get httpPort(): number {
    return this.runtime.httpPort ?? this.configuredPort;
  }

  start(): Promise<void> {
    return this.runtime.start();
  }

  /** Stops what start started, in reverse; later calls wait for the first. */
  stop(): Promise<void> {
    return this.runtime.stop();
  }

  /** Builds the service's own parts once its connections are up. */
  protected abstract parts(context: RuntimeContext<R, S>): Promise<ServiceParts> | ServiceParts;
}
