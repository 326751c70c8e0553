import { CHUNK_BUCKETS, ServiceMetrics } from '@leadscore/service-kit';

/** The read API's Prometheus metrics (no contactId or accountId labels). */
export class ReadApiMetrics extends ServiceMetrics {
  readonly requests = this.counter(
    'leadscore_read_api_requests_total',
    'HTTP requests answered, by route pattern and status code.',
    ['route', 'status'],
  );
  readonly requestDuration = this.histogram(
    'leadscore_read_api_request_duration_seconds',
    'Time to answer an HTTP request, by route pattern.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ['route'],
  );
  readonly projected = this.counter(
    'leadscore_read_api_score_changes_projected_total',
    'score-changed events read by the projection, by outcome (projected, ignored: not newer than the last one).',
    ['outcome'],
  );
  readonly accountsProjected = this.counter(
    'leadscore_read_api_account_score_changes_projected_total',
    'account-score-changed events read by the account projection, by outcome (projected, ignored: not newer than the last one).',
    ['outcome'],
  );
  readonly deadLettered = this.counter(
    'leadscore_read_api_dead_lettered_total',
    'score-changed, contact-merged and account-score-changed messages that could not be decoded, sent to the dead-letter topic.',
  );
  readonly unlisted = this.counter(
    'leadscore_read_api_merged_unlisted_total',
    'Merged-away contacts taken off the leaderboard (their root stands for them).',
  );
  readonly chunkDuration = this.histogram(
    'leadscore_read_api_projection_chunk_duration_seconds',
    'Time to project one chunk of score-changed, contact-merged or account-score-changed messages.',
    CHUNK_BUCKETS,
  );
  readonly pausedPartitions = this.gauge(
    'leadscore_read_api_paused_partitions',
    'Projection partitions paused while a dependency is unavailable.',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_read_api_', options);
  }
}
