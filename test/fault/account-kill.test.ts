import { afterAll, describe, expect, it } from 'vitest';
import type { AccountThresholdCrossedValue } from '@leadscore/contracts';
import {
  ACCOUNTS_GRID,
  AccountsProcess,
  accountsEnv,
  collectAccountScoreChanges,
  lastEmittedScores,
  produceAccountEvents,
  replayedAccounts,
  storedAccounts,
  waitForAccountsCaughtUp,
  type RawAccountEvent,
} from '../support/account-harness.js';
import { seededRandom } from '../support/event-mix.js';
import {
  killedScorerEnv,
  outputHistory,
  scenarioLogFile,
  scoreChangeHistory,
  superviseAndKill,
} from '../support/kill-scenario.js';
import { storedScoresAgainstReplay } from '../support/replay-check.js';
import { ScorerProcess } from '../support/scorer-process.js';
import {
  collectOutputs,
  collectTopic,
  freshTopics,
  produceEvents,
  waitForCollectorAtEnd,
  type RawEvent,
} from '../support/streams.js';
import { testContext, testRedis } from '../support/test-context.js';

const CONTACTS = 400;
const EVENTS = 6_000;
const ACCOUNTS = 12;
const VISITORS = 60;
const KILLS = 20;
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
 * Fault injection: two scorer and two account-service processes over 6 000 events for 400
 * contacts moving among 12 companies (and visitors with companies merged into them), produced
 * in bursts; scorers and account services SIGKILLed at random moments (in turn), each also
 * killing itself at crash points inside its commit protocol, and restarted. At the end every
 * contact's stored score (or seal and root) and every account's stored and last emitted score
 * equal replay's, same id ⇒ same content, and per contact and per account the sequences of
 * first-seen outputs only increase.
 */
describe('the account service and the scorer under SIGKILL (2 + 2 processes, real Kafka, registry, Redis)', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it("ends with replay's contact and account scores, nothing counted twice", { timeout: 600_000 }, async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
    console.info(`account fault-injection seed ${seed} (rerun with FAULT_SEED=${seed})`);
    const now = Date.now();
    const { contact, account } = accountHistory(seed, now);
    const { topics, codec, kafka } = await freshTopics('acc-fault', 6);
    const keyPrefix = ctx.uniqueName('acc-fault');
    const logFile = scenarioLogFile(keyPrefix);
    const scorerGroup = `${keyPrefix}-scorer`;
    // both kinds crash exactly inside their commit protocols: after the Redis commit, after the
    // produce, before the offset; the scorers also inside a merge (after the link, after the seal)
    const crashPoints = 'after-state-commit=0.003,after-produce=0.003,before-offset-resolve=0.003';
    const scorerEnv = killedScorerEnv(topics, keyPrefix, `after-identity-link=0.02,after-seal=0.02,${crashPoints}`, {
      GRID_FILE: ACCOUNTS_GRID,
    });
    const env = accountsEnv(topics, keyPrefix, {
      ACCOUNTS_SESSION_TIMEOUT_MS: '6000',
      ACCOUNTS_CHUNK_SIZE: '25',
      LOG_LEVEL: 'info',
      ACCOUNTS_CRASH_POINTS: crashPoints,
    });
    const contactOutputs = await collectOutputs(kafka, codec, topics, cleanup);
    const changes = await collectAccountScoreChanges(kafka, codec, topics);
    const crossings = await collectTopic<AccountThresholdCrossedValue>(kafka, codec, topics, 'accountThresholdCrossed');
    cleanup.push(
      () => changes.stop(),
      () => crossings.stop(),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const bursts = 4;
    const perBurst = Math.ceil(contact.length / bursts);
    const perAccountBurst = Math.ceil(account.length / bursts);
    const counts = await superviseAndKill({
      kinds: [
        { name: 'scorer', instances: 2, create: () => new ScorerProcess(scorerEnv, logFile) },
        { name: 'accounts', instances: 2, create: () => new AccountsProcess(env, logFile) },
      ],
      kills: KILLS,
      bursts,
      burst: async (i) => {
        await produceEvents(producer, codec, topics, contact.slice(i * perBurst, (i + 1) * perBurst));
        await produceAccountEvents(kafka, codec, topics, account.slice(i * perAccountBurst, (i + 1) * perAccountBurst));
      },
      caughtUp: () => waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup),
      random: seededRandom(seed + 1),
      cleanup,
    });
    for (const [kind, { kills, selfKills }] of counts) {
      console.info(`${kind}: ${kills} SIGKILLs from the test, ${selfKills} crash-point self-kills`);
      expect(kills, kind).toBe(KILLS / 2);
    }
    await waitForCollectorAtEnd(kafka, contactOutputs.changes, topics.scoreChanged, 120_000);
    await waitForCollectorAtEnd(kafka, changes, topics.accountScoreChanged, 120_000);
    await waitForCollectorAtEnd(kafka, crossings, topics.accountThresholdCrossed, 120_000);

    // 1. Every contact's state scores what replay says, and its last score-changed (what the
    //    account service rolls up) too; the scorers' outputs are in order despite their kills.
    const { replay, mismatches: contactMismatches } = await storedScoresAgainstReplay(contact, keyPrefix, cleanup, ACCOUNTS_GRID);
    expect(replay.contacts.filter((c) => c.contactId.startsWith('c-')).length).toBe(CONTACTS);
    expect(replay.contacts.filter((c) => c.mergedInto !== undefined).length).toBeGreaterThan(0);
    expect(contactMismatches).toEqual([]);
    const contactHistory = scoreChangeHistory(contactOutputs.changes);
    console.info(`${contactHistory.repeats} score-changed read again (produced again after a kill)`);
    expect(contactHistory.repeatedDifferently).toEqual([]);
    expect(contactHistory.disorder).toEqual([]);
    expect(
      replay.contacts.filter((c) => (contactHistory.lastScore.get(c.contactId) ?? 0) !== c.score).map((c) => c.contactId),
    ).toEqual([]);

    const replayed = await replayedAccounts(
      ACCOUNTS_GRID,
      [...contact, ...account.map((a) => ({ ...a, type: 'account_updated' as const }))].sort(
        (a, b) => a.occurredAt - b.occurredAt,
      ),
      now,
    );
    expect(replayed.length).toBe(ACCOUNTS);
    // 2. Every account as stored scores what replay says, with replay's members.
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

    // 3. Account outputs: same id ⇒ same content; per account, first sightings have increasing
    //    sequences; the last emitted score is replay's.
    const accountOutputs = outputHistory(
      changes.items,
      (value) => value.accountId,
      (a, b) => JSON.stringify(a) === JSON.stringify(b),
    );
    expect(accountOutputs.repeatedDifferently).toEqual([]);
    expect(accountOutputs.disorder).toEqual([]);
    expect(lastEmittedScores(changes.items)).toEqual(
      new Map(
        replayed.filter((a) => a.score !== 0 || accountOutputs.lastScore.has(a.accountId)).map((a) => [a.accountId, a.score]),
      ),
    );

    // 4. Crossings: per account, the last MQA crossing emitted says where replay's score ends.
    for (const a of replayed) {
      const last = crossings.items.filter((c) => c.value.accountId === a.accountId && c.value.threshold === 'MQA').at(-1);
      expect(last?.value.direction ?? 'DOWN', a.accountId).toBe(a.score >= 2000 ? 'UP' : 'DOWN');
    }
  });
});
