import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Bucket sets in seconds: chunks of a batch (ms to s), and HTTP answers (sub-ms to s). */
export const CHUNK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * The base of each service's Prometheus metrics: one registry per service instance (tests run
 * several in one process), Node's default metrics under the service's prefix, and short
 * declarations. Conventions: counters end in _total, durations are histograms in _seconds, and
 * no label carries a contactId or any other unbounded value.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  /** @param defaultsPrefix prefix of Node's default metrics, e.g. leadscore_scorer_ */
  constructor(defaultsPrefix: string, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: defaultsPrefix });
  }

  protected counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  protected gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  protected histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }
}
