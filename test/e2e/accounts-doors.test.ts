import { afterAll, describe, expect, it } from 'vitest';
import type { AccountThresholdCrossedValue } from '@leadscore/contracts';
import { ACCOUNTS_GRID, replayedAccounts, waitForAccountsCaughtUp } from '../support/account-harness.js';
import { startDoorsStack } from '../support/doors-stack.js';
import { pollUntil } from '../support/poll-until.js';
import { collectTopic, freshTopics, waitForCollectorAtEnd, type RawEvent } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const API_KEY = 'e2e-accounts-key-0123456789';

// Response bodies are checked field by field below; their shapes are the services' business.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * Accounts end to end, through the public doors: the people of two companies in over HTTP (our
 * format and a Segment identify), the scorer, the account service and the lifecycle workflow
 * working on Kafka, and out: the read API's GET /accounts/{id} showing what `leadscore replay`
 * predicts and its account leaderboard, the MQA on account-threshold-crossed (decoded through
 * the registry), and the account's lifecycle stage. The grid is the accounts example (top 3
 * members, MQA at 2000).
 */
describe('accounts through the doors, end to end', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('HTTP events for people of two companies → one MQA (read API, output topic, account stage), the other not', async () => {
    const { topics, codec, kafka } = await freshTopics('doors-accounts', 3);
    const keyPrefix = ctx.uniqueName('doors-accounts');
    const stack = await startDoorsStack(topics, keyPrefix, API_KEY, { gridFile: ACCOUNTS_GRID, accounts: true });
    cleanup.push(() => stack.stop());
    const { ingest, readApi, logs } = stack;
    const crossings = await collectTopic<AccountThresholdCrossedValue>(kafka, codec, topics, 'accountThresholdCrossed');
    cleanup.push(() => crossings.stop());

    const minutesAgo = (m: number) => Date.now() - m * 60_000;
    let n = 0;
    const event = (contactId: string, type: string, properties: RawEvent['properties'] = {}): RawEvent => {
      n += 1;
      return { eventId: `${contactId}-${n}`, contactId, type, occurredAt: minutesAgo(60 - n), properties };
    };
    // acme.example: ann 1000 (two key pages), bob 1000 (a demo), cem 500 (one key page, her company
    // from a Segment identify): top 3 = 2500 ≥ 2000, an MQA. globex.example: dan 1000, eve 500:
    // 1500, not one. fay scores 1000 at no company.
    const ours = [
      event('ann', 'contact_updated', { companyDomain: 'acme.example', jobTitle: 'CMO' }),
      event('ann', 'page_viewed', { path: '/pricing' }),
      event('bob', 'contact_updated', { companyDomain: 'acme.example' }),
      event('dan', 'contact_updated', { companyDomain: 'globex.example' }),
      event('dan', 'demo_requested'),
      event('eve', 'contact_updated', { companyDomain: 'globex.example' }),
      event('eve', 'page_viewed', { path: '/solutions' }),
      event('fay', 'demo_requested'),
      event('bob', 'demo_requested'),
      event('ann', 'page_viewed', { path: '/solutions' }),
    ];
    const identify = event('cem', 'contact_updated', { companyDomain: 'acme.example' });
    const page = event('cem', 'page_viewed', { path: '/pricing' });
    const segment = [
      {
        type: 'identify',
        messageId: identify.eventId,
        userId: 'cem',
        timestamp: new Date(identify.occurredAt).toISOString(),
        traits: identify.properties,
      },
      {
        type: 'page',
        messageId: page.eventId,
        userId: 'cem',
        timestamp: new Date(page.occurredAt).toISOString(),
        properties: page.properties,
      },
    ];
    const post = async (path: string, body: unknown) =>
      fetch(await ingest.url(path), {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const wire = ours.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt).toISOString() }));
    expect((await post('/v1/events', { events: wire })).status).toBe(202);
    expect((await post('/v1/segment', { batch: segment })).status).toBe(202);

    // what `leadscore replay` predicts for the same events
    const expected = new Map(
      (await replayedAccounts(ACCOUNTS_GRID, [...ours, identify, page], Date.now())).map((a) => [a.accountId, a]),
    );
    expect(expected.get('acme.example')).toMatchObject({ score: 2500, members: 3 });
    expect(expected.get('acme.example')!.crossings.map((c) => `${c.threshold}:${c.direction}`)).toEqual(['MQA:up']);
    expect(expected.get('globex.example')).toMatchObject({ score: 1500, members: 2, crossings: [] });

    // the read API answers each account as replay does, once the account service has it
    const account = async (id: string): Promise<{ status: number; body: Json }> => {
      const res = await fetch(await readApi.url(`/accounts/${encodeURIComponent(id)}`));
      return { status: res.status, body: await res.json() };
    };
    let last: Json = null;
    await pollUntil(
      async () => {
        const [acme, globex] = await Promise.all([account('acme.example'), account('globex.example')]);
        last = { acme: acme.body, globex: globex.body };
        return acme.body.score === 2500 && acme.body.members === 3 && globex.body.score === 1500;
      },
      `the accounts in the read API (logs in ${logs})`,
      60_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last answers ${JSON.stringify(last)}`);
    });
    for (const id of ['acme.example', 'globex.example']) {
      const { status, body } = await account(id);
      const replayed = expected.get(id)!;
      expect(status).toBe(200);
      expect(body).toEqual({
        accountId: id,
        score: replayed.score,
        aggregate: replayed.aggregate,
        members: replayed.members,
        topMembers: replayed.topMembers,
        contributions: replayed.contributions.filter((c) => c.points !== 0),
        thresholdsReached: id === 'acme.example' ? [{ name: 'MQA', at: 2000 }] : [],
        lifecycle: expect.objectContaining({ history: expect.any(Array) }), // checked below, once moved
        grid: { name: 'accounts-example', version: 1 },
      });
    }
    expect((await account('acme.example')).body.topMembers).toEqual([
      { contactId: 'ann', score: 1000 },
      { contactId: 'bob', score: 1000 },
      { contactId: 'cem', score: 500 },
    ]);
    // the account leaderboard (the read API's projection of account-score-changed), once it has both
    const boardUrl = await readApi.url('/accounts?limit=5');
    let board: Json = null;
    await pollUntil(
      async () => {
        board = await (await fetch(boardUrl)).json();
        return board.total === 2 && board.accounts[0]?.score === 2500 && board.accounts[1]?.score === 1500;
      },
      `the account leaderboard (logs in ${logs})`,
      30_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last answer ${JSON.stringify(board)}`);
    });
    expect(board).toEqual({
      total: 2,
      accounts: [
        { rank: 1, accountId: 'acme.example', score: 2500 },
        { rank: 2, accountId: 'globex.example', score: 1500 },
      ],
    });
    const unknown = await account('initech.example');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', details: [{ path: 'params.accountId' }] });

    // the output topic: one MQA up-crossing, acme.example's, and nothing for globex.example
    await waitForAccountsCaughtUp(kafka, topics, keyPrefix, `${keyPrefix}-scorer`);
    await waitForCollectorAtEnd(kafka, crossings, topics.accountThresholdCrossed);
    expect(crossings.items.map((c) => [c.key, c.value.accountId, c.value.threshold, c.value.direction])).toEqual([
      ['acme.example', 'acme.example', 'MQA', 'UP'],
    ]);
    const mqa = crossings.items[0]!.value;
    expect(mqa).toMatchObject({ at: 2000, gridName: 'accounts-example' });
    // a member's score or a member joining with its score: which one tips the account depends on
    // how the members stage interleaves score-changed with the contacts' updates; no account event
    expect(['MEMBER_SCORE', 'MEMBERSHIP']).toContain(mqa.cause.kind);
    expect(mqa.previousScore).toBeLessThan(2000);
    expect(mqa.score).toBeGreaterThanOrEqual(2000);

    // the lifecycle workflow moved the account (LIFECYCLE_ACCOUNT_STAGES), and the read API says so
    await pollUntil(
      async () => (await account('acme.example')).body.lifecycle?.stage !== null,
      'the MQA account stage in the read API',
      30_000,
    );
    const acmeNow = (await account('acme.example')).body;
    expect(acmeNow.lifecycle.stage).toMatchObject({
      stage: 'MARKETING_QUALIFIED',
      causeId: mqa.id,
      reason: 'threshold MQA crossed up',
    });
    expect(acmeNow.lifecycle.history.map((h: Json) => h.outcome)).toEqual(['moved']);
    expect((await account('globex.example')).body.lifecycle).toEqual({ stage: null, history: [] });

    // graceful shutdown, the account service included
    expect(await Promise.all([stack.accounts!.stop(), ingest.stop(), stack.lifecycle.stop(), readApi.stop()])).toEqual([
      0, 0, 0, 0,
    ]);
  });
});
