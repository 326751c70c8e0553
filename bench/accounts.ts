/**
 * 8. The account service (services/accounts/bin/accounts.js, one OS process, as in production):
 * does the cost of a member's score change depend on the account's size (docs/performance.md)?
 * The same N score-changed messages over the same M contacts are handled twice, each time from
 * fresh topics and a fresh key prefix: once with the contacts in accounts of 3 members ("small"),
 * once with all of them in ONE account ("large"). All of one account's member changes land in one
 * partition of the accounts stage, so the large side runs that stage on one partition of six: that
 * is the point of the comparison, as for the hot contact.
 *
 * Each side: contact_updated events give every contact its account (companyDomain of the accounts
 * example grid); once the accounts stage has applied every JOIN (its inputs counter), the N
 * score-changed (encoded up front; per contact, sequences increasing from 1) are produced and
 * timed from the first send to the moment the accounts stage has applied every SCORE
 * (`leadscore_accounts_inputs_total{stage="accounts"}`, counted after a chunk's commit and its
 * outputs' acknowledgement), with the service's CPU over that span.
 *
 * Then, on the small side's service caught up: score-changed at a fixed rate, each
 * account-score-changed matched to its cause (cause.scoreChangeId = the score-changed's id):
 * latency = account-score-changed consumed − score-changed produced. Small accounts (top 3 of 3)
 * change score on nearly every member change; one account of M members (top 3 of M) rarely does,
 * so it would give few samples.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { AccountMemberChangeValue, AccountScoreChangedValue, ScoreChangedValue } from '@leadscore/contracts';
import { loadGridFile } from '@leadscore/service-kit';
import { SERVICE_BINS, ServiceProcess } from '../test/support/service-process.js';
import { metricSum, rate, sleep, type BenchEnv } from './bench-env.js';
import { percentiles, processBusy, startOutputMatcher, TICK_MS, WARM_UP_MS, type LatencyResult } from './latency.js';
import { createTopicSet, produceEvents, type TopicSet } from './prefill.js';

/** The account-scoring example grid: `companyDomain`, top 3 members, account bounds 0..10 000. */
export const ACCOUNTS_GRID = fileURLToPath(new URL('../deploy/grids/examples/accounts.yaml', import.meta.url));
const SMALL_ACCOUNT_MEMBERS = 3;
/** Member scores 100..3000: three of them never reach the account bound (10 000), so a small account's score moves on every change. */
const SCORE_STEPS = 30;
const POLL_MS = 100;
const SEND_BATCH = 5_000;

export interface AccountsSide {
  readonly accounts: number;
  readonly members: number;
  readonly changes: number;
  /** From the first score-changed sent to the last member change applied by the accounts stage. */
  readonly ms: number;
  readonly changesPerSecond: number;
  /** The service's CPU over `ms` (process_cpu_seconds_total; ±1 poll). */
  readonly cpuSeconds: number;
  readonly cpuMicrosPerChange: number;
  /** How long producing the N score-changed took (the producer must be well ahead of the service). */
  readonly produceMs: number;
  /** account-score-changed committed over the N changes. */
  readonly accountScoreChanges: number;
  /** Member changes applied twice or stale (redelivery); 0 in a clean run. */
  readonly skipped: number;
  readonly stateConflicts: number;
  /** From contact_updated sent to every JOIN applied (not the measure, the set-up). */
  readonly joinMs: number;
}

/**
 * As the scorer's latency phase's result; `events` are the score-changed produced. `membersStage`:
 * score-changed sent → its member change (the internal account-members topic) consumed, the
 * first of the two stages alone.
 */
export type AccountsLatency = LatencyResult & {
  readonly membersStage: ReturnType<typeof percentiles>;
  /** The account service's CPU over the phase (production until the last change applied), per change. */
  readonly cpuMicrosPerChange: number;
  /** The share of one core the account service used over the phase. */
  readonly serviceBusy: number;
};

export interface AccountsResult {
  readonly grid: string;
  /** Account-service settings given to the benchmark's environment (the rest are the service's defaults). */
  readonly settings: Record<string, string>;
  readonly small: AccountsSide;
  readonly large: AccountsSide;
  /** large changes/s ÷ small changes/s */
  readonly rateRatio: number;
  /** small CPU per change ÷ large CPU per change (≥ 0.8: the large account costs at most 1/0.8 as much) */
  readonly cpuRatio: number;
  readonly latency: AccountsLatency;
}

