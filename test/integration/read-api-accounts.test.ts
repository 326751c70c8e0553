import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, type ReplayedAccount } from '@leadscore/engine';
import type { DeadLetterValue } from '@leadscore/contracts';
import {
  ACCOUNTS_GRID,
  accountScenarioEvents,
  AccountsProcess,
  accountsEnv,
  accountsReadApiEnv,
  collectAccountScoreChanges,
  produceAccountEvents,
  replayedAccounts,
  waitForAccountsCaughtUp,
  type RawAccountEvent,
} from '../support/account-harness.js';
import { scorerEnv } from '../support/scorer-harness.js';
import { ScorerProcess } from '../support/scorer-process.js';
import { SERVICE_BINS, ServiceProcess } from '../support/service-process.js';
import {
  freshTopics,
  produceEvents,
  TopicCollector,
  waitForCollectorAtEnd,
  waitForGroupCaughtUp,
  type RawEvent,
} from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const HOUR = 3_600_000;

/**
 * People of three companies (the accounts example grid: top 3 members, +300 for 1000+ employees,
 * +200 for software, MQA at 2000):
 * - acme.com: ann (1000), bob (500), fay (1000); an account_updated (5000 employees, software)
 *   takes it to 3000, the top of the board; then fay moves to globex.io and acme drops to 2000;
 * - globex.io: cem (1000), dan (500), then fay: 2500, now first;
 * - initech.net: eve (500).
 * `before` runs (and is caught up) before `after`, so acme's 3000 was emitted: an old message the
 * board must never go back to.
 */
function history(t0: number): { before: RawEvent[]; accounts: RawAccountEvent[]; after: RawEvent[] } {
  const { at, key, view, demo } = accountScenarioEvents(t0);
  return {
    before: [
      key('u-ann', 'ann', 1, 'acme.com'),
      key('u-bob', 'bob', 1, 'acme.com'),
      key('u-fay', 'fay', 1, 'acme.com'),
      key('u-cem', 'cem', 1, 'globex.io'),
      key('u-dan', 'dan', 1, 'globex.io'),
      key('u-eve', 'eve', 1, 'initech.net'),
      view('p-1', 'ann', 2, '/pricing'),
      view('p-2', 'ann', 3, '/solutions'),
      view('p-3', 'bob', 3, '/pricing'),
      demo('d-1', 'fay', 3),
      demo('d-2', 'cem', 4),
      view('p-4', 'dan', 4, '/pricing'),
      view('p-5', 'eve', 4, '/pricing'),
    ],
    accounts: [
      { eventId: 'a-1', accountId: 'acme.com', occurredAt: at(5), properties: { employees: 5000, industry: 'software' } },
      { eventId: 'a-2', accountId: 'globex.io', occurredAt: at(5), properties: { employees: 40 } },
    ],
    after: [key('u-fay-2', 'fay', 6, 'globex.io')],
  };
}

/** The thresholds replay leaves reached: those whose last crossing went up. */
function reachedByReplay(account: ReplayedAccount): { name: string; at: number }[] {
  const last = new Map<string, { at: number; up: boolean }>();
  for (const c of account.crossings) last.set(c.threshold, { at: c.at, up: c.direction === 'up' });
  return [...last].filter(([, c]) => c.up).map(([name, c]) => ({ name, at: c.at }));
}

