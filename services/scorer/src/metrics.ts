import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The scorer's Prometheus metrics. Counters end in _total, durations are histograms in
 * _seconds, and no label carries a contactId or any other unbounded value.
 */
export class ScorerMetrics {
  readonly registry = new Registry();

  readonly eventsConsumed = new Counter({
    name: 'leadscore_events_consumed_total',
    help: 'Input messages consumed, by topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly eventsScored = new Counter({
    name: 'leadscore_events_scored_total',
    help: 'Valid events applied to a contact state (including those that changed nothing).',
    registers: [this.registry],
  });
  readonly eventsDuplicate = new Counter({
    name: 'leadscore_events_duplicate_total',
    help: 'Events ignored because their eventId was already counted.',
    registers: [this.registry],
  });
  readonly eventsDeadLettered = new Counter({
    name: 'leadscore_events_dead_lettered_total',
    help: 'Input messages sent to the dead-letter topic, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly scoreChanges = new Counter({
    name: 'leadscore_score_changes_total',
    help: 'score-changed events emitted, by cause.',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly thresholdCrossings = new Counter({
    name: 'leadscore_threshold_crossings_total',
    help: 'threshold-crossed events emitted, by threshold and direction.',
    labelNames: ['threshold', 'direction'] as const,
    registers: [this.registry],
  });
  readonly stateConflicts = new Counter({
    name: 'leadscore_state_conflicts_total',
    help: 'Contact state writes retried because another writer changed the state first.',
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'leadscore_batch_duration_seconds',
    help: 'Time to score one chunk of a fetched batch (decode, Redis read, evaluate, produce, Redis write).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly redisDuration = new Histogram({
    name: 'leadscore_redis_duration_seconds',
    help: 'Redis round trips, by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'leadscore_consumer_lag',
    help: 'Messages behind the partition high watermark, as of the last batch fetched.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly pausedPartitions = new Gauge({
    name: 'leadscore_paused_partitions',
    help: 'Partitions paused while a dependency (Redis, the broker, the registry) is unavailable.',
    registers: [this.registry],
  });
  readonly decayEvaluations = new Counter({
    name: 'leadscore_decay_evaluations_total',
    help: 'Contacts re-evaluated by the decay sweeper.',
    registers: [this.registry],
  });
  readonly gridChangeEvaluations = new Counter({
    name: 'leadscore_grid_change_evaluations_total',
    help: 'Contacts re-evaluated because the grid changed (taken off the grid-change index).',
    registers: [this.registry],
  });
  readonly gridChangePending = new Gauge({
    name: 'leadscore_grid_change_pending',
    help: 'Contacts still waiting for a grid-change re-evaluation, as of the last sweep.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'leadscore_scorer_' });
  }
}
