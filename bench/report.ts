/** The run's report: one JSON document, and the same as markdown with a summary table against the targets. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CeilingResult } from './ceiling.js';
import type { KafkaClientsResult } from './kafka-clients.js';
import { clientsMarkdown } from './kafka-clients-report.js';
import type { LatencyResult } from './latency.js';
import type { RedisMemoryResult } from './memory.js';
import type { NaiveResult } from './naive-consumer.js';
import type { PrefillResult } from './prefill.js';
import type { ThroughputResult } from './scorer-instances.js';

/** The scorer's own view of a phase: chunks scored, mean chunk time, mean Redis round trip by operation (ms). */
export interface ChunkTimings {
  readonly cpuSeconds: number;
  readonly chunks: number;
  readonly meanChunkMs: number;
  readonly meanRedisMs: Record<string, number>;
}

const timings = (t: ChunkTimings) =>
  `${t.cpuSeconds} s of scorer CPU, ${n(t.chunks)} chunks, ${t.meanChunkMs} ms each; Redis ${Object.entries(t.meanRedisMs)
    .map(([op, v]) => `${op} ${v} ms`)
    .join(', ')}`;

export interface BenchReport {
  readonly startedAt: string;
  readonly mode: 'quick' | 'full';
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memGiB: number;
    readonly loadAverageAtStart: readonly number[];
    readonly loadByPhase: Record<string, number>;
  };
  readonly scorerSettings: Record<string, string>;
  readonly input: PrefillResult & { readonly contacts: number; readonly seed: number };
  readonly ceiling: CeilingResult;
  readonly naive: NaiveResult;
  readonly scorer: ThroughputResult & { readonly chunks: ChunkTimings };
  readonly latency: readonly (LatencyResult & { readonly scorer: ChunkTimings })[];
  readonly redis: RedisMemoryResult;
  readonly scorerPeakRssBytes: number | null;
  readonly scaling: readonly ThroughputResult[];
  readonly engineMicroBench: string;
  readonly cpuProfiles: readonly string[];
  readonly profileSummaries: readonly string[];
  /** Only with --clients. */
  readonly kafkaClients?: KafkaClientsResult;
  readonly durationSeconds: number;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');

export interface SummaryRow {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly status: string;
}

export function summaryRows(r: BenchReport): SummaryRow[] {
  const ofCeiling = r.scorer.eventsPerSecond / Math.max(1, r.ceiling.eventsPerSecond);
  const ofNaive = r.scorer.eventsPerSecond / Math.max(1, r.naive.eventsPerSecond);
  const us = (cpuSeconds: number, events: number) => `${n((cpuSeconds / Math.max(1, events)) * 1e6)} µs CPU/event`;
  const rows: SummaryRow[] = [
    {
      measure: '1. ceiling: kafkajs consume-only',
      value: `${n(r.ceiling.eventsPerSecond)} events/s (${us(r.ceiling.cpuSeconds, r.ceiling.events)})`,
      target: '',
      status: '',
    },
    {
      measure: `2. naive consumer (first ${n(r.naive.events)} events)`,
      value: `${n(r.naive.eventsPerSecond)} events/s (${us(r.naive.cpuSeconds, r.naive.events)})`,
      target: '',
      status: '',
    },
    {
      measure: `3. scorer end to end (${n(r.scorer.events)} events, ${n(r.input.contacts)} contacts)`,
      value: `${n(r.scorer.eventsPerSecond)} events/s (${us(r.scorer.cpuSeconds, r.scorer.events)})`,
      target: '',
      status: '',
    },
    {
      measure: '   scorer / ceiling',
      value: `${(ofCeiling * 100).toFixed(0)} %`,
      target: '≥ 60 %',
      status: mark(ofCeiling >= 0.6),
    },
    { measure: '   scorer / naive', value: `${ofNaive.toFixed(1)}×`, target: '≥ 10×', status: mark(ofNaive >= 10) },
  ];
  for (const l of r.latency) {
    const fixed = l.offeredRate === 1000;
    rows.push({
      measure: `4. latency at ${n(l.offeredRate)} events/s (p50 / p95 / p99)`,
      value: `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`,
      target: fixed ? 'p99 < 50 ms' : '',
      status: fixed ? mark(l.p99 < 50) : '',
    });
  }
  rows.push(
    {
      measure: '5. Redis bytes per contact (starter grid)',
      value: `${n(r.redis.bytesPerContact)} B (state key ${n(r.redis.stateKeyBytes)} + decay index ${n(r.redis.decayIndexBytesPerContact)})`,
      target: '≤ 200 B',
      status: mark(r.redis.bytesPerContact <= 200),
    },
    {
      measure: '   scorer peak RSS',
      value: r.scorerPeakRssBytes === null ? 'n/a' : `${n(r.scorerPeakRssBytes / 2 ** 20)} MiB`,
      target: '',
      status: '',
    },
  );
  for (const s of r.scaling) {
    rows.push({
      measure: `6. scaling: ${s.instances} instance${s.instances > 1 ? 's' : ''}`,
      value: `${n(s.eventsPerSecond)} events/s (${us(s.cpuSeconds, s.events)})`,
      target: '',
      status: '',
    });
  }
  return rows;
}