describe('the read API over the real account service (scorer, accounts, read API processes)', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it(
    'answers each account as replay does and ranks them by score; an older or redelivered account-score-changed changes nothing',
    { timeout: 300_000 },
    async () => {
      const { topics, codec, kafka } = await freshTopics('read-accounts');
      const keyPrefix = ctx.uniqueName('read-accounts');
      const scorerGroup = `${keyPrefix}-scorer`;
      const readApiGroup = `${keyPrefix}-read-api`;
      const scorer = new ScorerProcess(scorerEnv(topics, keyPrefix, { GRID_FILE: ACCOUNTS_GRID }));
      const accounts = new AccountsProcess(accountsEnv(topics, keyPrefix));
      const readApi = new ServiceProcess('read-api', SERVICE_BINS.readApi, accountsReadApiEnv(topics, keyPrefix));
      cleanup.push(
        () => scorer.kill(),
        () => accounts.kill(),
        () => readApi.kill(),
      );
      await Promise.all([scorer.start(), accounts.start(), readApi.start()]);
      const changes = await collectAccountScoreChanges(kafka, codec, topics);
      const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
      cleanup.push(
        () => changes.stop(),
        () => deadLetters.stop(),
      );
      await Promise.all([scorer.waitReady(), accounts.waitReady(), readApi.waitReady()]);
      const get = async (path: string) => {
        const res = await fetch(await readApi.url(path));
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const caughtUp = async () => {
        await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);
        await waitForGroupCaughtUp(kafka, readApiGroup, [topics.scoreChanged, topics.contactMerged, topics.accountScoreChanged]);
      };

      const now = Date.now();
      const { before, accounts: accountEvents, after } = history(now - 2 * 24 * HOUR);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      await produceEvents(producer, codec, topics, before);
      await produceAccountEvents(kafka, codec, topics, accountEvents);
      await caughtUp();
      await produceEvents(producer, codec, topics, after);
      await caughtUp();

      const replayed = await replayedAccounts(
        ACCOUNTS_GRID,
        [...before, ...accountEvents.map((a) => ({ ...a, type: 'account_updated' as const })), ...after],
        now,
      );
      // the scenario is what it says
      expect(new Map(replayed.map((a) => [a.accountId, [a.score, a.members]]))).toEqual(
        new Map([
          ['acme.com', [2000, 2]],
          ['globex.io', [2500, 3]],
          ['initech.net', [500, 1]],
        ]),
      );

      // GET /accounts/{id}: replay's score, aggregate, members, top members, contributions, thresholds
      const grid = compileGrid(loadGrid(readFileSync(ACCOUNTS_GRID, 'utf8'), ACCOUNTS_GRID));
      for (const account of replayed) {
        const { status, body } = await get(`/accounts/${encodeURIComponent(account.accountId)}`);
        expect(status, account.accountId).toBe(200);
        expect(body, account.accountId).toEqual({
          accountId: account.accountId,
          score: account.score,
          aggregate: account.aggregate,
          members: account.members,
          topMembers: account.topMembers,
          contributions: account.contributions,
          thresholdsReached: reachedByReplay(account),
          lifecycle: { stage: null, history: [] }, // no lifecycle service in this test
          grid: { name: grid.name, version: grid.version },
        });
      }
      expect((await get('/accounts/acme.com')).body['thresholdsReached']).toEqual([{ name: 'MQA', at: 2000 }]);
      expect((await get('/accounts/unknown.org')).status).toBe(404);

      // GET /accounts: the board in replay's score order, paged as /leaderboard is
      const ranked = [...replayed]
        .sort((a, b) => b.score - a.score || (a.accountId < b.accountId ? 1 : -1))
        .map((a, i) => ({ rank: i + 1, accountId: a.accountId, score: a.score }));
      expect(ranked.map((a) => a.accountId)).toEqual(['globex.io', 'acme.com', 'initech.net']);
      const board = { status: 200, body: { total: 3, accounts: ranked } };
      expect(await get('/accounts')).toEqual(board);
      expect(await get('/accounts?top=50%25')).toEqual({
        status: 200,
        body: { top: '50%', total: 3, accounts: ranked.slice(0, 2) },
      });
      const refused = await get('/accounts?limit=0');
      expect(refused.status).toBe(400);
      expect(refused.body['error']).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'query.limit' }] });

      // Old messages again: acme's 3000 (older than its last change; applied, acme would be first
      // again), and the last change of each of the other two (redeliveries); plus one that is not
      // Avro, which the read API dead-letters. None moves the board.
      await waitForCollectorAtEnd(kafka, changes, topics.accountScoreChanged);
      await changes.stop(); // it cannot decode the bad message
      const of = (id: string) => changes.items.map((c) => c.value).filter((v) => v.accountId === id);
      const lastOf = (id: string) => of(id).reduce((a, b) => (b.sequence > a.sequence ? b : a));
      const older = of('acme.com')
        .filter((v) => v.sequence < lastOf('acme.com').sequence)
        .reduce((a, b) => (b.score > a.score ? b : a));
      expect(older.score).toBe(3000);
      const metric = async (outcome: string) => {
        const line = new RegExp(`leadscore_read_api_account_score_changes_projected_total\\{outcome="${outcome}"\\} (\\d+)`);
        return Number(line.exec(await readApi.metrics())?.[1] ?? 0);
      };
      const [projectedBefore, ignoredBefore] = [await metric('projected'), await metric('ignored')];
      expect(projectedBefore).toBeGreaterThanOrEqual(3);
      const stale = [older, lastOf('globex.io'), lastOf('initech.net')];
      await producer.send({
        topic: topics.accountScoreChanged,
        acks: -1,
        messages: [
          ...(await Promise.all(
            stale.map(async (v) => ({ key: v.accountId, value: await codec.encode('accountScoreChanged', v) })),
          )),
          { key: 'acme.com', value: Buffer.from('not avro at all') },
        ],
      });
      await waitForGroupCaughtUp(kafka, readApiGroup, [topics.accountScoreChanged]);
      expect([await metric('projected'), await metric('ignored')]).toEqual([projectedBefore, ignoredBefore + stale.length]);
      expect(await get('/accounts')).toEqual(board);
      await deadLetters.waitFor(
        (items) => items.some((d) => d.value.failedBy === 'read-api'),
        30_000,
        "the read API's dead letter",
      );
      expect(
        deadLetters.items.filter((d) => d.value.failedBy === 'read-api').map((d) => [d.value.reason, d.value.sourceTopic]),
      ).toEqual([['UNDECODABLE', topics.accountScoreChanged]]);
      expect(readApi.running).toBe(true);
    },
  );
});
