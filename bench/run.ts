/**
 * `npm run bench [-- --quick] [-- --profile] [-- --skip-hot | --hot-only] [-- --skip-accounts | --accounts-only]`: every benchmark in one run, on the
 * local stack (started if needed). Never part of the test suite.
 *
 *  1. ceiling        kafkajs consume-only rate of the pre-filled input topics
 *  2. naive          eachMessage + a Redis round trip per step + one produce per output
 *  3. scorer         the real scorer process, from the pre-filled topics until every output is produced
 *  4. latency        produce → score-changed consumed, at 1 000 events/s and at half the measured maximum
 *  5. memory         Redis bytes per contact (MEMORY USAGE), scorer peak RSS
 *  6. scaling        1 and 2 scorer instances
 *  7. hot contact    N events for one contact against the same N over N/10 contacts (--skip-hot: not run)
 *  +  the engine micro-benchmark
 *  9. accounts       the account service process: a member's score change in accounts of 3 against one
 *                    account of all the members, and score-changed → account-score-changed latency at
 *                    1 000/s (--skip-accounts: not run; --accounts-only: this phase alone)
 *  8. clients        with --clients: kafkajs, @confluentinc/kafka-javascript and @platformatic/kafka,
 *                    consume-only and consume-and-produce (bench/kafka-clients.ts); --clients-only:
 *                    the pre-fill and this phase alone
 *
 * Writes bench-results/<timestamp>/report.md and report.json (git-ignored), plus the scorer
 * logs and, with --profile, a CPU profile of the single-instance scorer (and of the account service). Every topic, group and
 * Redis key of the run carries the run id; the keys and topics are deleted at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadGridFile } from '@leadscore/service-kit';
import { TOPIC_KINDS } from '@leadscore/contracts';
import { measureAccounts, type AccountsResult } from './accounts.js';
import { benchEnv, connectRedis, createTopics, deleteKeys, deleteTopics, totalEnd } from './bench-env.js';
import { measureCeiling } from './ceiling.js';
import { profileMarkdown, summariseProfile } from './cpu-profile-summary.js';
import { parseEngineFigures } from './engine-figures.js';
import { runEngineMicroBench, SEVERAL_SCORES_GRID } from './engine-micro.js';
import { measureHotContact, type HotContactResult } from './hot-contact.js';
import { measureKafkaClients, type KafkaClientsResult } from './kafka-clients.js';
import { writeClientsReport } from './kafka-clients-report.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { measureRedisMemory } from './memory.js';
import { measureNaive } from './naive-consumer.js';
import { createTopicSet, prefill, type TopicSet } from './prefill.js';
import {
  accountsMarkdown,
  accountTargetRows,
  printSummary,
  scorerMicrosPerEvent,
  writeReport,
  type BenchReport,
} from './report.js';
import { ScorerFleet, timingDelta, type ThroughputResult } from './scorer-instances.js';
import type { ChunkTimings } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GRID = join(ROOT, 'deploy/grids/starter.yaml');
const SEED = 20260601;

/** Scorer tuning given to the benchmark's environment is passed on (and reported); else the scorer's defaults. */
const TUNING = ['SCORER_CHUNK_SIZE', 'SCORER_PARTITIONS_CONCURRENCY'] as const;
const scorerTuning: Record<string, string> = {};
for (const name of TUNING) if (process.env[name]) scorerTuning[name] = process.env[name]!;
/** The same for the account service (phase 9). */
const ACCOUNTS_TUNING = ['ACCOUNTS_CHUNK_SIZE', 'ACCOUNTS_PARTITIONS_CONCURRENCY', 'ACCOUNTS_CACHE_ACCOUNTS'] as const;
const accountsTuning: Record<string, string> = {};
for (const name of ACCOUNTS_TUNING) if (process.env[name]) accountsTuning[name] = process.env[name]!;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'skip-engine': { type: 'boolean', default: false },
    'skip-hot': { type: 'boolean', default: false },
    'hot-only': { type: 'boolean', default: false },
    'skip-accounts': { type: 'boolean', default: false },
    'accounts-only': { type: 'boolean', default: false },
    clients: { type: 'boolean', default: false },
    'clients-only': { type: 'boolean', default: false },
  },
});
const quick = values.quick!;
const SIZES = quick
  ? {
      contacts: 10_000,
      events: 60_000,
      naiveLimit: 3_000,
      naiveMaxMs: 20_000,
      latencySeconds: 10,
      engineEvents: 100_000,
      hotEvents: 100_000,
      accountMembers: 20_000,
      accountChanges: 20_000,
    }
  : {
      contacts: 100_000,
      events: 500_000,
      naiveLimit: 20_000,
      naiveMaxMs: 60_000,
      latencySeconds: 30,
      engineEvents: 1_000_000,
      hotEvents: 1_000_000,
      accountMembers: 100_000,
      accountChanges: 100_000,
    };

