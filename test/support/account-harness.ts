import type { Kafka, Producer } from 'kafkajs';
import type { Cluster, Redis } from 'ioredis';
import { accountScoreOf, replayEvents, compileGrid, loadGrid, type ReplayedAccount } from '@leadscore/engine';
import { decodeAccount } from '@leadscore/accounts';
import type { AccountMemberChangeValue, AccountScoreChangedValue, AvroCodec, TopicNames } from '@leadscore/contracts';
import { KeyLayout } from '@leadscore/redis-layout';
import { readFileSync } from 'node:fs';
import { scorerEnv, serviceEnv } from './scorer-harness.js';
import { ScorerProcess } from './scorer-process.js';
import { SERVICE_BINS, ServiceProcess } from './service-process.js';
import { freshTopics, TopicCollector, waitForGroupCaughtUp, type RawEvent } from './streams.js';
import { testContext, testRedis } from './test-context.js';

/** The account-scoring example grid (docs/accounts.md): top 3 members, two account rules, MQA at 2000. */
export const ACCOUNTS_GRID = new URL('../../deploy/grids/examples/accounts.yaml', import.meta.url).pathname;

const HOUR = 3_600_000;

/**
 * The events account scenarios are written with, `h` hours after `t0`: a contact's account key
 * (`companyDomain` of the accounts grid; on the behavioural topic unless told otherwise), a page
 * view, a demo request and a merge.
 */
export function accountScenarioEvents(t0: number) {
  const at = (h: number) => t0 + h * HOUR;
  return {
    at,
    key: (eventId: string, contactId: string, h: number, companyDomain: string | null, onBehaviouralTopic = true): RawEvent => ({
      eventId,
      contactId,
      type: 'contact_updated',
      occurredAt: at(h),
      properties: { companyDomain },
      onBehaviouralTopic,
    }),
    view: (eventId: string, contactId: string, h: number, path: string): RawEvent => ({
      eventId,
      contactId,
      type: 'page_viewed',
      occurredAt: at(h),
      properties: { path },
    }),
    demo: (eventId: string, contactId: string, h: number): RawEvent => ({
      eventId,
      contactId,
      type: 'demo_requested',
      occurredAt: at(h),
    }),
    /** contact_merged on the target `contactId`, naming `mergedFrom` */
    merge: (eventId: string, contactId: string, h: number, mergedFrom: string): RawEvent => ({
      eventId,
      contactId,
      type: 'contact_merged',
      occurredAt: at(h),
      properties: { mergedFrom },
      onBehaviouralTopic: true,
    }),
  };
}

/** A collector, started, of the account-score-changed a test's account service produces. */
export function collectAccountScoreChanges(
  kafka: Kafka,
  codec: AvroCodec,
  topics: TopicNames,
): Promise<TopicCollector<AccountScoreChangedValue>> {
  return new TopicCollector<AccountScoreChangedValue>(kafka, codec, 'accountScoreChanged', topics.accountScoreChanged).start();
}

/** An account_updated as a test produces it to `<prefix>.account-updates`. */
export interface RawAccountEvent {
  eventId: string;
  accountId: string;
  occurredAt: number;
  properties: Record<string, string | number | boolean | null>;
}

/** The account service's environment for a test: the run's servers, the test's topics, groups and key prefix. */
export function accountsEnv(topics: TopicNames, keyPrefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...serviceEnv(topics, keyPrefix),
    ACCOUNTS_MEMBERS_GROUP_ID: `${keyPrefix}-accounts-members`,
    ACCOUNTS_GROUP_ID: `${keyPrefix}-accounts`,
    LOG_LEVEL: 'warn',
    PROVISION: 'true',
    GRID_FILE: ACCOUNTS_GRID,
    ...extra,
  };
}

/**
 * The read API's environment beside the account service: the accounts grid (so it projects
 * account-score-changed into the account leaderboard), its own projection group.
 */