export interface AccountsOptions {
  readonly members: number;
  readonly changes: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Prefix of this phase's topics, groups and Redis keys (each side adds `-small` / `-large`). */
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly extraEnv: Record<string, string>;
  readonly log: (message: string) => void;
  /** Write a V8 CPU profile of each side's account service into this folder (node --cpu-prof). */
  readonly cpuProfileDir?: string | undefined;
}

/** The grid the score changes claim to come from (the service's own). */
interface GridName {
  readonly name: string;
  readonly version: number;
}

const contactId = (prefix: string, index: number) => `${prefix}-c${index}`;

/** The account service process of one side, its metrics read as sums. */
class AccountsService extends ServiceProcess {
  async sums(): Promise<{ inputs: (stage: string) => number; sum: (name: string) => number }> {
    const text = await this.metrics();
    return {
      inputs: (stage) => metricSum(text.replaceAll(`leadscore_accounts_inputs_total{stage="${stage}"}`, 'x_inputs'), 'x_inputs'),
      sum: (name) => metricSum(text, name),
    };
  }

  /** Polls until the accounts stage has handled `expected` inputs; @returns the moment (performance.now) and the metrics then. */
  async waitApplied(expected: number, timeoutMs: number): Promise<{ at: number; cpu: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`account service ${this.pid} exited during the benchmark: ${this.stderr.slice(-2000)}`);
      const m = await this.sums();
      const at = performance.now();
      if (m.inputs('accounts') >= expected) return { at, cpu: m.sum('leadscore_accounts_process_cpu_seconds_total') };
      if (at > deadline) throw new Error(`the accounts stage applied ${m.inputs('accounts')} of ${expected} member changes`);
      await sleep(POLL_MS);
    }
  }
}

/**
 * N score-changed of `contacts` contacts, round-robin, each contact's sequence increasing from
 * `firstSequence`, its score always different from its previous one, encoded once up front.
 */
async function encodeScoreChanges(
  set: TopicSet,
  options: { prefix: string; contacts: number; changes: number; from: number; now: number; grid: GridName },
): Promise<{ ids: string[]; messages: { key: string; value: Buffer }[] }> {
  const ids: string[] = [];
  const messages: { key: string; value: Buffer }[] = [];
  const scoreOf = (contact: number, sequence: number) => (((contact * 7 + sequence * 13) % SCORE_STEPS) + 1) * 100;
  for (let k = options.from; k < options.from + options.changes; k += 1) {
    const contact = k % options.contacts;
    const sequence = Math.floor(k / options.contacts) + 1;
    const previousScore = sequence === 1 ? 0 : scoreOf(contact, sequence - 1);
    const score = scoreOf(contact, sequence);
    const id = `${options.prefix}-sc${k.toString(36)}`;
    const value: ScoreChangedValue = {
      id,
      contactId: contactId(options.prefix, contact),
      sequence,
      previousScore,
      score,
      delta: score - previousScore,
      gridName: options.grid.name,
      gridVersion: options.grid.version,
      cause: { kind: 'EVENT', eventId: `${options.prefix}-e${k.toString(36)}` },
      changedContributions: [],
      evaluatedAt: options.now,
    };
    ids.push(id);
    messages.push({ key: value.contactId, value: await set.codec.encode('scoreChanged', value) });
  }
  return { ids, messages };
}

async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return producer;
}

async function produceAll(producer: Producer, topic: string, messages: readonly { key: string; value: Buffer }[]): Promise<void> {
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + SEND_BATCH) });
  }
}

/**
 * Runs both sides one after the other (never at the same time: they share the cores), then the
 * latency on the small side. `created` is told every topic set and key prefix as soon as it
 * exists, for the caller's clean-up.
 */
