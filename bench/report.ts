/** The run's report: one JSON document, and the same as markdown with a summary table against the targets. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountsResult } from './accounts.js';
import type { CeilingResult } from './ceiling.js';
import type { EngineFigures } from './engine-figures.js';
import type { HotContactResult } from './hot-contact.js';
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
  /** Phase 7; absent with --skip-hot. */
  readonly hotContact?: HotContactResult;
  readonly engineMicroBench: string;
  /** Read from engineMicroBench: only what the engine bench printed. */
  readonly engineFigures: EngineFigures;
  /** The same micro-benchmark on a grid with two scores and a grade matrix (deploy/grids/b2b.yaml); absent in reports of before. */
  readonly severalScoresMicroBench?: string;
  readonly severalScoresFigures?: EngineFigures;
  readonly cpuProfiles: readonly string[];
  readonly profileSummaries: readonly string[];
  /** Phase 9; absent with --skip-accounts. */
  readonly accounts?: AccountsResult;
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
}

export interface TargetRow {
  readonly target: string;
  readonly value: string;
  readonly goal: string;
  /** met / not met, or n/a when the run did not measure it */
  readonly status: string;
}

const us = (cpuSeconds: number, events: number) => (cpuSeconds / Math.max(1, events)) * 1e6;
const usText = (cpuSeconds: number, events: number) => `${n(us(cpuSeconds, events))} µs CPU/event`;
const NOT_MEASURED = 'n/a';

/** The project's performance targets (docs/performance.md), each from this run's figures. */
export function targetRows(r: BenchReport): TargetRow[] {
  const rows: TargetRow[] = [];
  const h = r.hotContact;
  rows.push(
    h
      ? {
          target: `hot contact: 1 contact vs ${n(h.spread.contacts)} contacts (${n(h.hot.events)} events each)`,
          value: `${(h.ratio * 100).toFixed(0)} % (${n(h.hot.eventsPerSecond)} vs ${n(h.spread.eventsPerSecond)} events/s)`,
          goal: '≥ 80 %',
          status: mark(h.ratio >= 0.8),
        }
      : { target: 'hot contact: events/s of 1 contact vs spread', value: NOT_MEASURED, goal: '≥ 80 %', status: NOT_MEASURED },
    h
      ? {
          target: 'hot contact: Redis value of its state',
          value: `${n(h.stateValueBytes)} B (MEMORY USAGE of the key ${n(h.stateKeyBytes)} B)`,
          goal: '< 1 KB',
          status: mark(h.stateValueBytes < 1024),
        }
      : { target: 'hot contact: Redis value of its state', value: NOT_MEASURED, goal: '< 1 KB', status: NOT_MEASURED },
  );
  rows.push(...accountTargetRows(r.accounts));
  const e = r.engineFigures;
  rows.push(
    {
      target: 'engine applyEvent',
      value: e.applyEventPerSecond === undefined ? NOT_MEASURED : `${n(e.applyEventPerSecond)} events/s`,
      goal: '≥ 1,000,000 events/s',
      status: e.applyEventPerSecond === undefined ? NOT_MEASURED : mark(e.applyEventPerSecond >= 1_000_000),
    },
    {
      target: 'engine replay / JSON.parse alone (same file)',
      value:
        e.replayOfJsonParse === undefined
          ? NOT_MEASURED
          : `${(e.replayOfJsonParse * 100).toFixed(0)} %${
              e.replayPerSecond !== undefined && e.jsonParsePerSecond !== undefined
                ? ` (${n(e.replayPerSecond)} vs ${n(e.jsonParsePerSecond)} events/s)`
                : ''
            }`,
      goal: '≥ 50 %',
      status: e.replayOfJsonParse === undefined ? NOT_MEASURED : mark(e.replayOfJsonParse >= 0.5),
    },
  );
  const several = r.severalScoresFigures?.applyEventPerSecond;
  rows.push({
    target: 'engine applyEvent, two scores + grade matrix (b2b.yaml)',
    value:
      several === undefined
        ? NOT_MEASURED
        : `${n(several)} events/s${e.applyEventPerSecond ? ` (${((several / e.applyEventPerSecond) * 100).toFixed(0)} % of one score)` : ''}`,
    goal: 'reported beside one score',
    status: several === undefined ? NOT_MEASURED : 'reported',
  });
  const scorerUs = us(r.scorer.cpuSeconds, r.scorer.events);
  const ceilingUs = us(r.ceiling.cpuSeconds, r.ceiling.events);
  const ofCeiling = scorerUs / Math.max(1e-9, ceilingUs);
  rows.push(
    {
      target: 'scorer CPU per event, end to end',
      value: `${scorerUs.toFixed(1)} µs`,
      goal: '≤ 25 µs',
      status: mark(scorerUs <= 25),
    },
    {
      target: 'scorer CPU per event / consume-only ceiling',
      value: `${ofCeiling.toFixed(1)}× (${scorerUs.toFixed(1)} vs ${ceilingUs.toFixed(1)} µs)`,
      goal: '≤ 4×',
      status: mark(ofCeiling <= 4),
    },
  );
  const fixed = r.latency.find((l) => l.offeredRate === 1000);
  rows.push(
    {
      target: 'p99 produce → score-changed at 1,000 events/s',
      value: fixed ? ms(fixed.p99) : NOT_MEASURED,
      goal: '< 50 ms',
      status: fixed ? mark(fixed.p99 < 50) : NOT_MEASURED,
    },
    {
      target: 'Redis bytes per contact (starter grid)',
      value: `${n(r.redis.bytesPerContact)} B`,
      goal: '≤ 128 B',
      status: mark(r.redis.bytesPerContact <= 128),
    },
  );
  return rows;
}