export function accountsReadApiEnv(
  topics: TopicNames,
  keyPrefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...serviceEnv(topics, keyPrefix),
    READ_API_GROUP_ID: `${keyPrefix}-read-api`,
    LOG_LEVEL: 'warn',
    PROVISION: 'true',
    GRID_FILE: ACCOUNTS_GRID,
    ...extra,
  };
}

/** The account service running as its own OS process (`services/accounts/bin/accounts.js`), as in production. */
export class AccountsProcess extends ServiceProcess {
  constructor(env: Record<string, string>, logFile?: string) {
    super('accounts', SERVICE_BINS.accounts, env, logFile);
  }
}

/** Produces account_updated events (Avro, key = accountId); raw buffers go as they are (malformed payloads). */
export async function produceAccountEvents(
  kafka: Kafka,
  codec: AvroCodec,
  topics: TopicNames,
  events: readonly (RawAccountEvent | { key: string; raw: Buffer })[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = [];
    for (const e of events) {
      if ('raw' in e) messages.push({ key: e.key, value: e.raw });
      else messages.push({ key: e.accountId, value: await codec.encode('accountUpdates', { ...e, source: null }) });
    }
    await producer.send({ topic: topics.accountUpdates, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** Re-produces member changes to the account-members topic as they were (what a zombie's late produce does). */
export async function produceMemberChanges(
  kafka: Kafka,
  codec: AvroCodec,
  topics: TopicNames,
  changes: readonly AccountMemberChangeValue[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = [];
    for (const c of changes) messages.push({ key: c.accountId, value: await codec.encode('accountMembers', c) });
    await producer.send({ topic: topics.accountMembers, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

/** Waits for the scorer, then the members stage, then the accounts stage to have committed everything (bounded). */
export async function waitForAccountsCaughtUp(
  kafka: Kafka,
  topics: TopicNames,
  keyPrefix: string,
  scorerGroup: string,
): Promise<void> {
  await waitForGroupCaughtUp(kafka, scorerGroup, [topics.behaviouralEvents, topics.contactUpdates]);
  await waitForGroupCaughtUp(kafka, `${keyPrefix}-accounts-members`, [
    topics.scoreChanged,
    topics.contactMerged,
    topics.behaviouralEvents,
    topics.contactUpdates,
  ]);
  await waitForGroupCaughtUp(kafka, `${keyPrefix}-accounts`, [topics.accountMembers, topics.accountUpdates]);
}

/** Replay's accounts (what `leadscore replay` prints) for the same events, in file order. */
export async function replayedAccounts(
  gridFile: string,
  events: readonly (RawEvent | (RawAccountEvent & { type: 'account_updated' }))[],
  now: number,
): Promise<readonly ReplayedAccount[]> {
  const compiled = compileGrid(loadGrid(readFileSync(gridFile, 'utf8'), gridFile));
  const lines = events.map((e) =>
    JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString(), onBehaviouralTopic: undefined }),
  );
  const result = await replayEvents(compiled, lines, now);
  if (result.badLines.length > 0) throw new Error(`replay refused lines: ${JSON.stringify(result.badLines)}`);
  return result.accounts;
}

/**
 * Each account as the account service stored it (its header and members hash in Redis, read
 * back with the service's own codec): the score it last emitted, the score its stored members
 * and properties make, and its member count; undefined when it has none.
 */
export async function storedAccounts(
  redis: Redis | Cluster,
  keyPrefix: string,
  gridFile: string,
  accountIds: readonly string[],
): Promise<Map<string, { emitted: number; score: number; members: number } | undefined>> {
  const accounts = compileGrid(loadGrid(readFileSync(gridFile, 'utf8'), gridFile)).accounts!;
  const keys = new KeyLayout(keyPrefix);
  const out = new Map<string, { emitted: number; score: number; members: number } | undefined>();
  for (const id of accountIds) {
    const [header, members] = await Promise.all([redis.get(keys.accountHeader(id)), redis.hgetall(keys.accountMembers(id))]);
    if (header === null) {
      out.set(id, undefined);
      continue;
    }
    const { state } = decodeAccount(id, accounts, header, members);
    out.set(id, { emitted: state.score, score: accountScoreOf(state).score, members: state.members.size });
  }
  return out;
}

/** Per account, the score of its account-score-changed with the highest sequence. */
export function lastEmittedScores(changes: readonly { value: AccountScoreChangedValue }[]): Map<string, number> {
  const last = new Map<string, { sequence: number; score: number }>();
  for (const { value } of changes) {
    const seen = last.get(value.accountId);
    if (!seen || value.sequence > seen.sequence) last.set(value.accountId, { sequence: value.sequence, score: value.score });
  }
  return new Map([...last].map(([id, v]) => [id, v.score]));
}

/**
 * Replay's account scores and member counts for a test's history, and a reader of the same
 * figures as the account service stored them (with the score it last emitted, which must equal
 * the score): `expect(await stored()).toEqual(withEmitted)`.
 */
export async function accountsAgainstReplay(
  keyPrefix: string,
  contact: readonly RawEvent[],
  account: readonly RawAccountEvent[],
  now: number,
  gridFile = ACCOUNTS_GRID,
): Promise<{
  replayed: readonly ReplayedAccount[];
  expected: Map<string, { score: number; members: number }>;
  withEmitted: Map<string, { score: number; members: number; emitted: number }>;
  stored: () => Promise<Map<string, { score: number; members: number; emitted: number } | undefined>>;
}> {
  const replayed = await replayedAccounts(
    gridFile,
    [...contact, ...account.map((a) => ({ ...a, type: 'account_updated' as const }))],
    now,
  );
  const expected = new Map(replayed.map((a) => [a.accountId, { score: a.score, members: a.members }]));
  const withEmitted = new Map([...expected].map(([id, a]) => [id, { ...a, emitted: a.score }]));
  const stored = async () => {
    const got = await storedAccounts(testRedis(), keyPrefix, gridFile, [...expected.keys()]);
    return new Map([...got].map(([id, a]) => [id, a && { score: a.score, members: a.members, emitted: a.emitted }]));
  };
  return { replayed, expected, withEmitted, stored };
}

/** Every member change that is not its contact's last for its account (what a zombie's late produce re-sends). */
export function staleMemberChanges(items: readonly { value: AccountMemberChangeValue }[]): AccountMemberChangeValue[] {
  const lastOf = new Map<string, number>();
  for (const { value } of items) {
    const pair = `${value.accountId}/${value.contactId}`;
    lastOf.set(pair, Math.max(lastOf.get(pair) ?? 0, value.memberSequence));
  }
  return items.map((m) => m.value).filter((v) => v.memberSequence < lastOf.get(`${v.accountId}/${v.contactId}`)!);
}

/**
 * A test's fresh topics with a real scorer (the accounts example grid, or `gridFile`) and the account service
 * running as OS processes, both ready, and a connected producer; their stops go to `cleanup`.
 */
export async function startAccountsStack(
  label: string,
  partitions: number,
  cleanup: (() => Promise<unknown>)[],
  gridFile = ACCOUNTS_GRID,
): Promise<{
  topics: TopicNames;
  codec: AvroCodec;
  kafka: Kafka;
  keyPrefix: string;
  scorerGroup: string;
  accounts: AccountsProcess;
  producer: Producer;
}> {
  const { topics, codec, kafka } = await freshTopics(label, partitions);
  const keyPrefix = testContext().uniqueName(label);
  const scorer = await new ScorerProcess(scorerEnv(topics, keyPrefix, { GRID_FILE: gridFile })).start();
  const accounts = await new AccountsProcess(accountsEnv(topics, keyPrefix, { GRID_FILE: gridFile })).start();
  cleanup.push(
    () => scorer.kill(),
    () => accounts.kill(),
  );
  await Promise.all([scorer.waitReady(), accounts.waitReady()]);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  return { topics, codec, kafka, keyPrefix, scorerGroup: `${keyPrefix}-scorer`, accounts, producer };
}
