import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The lifecycle service's Prometheus metrics (no contactId labels). */
export class LifecycleMetrics {
  readonly registry = new Registry();

  readonly crossings = new Counter({
    name: 'leadscore_lifecycle_crossings_total',
    help: 'Threshold crossings of the MQL threshold handled, by direction and outcome (moved, already-at-or-beyond, not-demoted, redelivered).',
    labelNames: ['direction', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly stageChanges = new Counter({
    name: 'leadscore_lifecycle_stage_changes_total',
    help: 'lifecycle-stage-changed events produced (re-emissions after a redelivery included), by target stage.',
    labelNames: ['to'] as const,
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'leadscore_lifecycle_dead_lettered_total',
    help: 'threshold-crossed messages that could not be decoded, sent to the dead-letter topic.',
    registers: [this.registry],
  });
  readonly chunkDuration = new Histogram({
    name: 'leadscore_lifecycle_chunk_duration_seconds',
    help: 'Time to handle one chunk of threshold-crossed messages (decode, Redis, produce).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly pausedPartitions = new Gauge({
    name: 'leadscore_lifecycle_paused_partitions',
    help: 'Partitions paused while a dependency (Redis, the broker, the registry) is unavailable.',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'leadscore_lifecycle_' });
  }
}