export function summaryRows(r: BenchReport): SummaryRow[] {
  const ofCeiling = r.scorer.eventsPerSecond / Math.max(1, r.ceiling.eventsPerSecond);
  const ofNaive = r.scorer.eventsPerSecond / Math.max(1, r.naive.eventsPerSecond);
  const rows: SummaryRow[] = [
    {
      measure: '1. ceiling: kafkajs consume-only',
      value: `${n(r.ceiling.eventsPerSecond)} events/s (${usText(r.ceiling.cpuSeconds, r.ceiling.events)})`,
    },
    {
      measure: `2. naive consumer (first ${n(r.naive.events)} events)`,
      value: `${n(r.naive.eventsPerSecond)} events/s (${usText(r.naive.cpuSeconds, r.naive.events)})`,
    },
    {
      measure: `3. scorer end to end (${n(r.scorer.events)} events, ${n(r.input.contacts)} contacts)`,
      value: `${n(r.scorer.eventsPerSecond)} events/s (${usText(r.scorer.cpuSeconds, r.scorer.events)})`,
    },
    { measure: '   scorer / ceiling (events/s)', value: `${(ofCeiling * 100).toFixed(0)} %` },
    { measure: '   scorer / naive (events/s)', value: `${ofNaive.toFixed(1)}×` },
  ];
  for (const l of r.latency) {
    rows.push({
      measure: `4. latency at ${n(l.offeredRate)} events/s (p50 / p95 / p99)`,
      value: `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`,
    });
  }
  rows.push(
    {
      measure: '5. Redis bytes per contact (starter grid)',
      value: `${n(r.redis.bytesPerContact)} B (state key ${n(r.redis.stateKeyBytes)} + decay index ${n(r.redis.decayIndexBytesPerContact)})`,
    },
    {
      measure: '   scorer peak RSS',
      value: r.scorerPeakRssBytes === null ? 'n/a' : `${n(r.scorerPeakRssBytes / 2 ** 20)} MiB`,
    },
  );
  for (const s of r.scaling) {
    rows.push({
      measure: `6. scaling: ${s.instances} instance${s.instances > 1 ? 's' : ''}`,
      value: `${n(s.eventsPerSecond)} events/s (${usText(s.cpuSeconds, s.events)})`,
    });
  }
  const h = r.hotContact;
  if (h) {
    for (const [name, side] of [
      ['1 contact', h.hot],
      [`${n(h.spread.contacts)} contacts`, h.spread],
    ] as const) {
      rows.push({
        measure: `7. hot contact: ${n(side.events)} events, ${name}`,
        value: `${n(side.eventsPerSecond)} events/s (${usText(side.cpuSeconds, side.events)})`,
      });
    }
  }
  const a = r.accounts;
  if (a) {
    for (const [name, side] of [
      [`${n(a.small.accounts)} accounts of 3`, a.small],
      ['1 account', a.large],
    ] as const) {
      rows.push({
        measure: `9. account service: ${n(side.changes)} member score changes, ${name}`,
        value: `${n(side.changesPerSecond)} changes/s (${side.cpuMicrosPerChange.toFixed(1)} µs CPU/change)`,
      });
    }
    rows.push({
      measure: `   score-changed → account-score-changed at ${n(a.latency.offeredRate)}/s (p50 / p95 / p99)`,
      value: `${ms(a.latency.p50)} / ${ms(a.latency.p95)} / ${ms(a.latency.p99)}`,
    });
  }
  return rows;
}

