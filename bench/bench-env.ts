/**
 * What every benchmark of one `npm run bench` shares: the stack's endpoints, one run id that
 * prefixes every topic, group and Redis key the run creates, and small admin helpers (topic
 * creation, high watermarks, a group's committed offsets, Redis clean-up by prefix).
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';

export interface BenchEnv {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
  /** `bench-<epoch36>`: every topic prefix, group id and Redis key prefix of this run starts with it. */
  readonly runId: string;
  /** The folder of this run's reports and CPU profiles. */
  readonly outDir: string;
  readonly quick: boolean;
  readonly kafka: Kafka;
}

export function benchEnv(outDir: string, quick: boolean): BenchEnv {
  const kafkaBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  const runId = `bench-${Date.now().toString(36)}`;
  return {
    kafkaBrokers,
    schemaRegistryUrl: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    runId,
    outDir,
    quick,
    kafka: new Kafka({ clientId: runId, brokers: [...kafkaBrokers], logLevel: logLevel.NOTHING }),
  };
}

export async function createTopics(kafka: Kafka, topics: readonly string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // The leader wait of kafkajs gives up early on a busy broker (UNKNOWN_TOPIC_OR_PARTITION): ask again, bounded.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
        await admin.fetchTopicMetadata({ topics: [...topics] });
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await sleep(500 * attempt);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = topics.filter((t) => existing.has(t));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Sum over partitions of the high watermarks of `topics` (messages written, for fresh topics). */
export async function totalEnd(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
    return total;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Messages of `topics` a group has not committed yet (high watermark − committed offset, summed).
 * A committed offset of the scorer means: state committed and outputs acknowledged (docs/streaming.md).
 */
export async function groupBehind(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let behind = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const offset = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
        behind += Math.max(0, Number(end.high) - Math.max(0, offset));
      }
    }
    return behind;
  } finally {
    await admin.disconnect();
  }
}

export function connectRedis(env: BenchEnv): Redis {
  return new Redis(env.redisUrl, { maxRetriesPerRequest: 3 });
}

/** Deletes every key starting with `prefix` (SCAN + UNLINK); returns how many. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Peak resident set size of a process (VmHWM, Linux), in bytes; undefined when unknown. */
export function peakRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The value of a counter (summed over its label sets) in a Prometheus text exposition. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function rate(events: number, ms: number): number {
  return ms > 0 ? Math.round((events / ms) * 1000) : 0;
}

/** CPU seconds (user + system) this process used since `start` (a process.cpuUsage() reading). */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1e4) / 100;
}
