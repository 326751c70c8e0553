/**
 * Runs the real scorer (`services/scorer/bin/scorer.js`, one OS process each, as in
 * production) against a run's topics, and times how long it takes to score everything.
 *
 * "Every output produced" is read from the scorers themselves: `leadscore_events_scored_total`
 * (+ dead-lettered) only counts an event once its chunk's states are committed and its outputs
 * acknowledged by the broker (acks=all). The run is done when the sum over instances reaches
 * the number of input messages; then the group's committed offsets must reach the input end
 * too (checked, bounded). If some messages were scored twice (redelivery after the rebalance
 * when a second instance joins), the end is the moment the committed offsets reached the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/scorer-process.js';
import { groupBehind, metricSum, peakRss, rate, sleep, type BenchEnv } from './bench-env.js';
import type { TopicSet } from './prefill.js';

const POLL_MS = 100;
const SCORER_BIN = fileURLToPath(new URL('../services/scorer/bin/scorer.js', import.meta.url));

/** One scorer OS process; node flags (--cpu-prof is refused in NODE_OPTIONS) go before the script. */
class ScorerProcess {
  private child?: ChildProcess;
  private exited?: Promise<unknown>;
  private port = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly nodeArgs: readonly string[],
    private readonly logFile: string,
  ) {}

  async start(): Promise<this> {
    this.port = await freePort();
    const child = spawn(process.execPath, [...this.nodeArgs, SCORER_BIN], {
      env: { ...process.env, ...this.env, HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    await this.exited;
  }
}

export interface ScorerFleetOptions {
  readonly set: TopicSet;
  readonly groupId: string;
  readonly keyPrefix: string;
  readonly instances: number;
  /** Write a V8 CPU profile of each instance into this folder (node --cpu-prof). */
  readonly cpuProfileDir?: string | undefined;
  readonly extraEnv?: Record<string, string>;
}

export interface ThroughputResult {
  readonly instances: number;
  readonly events: number;
  /** From the first message consumed (any instance) to the last one scored. */
  readonly ms: number;
  readonly eventsPerSecond: number;
  /** CPU seconds the instances used over `ms` (prom-client's process_cpu_seconds_total; ±1 poll). */
  readonly cpuSeconds: number;
  /** From process start (tsx start-up, Redis/Kafka connect, group join included). */
  readonly wallMs: number;
  readonly scoreChanges: number;
  readonly thresholdCrossings: number;
  readonly redelivered: number;
  readonly stateConflicts: number;
}

export interface ScorerTimings {
  /** CPU seconds (user + system) the instances have used. */
  readonly cpuSeconds: number;
  readonly chunks: number;
  readonly chunkSeconds: number;
  readonly redis: Record<string, { count: number; seconds: number }>;
}

/** What happened between two timings: chunks, mean chunk time and mean Redis round trip (ms). */
export function timingDelta(
  before: ScorerTimings,
  after: ScorerTimings,
): { cpuSeconds: number; chunks: number; meanChunkMs: number; meanRedisMs: Record<string, number> } {
  const chunks = after.chunks - before.chunks;
  const meanRedisMs: Record<string, number> = {};
  for (const [op, t] of Object.entries(after.redis)) {
    const count = t.count - (before.redis[op]?.count ?? 0);
    meanRedisMs[op] = count > 0 ? Math.round(((t.seconds - (before.redis[op]?.seconds ?? 0)) / count) * 1e4) / 10 : 0;
  }
  return {
    cpuSeconds: Math.round((after.cpuSeconds - before.cpuSeconds) * 100) / 100,
    chunks,
    meanChunkMs: chunks > 0 ? Math.round(((after.chunkSeconds - before.chunkSeconds) / chunks) * 1e4) / 10 : 0,
    meanRedisMs,
  };
}

export class ScorerFleet {
  readonly processes: ScorerProcess[] = [];
  private startedAt = 0;

  constructor(
    private readonly env: BenchEnv,
    private readonly options: ScorerFleetOptions,
  ) {}

  async start(): Promise<void> {
    const { set, groupId, keyPrefix, cpuProfileDir } = this.options;
    if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
    this.startedAt = performance.now();
    for (let i = 0; i < this.options.instances; i += 1) {
      const env: Record<string, string> = {
        KAFKA_BROKERS: this.env.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: this.env.schemaRegistryUrl,
        REDIS_URL: this.env.redisUrl,
        TOPIC_PREFIX: set.prefix,
        REDIS_KEY_PREFIX: keyPrefix,
        SCORER_GROUP_ID: groupId,
        LOG_LEVEL: 'warn',
        PROVISION: 'false',
        ...this.options.extraEnv,
      };
      const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
      this.processes.push(await new ScorerProcess(env, nodeArgs, join(this.env.outDir, `scorer-${groupId}-${i}.log`)).start());
    }
  }

  async metrics(): Promise<string[]> {
    return Promise.all(this.processes.map((p) => p.metrics().catch(() => '')));
  }

  private async sum(name: string): Promise<number> {
    return (await this.metrics()).reduce((s, text) => s + metricSum(text, name), 0);
  }

  /** Waits until `expected` input messages are scored (see the file comment), bounded by `timeoutMs`. */
  async waitScored(expected: number, timeoutMs: number): Promise<ThroughputResult> {
    const deadline = performance.now() + timeoutMs;
    let first = 0;
    let end = 0;
    let cpuAtFirst = 0;
    let cpuAtEnd = 0;
    for (;;) {
      for (const p of this.processes) if (!p.running) throw new Error(`scorer ${p.pid} exited during the benchmark`);
      const texts = await this.metrics();
      const now = performance.now();
      const consumed = texts.reduce((s, t) => s + metricSum(t, 'leadscore_events_consumed_total'), 0);
      const scored = texts.reduce(
        (s, t) => s + metricSum(t, 'leadscore_events_scored_total') + metricSum(t, 'leadscore_events_dead_lettered_total'),
        0,
      );
      if (first === 0 && consumed > 0) {
        first = now - POLL_MS / 2;
        cpuAtFirst = texts.reduce((s, t) => s + metricSum(t, 'leadscore_scorer_process_cpu_seconds_total'), 0);
      }
      if (scored >= expected) {
        end = now;
        cpuAtEnd = texts.reduce((s, t) => s + metricSum(t, 'leadscore_scorer_process_cpu_seconds_total'), 0);
        break;
      }
      if (now > deadline) throw new Error(`scorers scored ${scored} of ${expected} messages in ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
    let committedAt = 0;
    const commitDeadline = performance.now() + 30_000;
    while (committedAt === 0) {
      if ((await groupBehind(this.env.kafka, this.options.groupId, this.options.set.inputTopics)) === 0)
        committedAt = performance.now();
      else if (performance.now() > commitDeadline) throw new Error(`group ${this.options.groupId} did not commit the input end`);
      else await sleep(POLL_MS);
    }
    const scored = (await this.sum('leadscore_events_scored_total')) + (await this.sum('leadscore_events_dead_lettered_total'));
    const redelivered = Math.max(0, scored - expected);
    if (redelivered > 0) end = committedAt;
    const ms = end - first;
    return {
      instances: this.processes.length,
      events: expected,
      ms,
      eventsPerSecond: rate(expected, ms),
      cpuSeconds: Math.round((cpuAtEnd - cpuAtFirst) * 100) / 100,
      wallMs: end - this.startedAt,
      scoreChanges: await this.sum('leadscore_score_changes_total'),
      thresholdCrossings: await this.sum('leadscore_threshold_crossings_total'),
      redelivered,
      stateConflicts: await this.sum('leadscore_state_conflicts_total'),
    };
  }

  /** Summed over instances: chunks scored and their total duration, Redis round trips and their time, by operation. */
  async timings(): Promise<ScorerTimings> {
    const texts = await this.metrics();
    const sum = (name: string) => texts.reduce((s, t) => s + metricSum(t, name), 0);
    const redis: Record<string, { count: number; seconds: number }> = {};
    for (const op of ['read', 'commit', 'clear-outbox']) {
      const label = `{operation="${op}"}`;
      redis[op] = {
        count: texts.reduce(
          (s, t) => s + metricSum(t.replaceAll(`leadscore_redis_duration_seconds_count${label}`, 'x_count'), 'x_count'),
          0,
        ),
        seconds: texts.reduce(
          (s, t) => s + metricSum(t.replaceAll(`leadscore_redis_duration_seconds_sum${label}`, 'x_sum'), 'x_sum'),
          0,
        ),
      };
    }
    return {
      cpuSeconds: sum('leadscore_scorer_process_cpu_seconds_total'),
      chunks: sum('leadscore_batch_duration_seconds_count'),
      chunkSeconds: sum('leadscore_batch_duration_seconds_sum'),
      redis,
    };
  }

  /** Peak RSS of each instance so far (bytes). */
  peakRss(): (number | undefined)[] {
    return this.processes.map((p) => peakRss(p.pid));
  }

  /** SIGTERM (graceful: CPU profiles are written on exit). */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
