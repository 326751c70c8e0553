import { Partitioners, type Admin, type Kafka, type Message, type PartitionMetadata, type Producer } from 'kafkajs';

export interface TopicBatch {
  readonly topic: string;
  readonly messages: readonly Message[];
}

/**
 * Produces a batch as one produce call per partition, all in flight together.
 *
 * Why not kafkajs' own `sendBatch` over many partitions: kafkajs 2.2.4 remembers, across its
 * internal retries, which brokers already answered. When a partition leader dies mid-send and its
 * partitions move to a broker that had already answered, those partitions are never re-sent, yet
 * the send resolves as acknowledged (docs/streaming.md, "One chunk of a fetched batch"). We saw it: a broker SIGKILLed
 * under acks=all lost ~8 % of an acknowledged batch. With one partition per call, each call has a
 * single leader; its retry after a leader change goes to the new leader. Messages are assigned
 * to partitions by kafkajs' default (Java-compatible murmur2) partitioner, as before.
 */
export class PartitionedSender {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitionMetadata = new Map<string, Promise<PartitionMetadata[]>>();
  private admin: Admin | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
  ) {}

  /** Resolves once every message is acknowledged (acks: -1 = all in-sync replicas by default). */
  async sendBatch(batches: readonly TopicBatch[], acks = -1): Promise<void> {
    const sends: Promise<unknown>[] = [];
    for (const { topic, messages } of batches) {
      if (messages.length === 0) continue;
      const partitionMetadata = await this.metadata(topic);
      const byPartition = new Map<number, Message[]>();
      for (const message of messages) {
        const partition = this.partitioner({ topic, partitionMetadata, message: message as Message });
        const group = byPartition.get(partition);
        if (group) group.push(message);
        else byPartition.set(partition, [message]);
      }
      for (const [partition, group] of byPartition) {
        sends.push(this.producer.send({ topic, acks, messages: group.map((m) => ({ ...m, partition })) }));
      }
    }
    await Promise.all(sends);
  }

  /** Disconnects the admin client used for partition counts (not the producer: the caller owns it). */
  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  private metadata(topic: string): Promise<PartitionMetadata[]> {
    let cached = this.partitionMetadata.get(topic);
    if (!cached) {
      cached = this.fetchMetadata(topic);
      this.partitionMetadata.set(topic, cached);
      cached.catch(() => this.partitionMetadata.delete(topic)); // ask again next time
    }
    return cached;
  }

  private async fetchMetadata(topic: string): Promise<PartitionMetadata[]> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    // Only the count matters for keyed messages; leaders are marked available for unkeyed ones.
    return (topics[0]?.partitions ?? []).map((p) => ({ ...p, leader: Math.max(0, p.leader) }));
  }
}
