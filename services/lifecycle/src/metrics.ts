import { CHUNK_BUCKETS, ServiceMetrics } from '@leadscore/service-kit';

/** The lifecycle service's Prometheus metrics (no contactId labels). */
export class LifecycleMetrics extends ServiceMetrics {
  readonly crossings = this.counter(
    'leadscore_lifecycle_crossings_total',
    'Threshold crossings of the MQL threshold handled, by direction and outcome (moved, already-at-or-beyond, not-demoted, redelivered).',
    ['direction', 'outcome'],
  );
  readonly accountCrossings = this.counter(
    'leadscore_lifecycle_account_crossings_total',
    'Account threshold crossings of the MQA threshold handled (LIFECYCLE_ACCOUNT_STAGES), by direction and outcome.',
    ['direction', 'outcome'],
  );
  readonly stageChanges = this.counter(
    'leadscore_lifecycle_stage_changes_total',
    'lifecycle-stage-changed events produced (re-emissions after a redelivery included), by target stage.',
    ['to'],
  );
  readonly deadLettered = this.counter(
    'leadscore_lifecycle_dead_lettered_total',
    'threshold-crossed messages that could not be decoded, sent to the dead-letter topic.',
  );
  readonly chunkDuration = this.histogram(
    'leadscore_lifecycle_chunk_duration_seconds',
    'Time to handle one chunk of threshold-crossed messages (decode, Redis, produce).',
    CHUNK_BUCKETS,
  );
  readonly pausedPartitions = this.gauge(
    'leadscore_lifecycle_paused_partitions',
    'Partitions paused while a dependency (Redis, the broker, the registry) is unavailable.',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_lifecycle_', options);
  }
}