/** 1-minute load average after each phase: the cores are shared, and a busy neighbour shows here. */
const loadByPhase: Record<string, number> = {};

function log(message: string, phase?: string): void {
  if (phase) loadByPhase[phase] = Math.round(loadavg()[0]! * 100) / 100;
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Starts the native stack unless the endpoints are given; adopts its exports. */
function ensureStack(): void {
  if (process.env['KAFKA_BROKERS'] && process.env['SCHEMA_REGISTRY_URL'] && process.env['REDIS_URL']) return;
  const out = execFileSync('bash', [join(ROOT, 'deploy/local/stack.sh'), 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const match of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]!] ??= match[2]!.replace(/^['"]|['"]$/g, '');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();
  ensureStack();
  const outDir = join(ROOT, 'bench-results', startedAt.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outDir, { recursive: true });
  const env = benchEnv(outDir, quick);
  const redis = connectRedis(env);
  const grid = await loadGridFile(GRID);
  const prefixes = { topics: `${env.runId}`, keys: `${env.runId}` };
  log(`${quick ? 'quick' : 'full'} run ${env.runId}: ${SIZES.events} events over ${SIZES.contacts} contacts → ${outDir}`);

  const set = await createTopicSet(env.kafka, env.schemaRegistryUrl, prefixes.topics);
  const naiveOutput = `${prefixes.topics}.naive.score-changed`;
  // the hot-contact phase's own topic sets and key prefixes, for the clean-up
  const extraSets: TopicSet[] = [];
  const extraKeyPrefixes: string[] = [];
  await createTopics(env.kafka, [naiveOutput], 6);
  const hotPhase = async (): Promise<HotContactResult> => {
    const result = await measureHotContact(
      env,
      redis,
      {
        events: SIZES.hotEvents,
        grid: grid.grid,
        prefix: `${env.runId}-hc`,
        timeoutMs: quick ? 300_000 : 900_000,
        extraEnv: scorerTuning,
        outDir,
        log: (message) => log(message),
      },
      (topicSet, keyPrefix) => {
        extraSets.push(topicSet);
        extraKeyPrefixes.push(keyPrefix);
      },
    );
    log(
      `hot contact: ${result.hot.eventsPerSecond} vs ${result.spread.eventsPerSecond} events/s spread (${Math.round(result.ratio * 100)} %), state ${result.stateValueBytes} B`,
      'hot contact',
    );
    return result;
  };
  const accountsPhase = async (): Promise<AccountsResult> => {
    const result = await measureAccounts(
      env,
      {
        members: SIZES.accountMembers,
        changes: SIZES.accountChanges,
        latencyRate: 1_000,
        latencySeconds: SIZES.latencySeconds,
        prefix: `${env.runId}-ac`,
        timeoutMs: quick ? 300_000 : 900_000,
        extraEnv: accountsTuning,
        log: (message) => log(message),
        cpuProfileDir: values.profile ? join(outDir, 'profiles') : undefined,
      },
      (topicSet, keyPrefix) => {
        extraSets.push(topicSet);
        extraKeyPrefixes.push(keyPrefix);
      },
    );
    log(
      `accounts: 1 account ${result.large.changesPerSecond} vs ${result.small.changesPerSecond} changes/s in accounts of 3 (${Math.round(result.rateRatio * 100)} %), latency p99 ${result.latency.p99.toFixed(1)} ms (members stage ${result.latency.membersStage.p99.toFixed(1)} ms; service ${result.latency.cpuMicrosPerChange} µs CPU per change, ${Math.round(result.latency.serviceBusy * 100)} % busy; bench process ${Math.round(result.latency.benchBusy * 100)} %)`,
      'accounts',
    );
    return result;
  };
  try {
    if (values['accounts-only']) {
      const result = await accountsPhase();
      writeFileSync(
        join(outDir, 'accounts.json'),
        `${JSON.stringify({ startedAt, loadAverageAtStart, loadByPhase, result }, null, 2)}\n`,
      );
      // one folder per side
      const accountProfileFiles = values.profile
        ? ['accounts-small', 'accounts-large'].flatMap((side) =>
            readdirSync(join(outDir, 'profiles', side)).map((f) => join(outDir, 'profiles', side, f)),
          )
        : [];
      const accountProfiles = busyProfileMarkdown(accountProfileFiles, 1_000);
      writeFileSync(join(outDir, 'accounts.md'), [accountsMarkdown(result), ...accountProfiles].join('\n'));
      console.log('');
      for (const row of accountTargetRows(result)) console.log(`${row.target}: ${row.value} (goal ${row.goal}: ${row.status})`);
      console.log(`\nreport: ${join(outDir, 'accounts.md')}`);
      return;
    }
    if (values['hot-only']) {
      const result = await hotPhase();
      writeFileSync(
        join(outDir, 'hot-contact.json'),
        `${JSON.stringify({ startedAt, loadAverageAtStart, loadByPhase, result }, null, 2)}\n`,
      );
      console.log(`\nreport: ${join(outDir, 'hot-contact.json')}`);
      return;
    }
    const filled = await prefill(env.kafka, set, { seed: SEED, contacts: SIZES.contacts, events: SIZES.events, now: Date.now() });
    log(`pre-filled ${filled.events} events in ${(filled.ms / 1000).toFixed(1)} s`);
    const clientsPhase = async (): Promise<KafkaClientsResult> => {
      const result = await measureKafkaClients(env, set.inputTopics, filled.events, {
        rounds: 2,
        chunkSize: Number(scorerTuning['SCORER_CHUNK_SIZE'] ?? 500),
        passTimeoutMs: quick ? 180_000 : 600_000,
        log: (message) => log(message),
      });
      writeClientsReport(outDir, result);
      return result;
    };
    if (values['clients-only']) {
      await clientsPhase();
      console.log(`\nreport: ${join(outDir, 'kafka-clients.md')}`);
      return;
    }

    const ceiling = await measureCeiling(env.kafka, `${env.runId}-ceiling`, set.inputTopics, filled.events);
    log(`ceiling: ${ceiling.eventsPerSecond} events/s`, 'ceiling');

    const naive = await measureNaive(env.kafka, redis, set, grid, {
      groupId: `${env.runId}-naive`,
      keyPrefix: `${prefixes.keys}-naive`,
      outputTopic: naiveOutput,
      limit: SIZES.naiveLimit,
      maxMs: SIZES.naiveMaxMs,
    });
    log(`naive: ${naive.eventsPerSecond} events/s over ${naive.events} events`, 'naive');

    // 3 + 4 + 5: one scorer instance, the default deployment.
    const profileDir = values.profile ? join(outDir, 'profiles') : undefined;
    const single = new ScorerFleet(env, {
      set,
      groupId: `${env.runId}-scorer-1`,
      keyPrefix: `${prefixes.keys}-s1`,
      instances: 1,
      cpuProfileDir: profileDir,
      extraEnv: scorerTuning,
    });
    let scorer: ThroughputResult;
    let scorerChunks: ChunkTimings;
    const latency: (LatencyResult & { scorer: ChunkTimings })[] = [];
    let peak: number | undefined;
    let redisMemory;
    await single.start();
    try {
      const atStart = await single.timings();
      scorer = await single.waitScored(filled.events, quick ? 300_000 : 900_000);
      scorerChunks = timingDelta(atStart, await single.timings());
      log(`scorer: ${scorer.eventsPerSecond} events/s (${(scorer.ms / 1000).toFixed(1)} s)`, 'scorer');
      redisMemory = await measureRedisMemory(redis, `${prefixes.keys}-s1`, 5_000);
      log(`redis: ${redisMemory.bytesPerContact} B per contact`);
      for (const rate of [1_000, Math.max(100, Math.round(scorer.eventsPerSecond / 2))]) {
        const before = await single.timings();
        const measured = await measureLatency(env.kafka, set, {
          rate,
          seconds: SIZES.latencySeconds,
          seed: SEED + rate,
          contacts: SIZES.contacts,
          groupId: `${env.runId}-latency-${rate}`,
          scorerGroupId: `${env.runId}-scorer-1`,
        });
        const result = { ...measured, scorer: timingDelta(before, await single.timings()) };
        latency.push(result);
        log(
          `latency at ${rate}/s: p50 ${result.p50.toFixed(1)} p95 ${result.p95.toFixed(1)} p99 ${result.p99.toFixed(1)} ms (${result.samples} samples; scorer ${scorerMicrosPerEvent(result)} µs CPU per event, bench process ${Math.round(result.benchBusy * 100)} % busy)`,
          `latency ${rate}/s`,
        );
      }
      peak = single.peakRss()[0];
    } finally {
      await single.stop();
    }

    // 6: two instances over the same input (now including the latency phases' events), own group and keys.
    const scaling: ThroughputResult[] = [scorer];
    const all = await totalEnd(env.kafka, set.inputTopics);
    const pair = new ScorerFleet(env, {
      set,
      groupId: `${env.runId}-scorer-2`,
      keyPrefix: `${prefixes.keys}-s2`,
      instances: 2,
      extraEnv: scorerTuning,
    });
    await pair.start();
    try {
      const two = await pair.waitScored(all, quick ? 300_000 : 900_000);
      scaling.push(two);
      log(`2 instances: ${two.eventsPerSecond} events/s over ${all} events`, '2 instances');
    } finally {
      await pair.stop();
    }

    // 7: one contact with every event against the same events over N/10 contacts, same grid, fresh topics each.
    let hotContact: HotContactResult | undefined;
    if (!values['skip-hot']) hotContact = await hotPhase();

    const accounts = values['skip-accounts'] ? undefined : await accountsPhase();

    let engineMicroBench = '(skipped)';
    let severalScoresMicroBench = '(skipped)';
    if (!values['skip-engine']) {
      log('engine micro-benchmark');
      engineMicroBench = await runEngineMicroBench(SIZES.engineEvents, SIZES.contacts);
      log('engine micro-benchmark, several scores (deploy/grids/b2b.yaml)');
      severalScoresMicroBench = await runEngineMicroBench(SIZES.engineEvents, SIZES.contacts, SEVERAL_SCORES_GRID);
    }

    const kafkaClients = values.clients ? await clientsPhase() : undefined;

    const cpuProfiles = profileDir
      ? readdirSync(profileDir)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(profileDir, f))
      : [];
    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memGiB: Math.round(totalmem() / 2 ** 30),
        loadAverageAtStart,
        loadByPhase,
      },
      scorerSettings: {
        ...Object.fromEntries(TUNING.map((name) => [name, scorerTuning[name] ?? 'default'])),
        LOG_LEVEL: 'warn',
        TOPIC_PARTITIONS: '6',
      },
      input: { ...filled, contacts: SIZES.contacts, seed: SEED },
      ceiling,
      naive,
      scorer: { ...scorer, chunks: scorerChunks },
      latency,
      redis: redisMemory,
      scorerPeakRssBytes: peak ?? null,
      scaling,
      ...(hotContact && { hotContact }),
      ...(accounts && { accounts }),
      engineMicroBench,
      engineFigures: parseEngineFigures(engineMicroBench),
      severalScoresMicroBench,
      severalScoresFigures: parseEngineFigures(severalScoresMicroBench),
      cpuProfiles: cpuProfiles.map((f) => f.slice(ROOT.length)),
      profileSummaries: busyProfileMarkdown(cpuProfiles, 2_000),
      kafkaClients,
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    };
    writeReport(outDir, report);
    console.log('');
    printSummary(report);
    console.log(`\nreport: ${join(outDir, 'report.md')}`);
  } finally {
    let keys =
      (await deleteKeys(redis, `${prefixes.keys}-naive:`)) +
      (await deleteKeys(redis, `${prefixes.keys}-s1:`)) +
      (await deleteKeys(redis, `${prefixes.keys}-s2:`));
    for (const keyPrefix of extraKeyPrefixes) keys += await deleteKeys(redis, `${keyPrefix}:`);
    log(`cleaned ${keys} Redis keys`);
    const topics = [set, ...extraSets].flatMap((s) => TOPIC_KINDS.map((k) => s.topics[k]));
    await deleteTopics(env.kafka, [...topics, naiveOutput]).catch((error: Error) =>
      log(`topic clean-up failed: ${error.message}`),
    );
    redis.disconnect();
  }
}

await main();

/** Summaries of the profiles with more than `minSelfMs` of work: the tsx loader's worker thread writes a profile too. */
function busyProfileMarkdown(files: readonly string[], minSelfMs: number): string[] {
  return files
    .map((f) => [f, summariseProfile(f)] as const)
    .filter(([, summary]) => summary.byArea.reduce((sum, a) => sum + a.selfMs, 0) > minSelfMs)
    .map(([f, summary]) => profileMarkdown(f.slice(ROOT.length), summary));
}
