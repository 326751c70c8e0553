import { CHUNK_BUCKETS, ServiceMetrics } from '@leadscore/service-kit';

/**
 * The scorer's Prometheus metrics. Counters end in _total, durations are histograms in
 * _seconds, and no label carries a contactId or any other unbounded value.
 */
export class ScorerMetrics extends ServiceMetrics {
  readonly eventsConsumed = this.counter('leadscore_events_consumed_total', 'Input messages consumed, by topic.', ['topic']);
  readonly eventsScored = this.counter(
    'leadscore_events_scored_total',
    'Valid events applied to a contact state (including those that changed nothing).',
  );
  readonly eventsDuplicate = this.counter(
    'leadscore_events_duplicate_total',
    'Events ignored because their eventId was already counted.',
  );
  readonly eventsDeadLettered = this.counter(
    'leadscore_events_dead_lettered_total',
    'Input messages sent to the dead-letter topic, by reason.',
    ['reason'],
  );
  readonly scoreChanges = this.counter('leadscore_score_changes_total', 'score-changed events emitted, by cause.', ['cause']);
  readonly thresholdCrossings = this.counter(
    'leadscore_threshold_crossings_total',
    'threshold-crossed events emitted, by threshold and direction.',
    ['threshold', 'direction'],
  );
  readonly stateConflicts = this.counter(
    'leadscore_state_conflicts_total',
    'Contact state writes retried because another writer changed the state first.',
  );
  readonly stateReads = this.counter(
    'leadscore_state_reads_total',
    'Contact states a chunk or sweep started from, by source: memory (what this instance committed last) or redis (read).',
    ['source'],
  );
  readonly batchDuration = this.histogram(
    'leadscore_batch_duration_seconds',
    'Time to score one chunk of a fetched batch (decode, Redis read, evaluate, produce, Redis write).',
    CHUNK_BUCKETS,
  );
  readonly redisDuration = this.histogram(
    'leadscore_redis_duration_seconds',
    'Redis round trips, by operation.',
    [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ['operation'],
  );
  readonly consumerLag = this.gauge(
    'leadscore_consumer_lag',
    'Messages behind the partition high watermark, as of the last batch fetched.',
    ['topic', 'partition'],
  );
  readonly pausedPartitions = this.gauge(
    'leadscore_paused_partitions',
    'Partitions paused while a dependency (Redis, the broker, the registry) is unavailable.',
  );
  readonly decayEvaluations = this.counter('leadscore_decay_evaluations_total', 'Contacts re-evaluated by the decay sweeper.');
  readonly gridChangeEvaluations = this.counter(
    'leadscore_grid_change_evaluations_total',
    'Contacts re-evaluated because the grid changed (taken off the grid-change index).',
  );
  readonly gridChangePending = this.gauge(
    'leadscore_grid_change_pending',
    'Contacts still waiting for a grid-change re-evaluation, as of the last sweep.',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_scorer_', options);
  }
}