export async function measureAccounts(
  env: BenchEnv,
  options: AccountsOptions,
  created: (set: TopicSet, keyPrefix: string) => void,
): Promise<AccountsResult> {
  const now = Date.now();
  const grid = (await loadGridFile(ACCOUNTS_GRID)).grid;
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
  const start = async (name: 'small' | 'large') => {
    const prefix = `${options.prefix}-${name}`;
    const set = await createTopicSet(env.kafka, env.schemaRegistryUrl, prefix);
    created(set, prefix);
    const service = new AccountsService(
      'accounts',
      SERVICE_BINS.accounts,
      {
        KAFKA_BROKERS: env.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        REDIS_URL: env.redisUrl,
        TOPIC_PREFIX: set.prefix,
        REDIS_KEY_PREFIX: prefix,
        ACCOUNTS_MEMBERS_GROUP_ID: `${prefix}-accounts-members`,
        ACCOUNTS_GROUP_ID: `${prefix}-accounts`,
        GRID_FILE: ACCOUNTS_GRID,
        LOG_LEVEL: 'warn',
        PROVISION: 'false',
        ...options.extraEnv,
      },
      join(env.outDir, `accounts-${name}.log`),
      undefined,
      options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, `accounts-${name}`)}`] : [],
    );
    await service.start();
    await service.waitReady(120_000);
    return { prefix, set, service };
  };

  const side = async (
    name: 'small' | 'large',
    accountOf: (contact: number) => string,
    accounts: number,
    then?: (set: TopicSet, service: AccountsService, prefix: string) => Promise<AccountsLatency>,
  ): Promise<{ result: AccountsSide; latency?: AccountsLatency }> => {
    const { prefix, set, service } = await start(name);
    try {
      const joinStarted = performance.now();
      await produceEvents(
        env.kafka,
        set,
        (function* () {
          for (let i = 0; i < options.members; i += 1) {
            yield {
              eventId: `${prefix}-k${i.toString(36)}`,
              contactId: contactId(prefix, i),
              type: 'contact_updated',
              occurredAt: now - 60_000,
              properties: { companyDomain: accountOf(i) },
            };
          }
        })(),
      );
      await service.waitApplied(options.members, options.timeoutMs);
      const joinMs = performance.now() - joinStarted;
      options.log(
        `accounts (${name}): ${options.members} members joined ${accounts} accounts in ${(joinMs / 1000).toFixed(1)} s`,
      );

      const { messages } = await encodeScoreChanges(set, {
        prefix,
        contacts: options.members,
        changes: options.changes,
        from: 0,
        now,
        grid,
      });
      const before = await service.sums();
      const producer = await connectProducer(env.kafka);
      let produceMs: number;
      const started = performance.now();
      try {
        await produceAll(producer, set.topics.scoreChanged, messages);
        produceMs = performance.now() - started;
      } finally {
        await producer.disconnect();
      }
      const cpuAtStart = before.sum('leadscore_accounts_process_cpu_seconds_total');
      const end = await service.waitApplied(options.members + options.changes, options.timeoutMs);
      const after = await service.sums();
      const ms = end.at - started;
      const delta = (metric: string) => after.sum(metric) - before.sum(metric);
      const cpuSeconds = Math.round((end.cpu - cpuAtStart) * 100) / 100;
      const result: AccountsSide = {
        accounts,
        members: options.members,
        changes: options.changes,
        ms,
        changesPerSecond: rate(options.changes, ms),
        cpuSeconds,
        cpuMicrosPerChange: Math.round((cpuSeconds / options.changes) * 1e7) / 10,
        produceMs,
        accountScoreChanges: delta('leadscore_accounts_score_changes_total'),
        skipped: delta('leadscore_accounts_member_changes_skipped_total'),
        stateConflicts: delta('leadscore_accounts_state_conflicts_total'),
        joinMs,
      };
      options.log(
        `accounts (${name}): ${result.changesPerSecond} changes/s, ${result.cpuMicrosPerChange} µs CPU per change (${options.changes} changes in ${(ms / 1000).toFixed(1)} s; produced in ${(produceMs / 1000).toFixed(1)} s)`,
      );
      return { result, ...(then && { latency: await then(set, service, prefix) }) };
    } finally {
      await service.stop();
    }
  };

  const small = await side(
    'small',
    (i) => `small-${Math.floor(i / SMALL_ACCOUNT_MEMBERS)}.example`,
    Math.ceil(options.members / SMALL_ACCOUNT_MEMBERS),
    (set, service, prefix) =>
      measureAccountLatency(env.kafka, set, service, {
        rate: options.latencyRate,
        seconds: options.latencySeconds,
        prefix,
        contacts: options.members,
        from: options.changes,
        now,
        grid,
        appliedBefore: options.members + options.changes,
        timeoutMs: options.timeoutMs,
      }),
  );
  const large = await side('large', () => 'large.example', 1);
  return {
    grid: 'deploy/grids/examples/accounts.yaml',
    settings: options.extraEnv,
    small: small.result,
    large: large.result,
    rateRatio: large.result.changesPerSecond / Math.max(1, small.result.changesPerSecond),
    cpuRatio: small.result.cpuMicrosPerChange / Math.max(1e-9, large.result.cpuMicrosPerChange),
    latency: small.latency!,
  };
}

/**
 * score-changed produced at `rate`/s (paced in 5 ms ticks, acks=all, idempotent) to a caught-up
 * account service; each account-score-changed is matched to its cause's scoreChangeId. The first
 * second is a warm-up and not counted.
 */
async function measureAccountLatency(
  kafka: Kafka,
  set: TopicSet,
  service: AccountsService,
  options: {
    rate: number;
    seconds: number;
    prefix: string;
    contacts: number;
    from: number;
    now: number;
    grid: GridName;
    appliedBefore: number;
    timeoutMs: number;
  },
): Promise<AccountsLatency> {
  const total = Math.round(options.rate * options.seconds);
  const { ids, messages } = await encodeScoreChanges(set, { ...options, changes: total });
  const matcher = await startOutputMatcher(kafka, {
    groupId: `${options.prefix}-latency`,
    topic: set.topics.accountScoreChanged,
    causeOf: async (value) =>
      (await set.codec.decode<AccountScoreChangedValue>('accountScoreChanged', value)).cause.scoreChangeId,
  });
  const { sentAt, latencies } = matcher;
  const membersMatcher = await startOutputMatcher(kafka, {
    groupId: `${options.prefix}-latency-members`,
    topic: set.topics.accountMembers,
    causeOf: async (value) => (await set.codec.decode<AccountMemberChangeValue>('accountMembers', value)).scoreChangeId ?? null,
  }).catch(async (error: unknown) => {
    await matcher.stop();
    throw error;
  });
  const stopMatchers = () => Promise.all([matcher.stop(), membersMatcher.stop()]);
  const producer = await connectProducer(kafka).catch(async (error: unknown) => {
    await stopMatchers();
    throw error;
  });
  try {
    const cpuBefore = (await service.sums()).sum('leadscore_accounts_process_cpu_seconds_total');
    const benchCpuBefore = process.cpuUsage();
    const started = performance.now();
    matcher.countFrom(started + WARM_UP_MS);
    membersMatcher.countFrom(started + WARM_UP_MS);
    let produced = 0;
    let producerLagMs = 0;
    while (produced < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate)) - produced;
      if (due <= 0) {
        await sleep(TICK_MS);
        continue;
      }
      const sendAt = performance.now();
      producerLagMs = Math.max(producerLagMs, sendAt - (started + (produced / options.rate) * 1000));
      for (let i = produced; i < produced + due; i += 1) {
        sentAt.set(ids[i]!, sendAt);
        membersMatcher.sentAt.set(ids[i]!, sendAt);
      }
      await producer.send({ topic: set.topics.scoreChanged, acks: -1, messages: messages.slice(produced, produced + due) });
      produced += due;
    }
    const phaseMs = performance.now() - started;
    const applied = await service.waitApplied(options.appliedBefore + total, options.timeoutMs);
    const spanMs = applied.at - started;
    const benchBusy = processBusy(benchCpuBefore, spanMs);
    const serviceCpuSeconds = applied.cpu - cpuBefore;
    await sleep(1_500); // the last outputs reach the consumer
    const p = percentiles(latencies);
    return {
      offeredRate: options.rate,
      achievedRate: Math.round((produced / phaseMs) * 1000),
      seconds: options.seconds,
      events: produced,
      samples: latencies.length,
      ...p,
      producerLagMs,
      membersStage: percentiles(membersMatcher.latencies),
      cpuMicrosPerChange: Math.round((serviceCpuSeconds / produced) * 1e7) / 10,
      serviceBusy: Math.round((serviceCpuSeconds * 1000 * 100) / spanMs) / 100,
      benchBusy,
    };
  } finally {
    await stopMatchers();
    await producer.disconnect();
  }
}
