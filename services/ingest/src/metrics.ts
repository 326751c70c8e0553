import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The ingest gateway's Prometheus metrics. Counters end in _total, durations are histograms in
 * _seconds; labels are bounded (route pattern, status, format), never a contactId or a key.
 */
export class IngestMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'leadscore_ingest_requests_total',
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'leadscore_ingest_request_duration_seconds',
    help: 'Time to answer an HTTP request (including the Kafka acknowledgement), by route pattern.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly eventsAccepted = new Counter({
    name: 'leadscore_ingest_events_accepted_total',
    help: 'Events acknowledged by Kafka and answered 202, by input format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });
  readonly eventsRejected = new Counter({
    name: 'leadscore_ingest_events_rejected_total',
    help: 'Events refused as invalid (400, or left out of a partial acceptance), by input format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });
  readonly publishDuration = new Histogram({
    name: 'leadscore_ingest_publish_duration_seconds',
    help: 'Time from sending a request\'s events to Kafka until all in-sync replicas acknowledged them.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly publishFailures = new Counter({
    name: 'leadscore_ingest_publish_failures_total',
    help: 'Requests answered 503 because Kafka did not acknowledge their events.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'leadscore_ingest_' });
  }
}
