import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The read API's Prometheus metrics (no contactId labels). */
export class ReadApiMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'leadscore_read_api_requests_total',
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'leadscore_read_api_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern.',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly projected = new Counter({
    name: 'leadscore_read_api_score_changes_projected_total',
    help: 'score-changed events read by the projection, by outcome (projected, ignored: not newer than the last one).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'leadscore_read_api_dead_lettered_total',
    help: 'score-changed messages that could not be decoded, sent to the dead-letter topic.',
    registers: [this.registry],
  });
  readonly chunkDuration = new Histogram({
    name: 'leadscore_read_api_projection_chunk_duration_seconds',
    help: 'Time to project one chunk of score-changed messages.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly pausedPartitions = new Gauge({
    name: 'leadscore_read_api_paused_partitions',
    help: 'Projection partitions paused while a dependency is unavailable.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'leadscore_read_api_' });
  }
}
