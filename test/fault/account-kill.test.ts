import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountScoreChangedValue, AccountThresholdCrossedValue } from '@leadscore/contracts';
import {
  ACCOUNTS_GRID,
  AccountsProcess,
  accountsEnv,
  lastEmittedScores,
  produceAccountEvents,
  replayedAccounts,
  storedAccounts,
  waitForAccountsCaughtUp,
  type RawAccountEvent,
} from '../support/account-harness.js';
import { seededRandom } from '../support/event-mix.js';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { freshTopics, produceEvents, TopicCollector, waitForCollectorAtEnd, type RawEvent } from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

const CONTACTS = 400;
const EVENTS = 6_000;
const ACCOUNTS = 12;
const VISITORS = 60;
const KILLS = 12;
const MINUTE = 60_000;

/**
 * A seeded history for the accounts example grid: contacts moving between companies, scoring,
 * companies updated; anonymous visitors with companies of their own merged into contacts.
 */
function accountHistory(seed: number, now: number): { contact: RawEvent[]; account: RawAccountEvent[] } {
  const r = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const domains = Array.from({ length: ACCOUNTS }, (_, i) => `company-${i}.com`);
  const t0 = now - (EVENTS + 10) * MINUTE;
  const contact: RawEvent[] = [];
  const account: RawAccountEvent[] = [];
  const seen = new Set<string>();
  const merged = new Set<string>(); // each visitor is merged away at most once (docs/identity.md)
  for (let i = 0; i < EVENTS; i += 1) {
    const occurredAt = t0 + i * MINUTE;
    if (i > 0 && r() < 0.02) {
      contact.push({ ...pick(contact) }); // a re-send: same id, same content
      continue;
    }
    if (r() < 0.02) {
      account.push({
        eventId: `a-${i}`,
        accountId: pick(domains),
        occurredAt,
        properties: { employees: Math.floor(r() * 5000), industry: pick(['software', 'fintech', 'retail']) },
      });
      continue;
    }
    if (r() < 0.06) {
      // an anonymous visitor (or a duplicate record): its own views and company, merged into a
      // contact once, and sometimes still heard of under its own id after that
      const visitor = `v-${Math.floor(r() * VISITORS)}`;
      const y = r();
      if (!merged.has(visitor) && seen.has(visitor) && y < 0.3) {
        merged.add(visitor);
        const target = `c-${Math.floor(r() * CONTACTS)}`;
        const properties = { mergedFrom: visitor };
        contact.push({
          eventId: `m-${i}`,
          contactId: target,
          type: 'contact_merged',
          occurredAt,
          properties,
          onBehaviouralTopic: true,
        });
        continue;
      }
      seen.add(visitor);
      const [type, properties]: [string, RawEvent['properties']] =
        y < 0.5
          ? ['contact_updated', { companyDomain: pick(domains) }]
          : ['page_viewed', { path: pick(['/pricing', '/solutions']) }];
      contact.push({ eventId: `e-${i}`, contactId: visitor, type, occurredAt, properties, onBehaviouralTopic: true });
      continue;
    }
    const contactId = `c-${Math.floor(r() * CONTACTS)}`;
    const x = r();
    const [type, properties]: [string, RawEvent['properties']] =
      x < 0.2
        ? ['contact_updated', { companyDomain: r() < 0.05 ? null : pick(domains) }]
        : x < 0.6
          ? ['page_viewed', { path: pick(['/pricing', '/solutions', '/blog']) }]
          : x < 0.75
            ? ['demo_requested', {}]
            : x < 0.85
              ? ['email_unsubscribed', {}]
              : ['email_opened', {}];
    contact.push({ eventId: `e-${i}`, contactId, type, occurredAt, properties, onBehaviouralTopic: true });
  }
  return { contact, account };
}

/**
 * Fault injection: a real scorer and two account-service processes over 6 000 events for 400
 * contacts moving among 12 companies (and visitors merged into them), the account service SIGKILLed at random moments (and
 * killing itself at crash points inside its commit protocol) and restarted. At the end every
 * account's stored and last emitted score equals replay's, same id ⇒ same content, and per
 * account the sequences of first-seen outputs only increase.
 */