export function renderMarkdown(r: BenchReport): string {
  const rows = summaryRows(r)
    .map((row) => `| ${row.measure} | ${row.value} | ${row.target} | ${row.status} |`)
    .join('\n');
  const latency = r.latency
    .map(
      (l) =>
        `| ${n(l.offeredRate)} | ${n(l.achievedRate)} | ${l.seconds} s | ${n(l.samples)} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(l.producerLagMs)} |`,
    )
    .join('\n');
  const scaling = r.scaling
    .map(
      (s) =>
        `| ${s.instances} | ${n(s.events)} | ${(s.ms / 1000).toFixed(1)} s | ${n(s.eventsPerSecond)} | ${s.cpuSeconds.toFixed(1)} s | ${(s.wallMs / 1000).toFixed(1)} s | ${n(s.redelivered)} | ${n(s.stateConflicts)} |`,
    )
    .join('\n');
  return `# leadscore benchmark, ${r.startedAt} (${r.mode})

${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}; load average at start ${r.machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}; 1-min load after each phase: ${Object.entries(
    r.machine.loadByPhase,
  )
    .map(([phase, load]) => `${phase} ${load}`)
    .join(', ')}.
CPU per event is the consumer's own CPU time (user + system) over the events it handled: unlike events/s it hardly depends on what else runs on the cores.
Broker, registry, Redis, the scorer(s) and this load generator all share these cores.
Input: ${n(r.input.events)} synthetic events (seed ${r.input.seed}; ${n(r.input.behavioural)} behavioural, ${n(r.input.contactUpdates)} contact updates) over ${n(r.input.contacts)} contacts, 6 partitions per topic, pre-filled in ${(r.input.ms / 1000).toFixed(1)} s.
Scorer settings: ${Object.entries(r.scorerSettings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}.

| measure | value | target | status |
|---|---|---|---|
${rows}

## 3. Scorer end to end

${n(r.scorer.events)} input messages scored in ${(r.scorer.ms / 1000).toFixed(1)} s from the first message consumed (${(r.scorer.wallMs / 1000).toFixed(1)} s from process start, tsx start-up and group join included): ${n(r.scorer.scoreChanges)} score changes, ${n(r.scorer.thresholdCrossings)} threshold crossings produced. "Done" = \`leadscore_events_scored_total\` + dead-lettered reached the input count (counted only after a chunk's states are committed and its outputs acknowledged), then the group's committed offsets reached the input end. The scorer's own timings: ${timings(r.scorer.chunks)}.

## 4. Latency (event produced → score-changed consumed)

| offered events/s | achieved | duration | samples | p50 | p95 | p99 | max | producer late by (max) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${latency}

The scorer meanwhile: ${r.latency.map((l) => `at ${n(l.offeredRate)}/s ${timings(l.scorer)}`).join('; ')}.

## 5. Memory

Redis: ${n(r.redis.contacts)} contacts with a state; MEMORY USAGE over ${n(r.redis.sampled)} state keys: ${n(r.redis.stateKeyBytes)} B each (value alone ${n(r.redis.stateValueBytes)} B), plus ${n(r.redis.decayIndexBytesPerContact)} B per contact for the decay index; ${n(r.redis.outboxesLeft)} outboxes left. Scorer peak RSS (VmHWM): ${r.scorerPeakRssBytes === null ? 'n/a' : `${n(r.scorerPeakRssBytes / 2 ** 20)} MiB`}.

## 6. Scaling

| instances | events | scoring time | events/s | scorer CPU | wall (incl. start-up) | scored twice | state conflicts |
|---:|---:|---:|---:|---:|---:|---:|---:|
${scaling}

## Engine micro-benchmark

\`\`\`
${r.engineMicroBench}
\`\`\`
${r.profileSummaries.length > 0 ? `\n## CPU profiles\n\n${r.profileSummaries.join('\n\n')}\n` : ''}${r.kafkaClients ? `\n${clientsMarkdown(r.kafkaClients)}` : ''}
Total run: ${r.durationSeconds.toFixed(0)} s.
`;
}

export function writeReport(outDir: string, report: BenchReport): void {
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'report.md'), renderMarkdown(report));
}

export function printSummary(report: BenchReport): void {
  const rows = summaryRows(report);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.measure, r.value, r.target][i]!.length)));
  for (const r of rows)
    console.log(
      `${r.measure.padEnd(w[0]!)}  ${r.value.padEnd(w[1]!)}  ${r.target.padEnd(w[2]!)}  ${r.status.replace(/\*/g, '')}`,
    );
}
