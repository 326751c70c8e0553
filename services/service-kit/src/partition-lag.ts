import type { Gauge } from 'prom-client';

/**
 * One consumer's view of a consumer-lag gauge (labels topic, partition, plus fixed labels of its
 * own, e.g. the stage of a service that runs several groups): per partition, the lag as of its
 * last batch. When the consumer's partitions may have moved (a group join) it forgets only the
 * series it reported itself, so consumers sharing one gauge never erase each other's lag.
 */
export class PartitionLag {
  private readonly reported = new Map<string, Record<string, string>>();

  constructor(
    private readonly gauge: Gauge<string>,
    private readonly fixedLabels: Readonly<Record<string, string>> = {},
  ) {}

  set(topic: string, partition: number, lag: number): void {
    const labels = { ...this.fixedLabels, topic, partition: String(partition) };
    this.reported.set(`${topic}\u0000${partition}`, labels);
    this.gauge.set(labels, lag);
  }

  /** Drops this consumer's series: partitions it no longer fetches must not keep their last value here. */
  forget(): void {
    for (const labels of this.reported.values()) this.gauge.remove(labels);
    this.reported.clear();
  }
}