describe('the account service under SIGKILL (2 processes, real Kafka, registry, Redis)', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it("ends with replay's account scores, nothing counted twice", { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
    console.info(`account fault-injection seed ${seed} (rerun with FAULT_SEED=${seed})`);
    const random = seededRandom(seed + 1);
    const now = Date.now();
    const { contact, account } = accountHistory(seed, now);
    const { topics, codec, kafka } = await freshTopics('acc-fault', 6);
    const keyPrefix = ctx.uniqueName('acc-fault');
    mkdirSync('.stack/logs', { recursive: true });
    const logFile = `.stack/logs/${keyPrefix}.log`;
    const scorerGroup = `${keyPrefix}-scorer`;
    const scorer = await new ScorerProcess(scorerEnv(topics, keyPrefix, { GRID_FILE: ACCOUNTS_GRID }), logFile).start();
    cleanup.push(() => scorer.kill());
    const env = accountsEnv(topics, keyPrefix, {
      ACCOUNTS_SESSION_TIMEOUT_MS: '6000',
      ACCOUNTS_CHUNK_SIZE: '25',
      LOG_LEVEL: 'info',
      ACCOUNTS_CRASH_POINTS: 'after-state-commit=0.003,after-produce=0.003,before-offset-resolve=0.003',
    });
    const changes = await new TopicCollector<AccountScoreChangedValue>(
      kafka,
      codec,
      'accountScoreChanged',
      topics.accountScoreChanged,
    ).start();
    const crossings = await new TopicCollector<AccountThresholdCrossedValue>(
      kafka,
      codec,
      'accountThresholdCrossed',
      topics.accountThresholdCrossed,
    ).start();
    cleanup.push(
      () => changes.stop(),
      () => crossings.stop(),
    );

    // A supervisor, as an orchestrator would be: restarts an instance that died by itself (crash point).
    const instances = [new AccountsProcess(env, logFile), new AccountsProcess(env, logFile)];
    let starts = 2;
    let supervising = true;
    cleanup.push(() => Promise.all(instances.map((s) => s.kill())));
    await Promise.all(instances.map((s) => s.start()));
    const supervisor = (async () => {
      while (supervising) {
        for (let i = 0; i < instances.length; i += 1) {
          if (!instances[i]!.running && !instances[i]!.killedByTest) {
            instances[i] = await new AccountsProcess(env, logFile).start();
            starts += 1;
          }
        }
        await pause(100);
      }
    })();
    await Promise.all([scorer.waitReady(), ...instances.map((s) => s.waitReady())]);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const bursts = 4;
    const perBurst = Math.ceil(contact.length / bursts);
    const perAccountBurst = Math.ceil(account.length / bursts);
    // one burst after the other: each contact's events reach Kafka in file order, as replay reads them
    let queued = 0;
    let producing = Promise.resolve();
    const queueBurst = () => {
      const i = queued++;
      producing = producing.then(async () => {
        await produceEvents(producer, codec, topics, contact.slice(i * perBurst, (i + 1) * perBurst));
        await produceAccountEvents(kafka, codec, topics, account.slice(i * perAccountBurst, (i + 1) * perAccountBurst));
      });
    };
    let kills = 0;
    while (kills < KILLS) {
      if (queued < bursts && kills >= queued * Math.ceil(KILLS / bursts)) queueBurst();
      const victim = random() < 0.5 ? 0 : 1;
      const ready = await instances[victim]!.waitReady(120_000).then(
        () => true,
        () => false,
      );
      if (!ready) {
        // it crashed by itself: a timer's wait, so the supervisor (on timers) gets to restart it
        // (a dead process's waitReady rejects at once, and looping on that alone starves the timers)
        await pause(100);
        continue;
      }
      await pause(50 + random() * 1_500); // a random moment in its work
      if (!instances[victim]!.running) continue;
      const target = instances[victim]!;
      target.killedByTest = true;
      await target.kill('SIGKILL');
      kills += 1;
      instances[victim] = await new AccountsProcess(env, logFile).start();
      starts += 1;
    }
    while (queued < bursts) queueBurst();
    await producing;
    console.info(`${kills} SIGKILLs from the test, ${starts - 2 - kills} crash-point self-kills`);

    await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);
    supervising = false;
    await supervisor;
    await waitForCollectorAtEnd(kafka, changes, topics.accountScoreChanged, 120_000);
    await waitForCollectorAtEnd(kafka, crossings, topics.accountThresholdCrossed, 120_000);

    const replayed = await replayedAccounts(
      ACCOUNTS_GRID,
      [...contact, ...account.map((a) => ({ ...a, type: 'account_updated' as const }))].sort(
        (a, b) => a.occurredAt - b.occurredAt,
      ),
      now,
    );
    expect(replayed.length).toBe(ACCOUNTS);
    // 1. Every account as stored scores what replay says, with replay's members.
    const stored = await storedAccounts(
      testRedis(),
      keyPrefix,
      ACCOUNTS_GRID,
      replayed.map((a) => a.accountId),
    );
    const mismatches = replayed
      .filter((a) => {
        const s = stored.get(a.accountId);
        return s === undefined || s.score !== a.score || s.emitted !== a.score || s.members !== a.members;
      })
      .map((a) => ({ accountId: a.accountId, replay: { score: a.score, members: a.members }, stored: stored.get(a.accountId) }));
    expect(mismatches).toEqual([]);

    // 2. Outputs: same id ⇒ same content; per account, first sightings have increasing sequences;
    //    the last emitted score is replay's.
    const byId = new Map<string, string>();
    const lastSeq = new Map<string, number>();
    const disorder: string[] = [];
    for (const { value } of changes.items) {
      const seen = byId.get(value.id);
      if (seen !== undefined) {
        expect(seen).toBe(JSON.stringify(value));
        continue;
      }
      byId.set(value.id, JSON.stringify(value));
      if (value.sequence <= (lastSeq.get(value.accountId) ?? 0)) disorder.push(`${value.accountId}#${value.sequence}`);
      lastSeq.set(value.accountId, value.sequence);
    }
    expect(disorder).toEqual([]);
    expect(lastEmittedScores(changes.items)).toEqual(
      new Map(replayed.filter((a) => a.score !== 0 || lastSeq.has(a.accountId)).map((a) => [a.accountId, a.score])),
    );

    // 3. Crossings: per account, the last MQA crossing emitted says where replay's score ends.
    for (const a of replayed) {
      const last = crossings.items.filter((c) => c.value.accountId === a.accountId && c.value.threshold === 'MQA').at(-1);
      expect(last?.value.direction ?? 'DOWN', a.accountId).toBe(a.score >= 2000 ? 'UP' : 'DOWN');
    }
  });
});

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)); // pacing of the fault schedule, not a readiness wait
}