/** The account service's two targets (docs/performance.md); n/a when the phase did not run. */
export function accountTargetRows(a: AccountsResult | undefined): TargetRow[] {
  if (!a) {
    return [
      {
        target: 'account service: 1 account vs accounts of 3 (changes/s, CPU)',
        value: NOT_MEASURED,
        goal: '≥ 80 %',
        status: NOT_MEASURED,
      },
      {
        target: 'p99 score-changed → account-score-changed at 1,000/s',
        value: NOT_MEASURED,
        goal: '< 100 ms',
        status: NOT_MEASURED,
      },
    ];
  }
  return [
    {
      target: `account service: 1 account of ${n(a.large.members)} vs ${n(a.small.accounts)} accounts of 3 (${n(a.large.changes)} changes each)`,
      value: `${(a.rateRatio * 100).toFixed(0)} % changes/s (${n(a.large.changesPerSecond)} vs ${n(a.small.changesPerSecond)}); ${(a.cpuRatio * 100).toFixed(0)} % CPU (${a.large.cpuMicrosPerChange.toFixed(1)} vs ${a.small.cpuMicrosPerChange.toFixed(1)} µs/change)`,
      goal: '≥ 80 % both',
      status: mark(a.rateRatio >= 0.8 && a.cpuRatio >= 0.8),
    },
    {
      target: `p99 score-changed → account-score-changed at ${n(a.latency.offeredRate)}/s`,
      value: `${ms(a.latency.p99)} (${n(a.latency.samples)} samples)`,
      goal: '< 100 ms',
      status: mark(a.latency.p99 < 100),
    },
  ];
}

/** The scorer's CPU per event over a latency phase (µs, rounded; '–' without events). */
export function scorerMicrosPerEvent(l: { readonly events: number; readonly scorer: ChunkTimings }): string {
  return l.events > 0 ? ((l.scorer.cpuSeconds / l.events) * 1e6).toFixed(0) : '–';
}

