import { ServiceMetrics } from '@leadscore/service-kit';

/**
 * The ingest gateway's Prometheus metrics. Counters end in _total, durations are histograms in
 * _seconds; labels are bounded (route pattern, status, format), never a contactId or a key.
 */
export class IngestMetrics extends ServiceMetrics {
  readonly requests = this.counter(
    'leadscore_ingest_requests_total',
    'HTTP requests answered, by route pattern and status code.',
    ['route', 'status'],
  );
  readonly requestDuration = this.histogram(
    'leadscore_ingest_request_duration_seconds',
    'Time to answer an HTTP request (including the Kafka acknowledgement), by route pattern.',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ['route'],
  );
  readonly eventsAccepted = this.counter(
    'leadscore_ingest_events_accepted_total',
    'Events acknowledged by Kafka and answered 202, by input format.',
    ['format'],
  );
  readonly eventsRejected = this.counter(
    'leadscore_ingest_events_rejected_total',
    'Events refused as invalid (400, or left out of a partial acceptance), by input format.',
    ['format'],
  );
  readonly publishDuration = this.histogram(
    'leadscore_ingest_publish_duration_seconds',
    "Time from sending a request's events to Kafka until all in-sync replicas acknowledged them.",
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  readonly publishFailures = this.counter(
    'leadscore_ingest_publish_failures_total',
    'Requests answered 503 because Kafka did not acknowledge their events.',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_ingest_', options);
  }
}