export function renderMarkdown(r: BenchReport): string {
  const targets = targetRows(r)
    .map((row) => `| ${row.target} | ${row.value} | ${row.goal} | ${row.status} |`)
    .join('\n');
  const rows = summaryRows(r)
    .map((row) => `| ${row.measure} | ${row.value} |`)
    .join('\n');
  const latency = r.latency
    .map(
      (l) =>
        `| ${n(l.offeredRate)} | ${n(l.achievedRate)} | ${l.seconds} s | ${n(l.samples)} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(l.producerLagMs)} | ${scorerMicrosPerEvent(l)} µs | ${Math.round(l.benchBusy * 100)} % |`,
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

## Targets

| target | value | goal | status |
|---|---|---|---|
${targets}

## Figures

| measure | value |
|---|---|
${rows}

## 3. Scorer end to end

${n(r.scorer.events)} input messages scored in ${(r.scorer.ms / 1000).toFixed(1)} s from the first message consumed (${(r.scorer.wallMs / 1000).toFixed(1)} s from process start, tsx start-up and group join included): ${n(r.scorer.scoreChanges)} score changes, ${n(r.scorer.thresholdCrossings)} threshold crossings produced. "Done" = \`leadscore_events_scored_total\` + dead-lettered reached the input count (counted only after a chunk's states are committed and its outputs acknowledged), then the group's committed offsets reached the input end. The scorer's own timings: ${timings(r.scorer.chunks)}.

## 4. Latency (event produced → score-changed consumed)

| offered events/s | achieved | duration | samples | p50 | p95 | p99 | max | producer late by (max) | scorer CPU per event | bench process busy |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${latency}

The scorer meanwhile: ${r.latency.map((l) => `at ${n(l.offeredRate)}/s ${timings(l.scorer)}`).join('; ')}.

## 5. Memory

Redis: ${n(r.redis.contacts)} contacts with a state; MEMORY USAGE over ${n(r.redis.sampled)} state keys: ${n(r.redis.stateKeyBytes)} B each (value alone ${n(r.redis.stateValueBytes)} B), plus ${n(r.redis.decayIndexBytesPerContact)} B per contact for the decay index; ${n(r.redis.outboxesLeft)} outboxes left. Scorer peak RSS (VmHWM): ${r.scorerPeakRssBytes === null ? 'n/a' : `${n(r.scorerPeakRssBytes / 2 ** 20)} MiB`}.

## 6. Scaling

| instances | events | scoring time | events/s | scorer CPU | wall (incl. start-up) | scored twice | state conflicts |
|---:|---:|---:|---:|---:|---:|---:|---:|
${scaling}

${r.hotContact ? hotContactMarkdown(r.hotContact) : ''}${r.accounts ? accountsMarkdown(r.accounts) : ''}## Engine micro-benchmark

\`\`\`
${r.engineMicroBench}
\`\`\`
${
  r.severalScoresMicroBench
    ? `
## Engine micro-benchmark, several scores (deploy/grids/b2b.yaml)

\`\`\`
${r.severalScoresMicroBench}
\`\`\`
`
    : ''
}${r.profileSummaries.length > 0 ? `\n## CPU profiles\n\n${r.profileSummaries.join('\n\n')}\n` : ''}${r.kafkaClients ? `\n${clientsMarkdown(r.kafkaClients)}` : ''}
Total run: ${r.durationSeconds.toFixed(0)} s.
`;
}

export function writeReport(outDir: string, report: BenchReport): void {
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'report.md'), renderMarkdown(report));
}

function hotContactMarkdown(h: HotContactResult): string {
  const side = (name: string, x: HotContactResult['hot']) =>
    `| ${name} | ${n(x.contacts)} | ${n(x.events)} | ${(x.ms / 1000).toFixed(1)} s | ${n(x.eventsPerSecond)} | ${n(us(x.cpuSeconds, x.events))} µs | ${n(x.redelivered)} |`;
  return `## 7. Hot contact

The same events (rules \`${h.rules.unlimited}\`, all time without limit, and \`${h.rules.windowed}\`, windowed), scored by one scorer process from fresh topics: all for one contact (one partition), then over ${n(h.spread.contacts)} contacts.

| side | contacts | events | scoring time | events/s | CPU/event | scored twice |
|---|---:|---:|---:|---:|---:|---:|
${side('hot', h.hot)}
${side('spread', h.spread)}

Hot / spread: ${(h.ratio * 100).toFixed(0)} %. The hot contact's state afterwards: ${n(h.stateValueBytes)} B of value, ${n(h.stateKeyBytes)} B of MEMORY USAGE.

`;
}

export function accountsMarkdown(a: AccountsResult): string {
  const side = (name: string, x: AccountsResult['small']) =>
    `| ${name} | ${n(x.accounts)} | ${n(x.members)} | ${n(x.changes)} | ${(x.ms / 1000).toFixed(1)} s | ${n(x.changesPerSecond)} | ${x.cpuMicrosPerChange.toFixed(1)} µs | ${n(x.accountScoreChanges)} | ${(x.produceMs / 1000).toFixed(1)} s | ${n(x.skipped)} | ${n(x.stateConflicts)} |`;
  const l = a.latency;
  return `## 9. Account service

The real account service process (grid \`${a.grid}\`; settings ${
    Object.entries(a.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'the defaults'
  }), fresh topics and keys each side: the members joined their accounts (contact_updated), then the same member score changes (score-changed, per contact sequences from 1) timed from the first sent to the last applied by the accounts stage (\`leadscore_accounts_inputs_total{stage="accounts"}\`), with the service's CPU.

| side | accounts | members | changes | time | changes/s | CPU/change | account-score-changed | produced in | skipped | state conflicts |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${side('accounts of 3', a.small)}
${side('one account', a.large)}

One account / accounts of 3: ${(a.rateRatio * 100).toFixed(0)} % of the changes/s, ${(a.cpuRatio * 100).toFixed(0)} % of the CPU per change (small's µs ÷ large's).

Latency score-changed produced → account-score-changed consumed (accounts of 3, caught up), matched by \`cause.scoreChangeId\`: offered ${n(l.offeredRate)}/s, achieved ${n(l.achievedRate)}/s for ${l.seconds} s, ${n(l.samples)} samples of ${n(l.events)} changes; p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}; producer late by ${ms(l.producerLagMs)} at most. The members stage alone (score-changed sent → its member change on the internal topic consumed): p50 ${ms(l.membersStage.p50)}, p95 ${ms(l.membersStage.p95)}, p99 ${ms(l.membersStage.p99)}. Over the phase the account service used ${l.cpuMicrosPerChange} µs of CPU per change (${Math.round(l.serviceBusy * 100)} % of a core), the benchmark's own process (producer and matchers) ${Math.round(l.benchBusy * 100)} % of a core.

`;
}

export function printSummary(report: BenchReport): void {
  const table = (rows: string[][]) => {
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows)
      console.log(
        r
          .map((cell, i) => cell.padEnd(w[i]!))
          .join('  ')
          .replace(/\*/g, '')
          .trimEnd(),
      );
  };
  table(summaryRows(report).map((r) => [r.measure, r.value]));
  console.log('');
  table(targetRows(report).map((r) => [r.target, r.value, r.goal, r.status]));
}
