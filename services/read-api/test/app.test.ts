import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@leadscore/errors';
import { Readiness, ServiceError } from '@leadscore/service-kit';
import {
  createReadApiApp,
  ReadApiMetrics,
  type AccountReader,
  type AccountView,
  type ContactReader,
  type ContactView,
} from '../src/index.js';

const view: ContactView = {
  contactId: 'c-1',
  score: 1500,
  breakdown: [{ ruleId: 'key-pages', label: 'Visits of the main pages', count: 2, points: 1000 }],
  thresholdsReached: [{ name: 'MQL', at: 1000 }],
  lifecycle: { stage: null, history: [] },
  recentChanges: [],
  grid: { name: 'starter', version: 1 },
  evaluatedAt: 0,
};

/** A reader over fixed data: the app's parameter handling without Redis. */
const reader = {
  contact: async (id: string) => {
    // what ioredis throws while a restarted Redis loads its data, and for a command that is wrong
    if (id === 'loading')
      throw Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' });
    if (id === 'wrongtype') throw Object.assign(new Error('WRONGTYPE Operation against a key'), { name: 'ReplyError' });
    return id === 'c-1' ? view : null;
  },
  answering: async (id: string) => {
    if (id === 'sealing')
      throw new ServiceError(ErrorCode.Unavailable, 'the contact is being merged into another; retry shortly');
    return id === 'c-1' ? { root: 'c-1' } : id === 'anon-1' ? { root: 'c-1', mergedInto: 'c-1' } : null;
  },
  recentChanges: async (root: string, limit: number) => (root === 'c-1' ? [{ id: 'sc-1', limit }] : []),
  // a grid of two scores: the fit board holds 4 contacts, engagement's 10
  scoreIds: () => ['engagement', 'fit'],
  leaderboardSize: async (scoreId: string) => (scoreId === 'fit' ? 4 : 10),
  leaderboard: async (limit: number, scoreId: string) => ({
    total: scoreId === 'fit' ? 4 : 10,
    contacts: Array.from({ length: limit }, (_, i) => ({ rank: i + 1, contactId: `${scoreId}-${i}`, score: 100 - i })),
  }),
} as unknown as ContactReader;

const accountView: AccountView = {
  accountId: 'acme',
  score: 140,
  aggregate: 120,
  members: 3,
  topMembers: [
    { contactId: 'c-1', score: 70 },
    { contactId: 'c-2', score: 50 },
  ],
  contributions: [{ ruleId: 'enterprise', label: 'Enterprise', count: 1, points: 20 }],
  thresholdsReached: [{ name: 'mqa', at: 100 }],
  lifecycle: { stage: null, history: [] },
  grid: { name: 'default', version: 1 },
};
/** Accounts over fixed data: 8 ranked, as many rows as asked for (so the tests see the limit the route passed). */
const accounts = {
  account: async (id: string) => (id === 'acme' ? accountView : null),
  leaderboardSize: async () => 8,
  leaderboard: async (limit: number) => ({
    total: 8,
    accounts: Array.from({ length: limit }, (_, i) => ({ rank: i + 1, accountId: `a-${i}`, score: 900 - i })),
  }),
} as unknown as AccountReader;

function build() {
  return createReadApiApp({
    reader,
    accounts,
    metrics: new ReadApiMetrics(),
    readiness: new Readiness(),
    logger: pino({ level: 'silent' }),
  });
}

describe('read API app', () => {
  it('answers an account, 404 ACCOUNT_NOT_FOUND for an unknown one, 400 with the path for a bad id', async () => {
    const app = build();
    const ok = await app.inject('/accounts/acme');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual(accountView);
    const missing = await app.inject('/accounts/globex');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', details: [{ path: 'params.accountId' }] });
    const long = await app.inject(`/accounts/${'a'.repeat(129)}`);
    expect(long.statusCode).toBe(400);
    expect(long.json().error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'params.accountId' }] });
    await app.close();
  });

  it('answers a contact, and 404 with the parameter path for an unknown one', async () => {
    const app = build();
    const ok = await app.inject('/contacts/c-1');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual(view);
    const missing = await app.inject('/contacts/c-2');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'CONTACT_NOT_FOUND', details: [{ path: 'params.contactId' }] });
    expect((await app.inject('/contacts/c-2/score-changes')).statusCode).toBe(404);
    await app.close();
  });

  it('answers 503 while Redis is loading its data after a restart, 500 for a Redis reply that is not transient', async () => {
    const app = build();
    const loading = await app.inject('/contacts/loading');
    expect(loading.statusCode).toBe(503);
    expect(loading.json().error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/retry shortly/) });
    const wrong = await app.inject('/contacts/wrongtype');
    expect(wrong.statusCode).toBe(500);
    expect(wrong.json().error).toMatchObject({ code: 'INTERNAL' });
    await app.close();
  });

  it("answers the score changes of a merged-away id with its root's, saying mergedInto; 503 while a merge is applied", async () => {
    const app = build();
    expect((await app.inject('/contacts/c-1/score-changes?limit=3')).json()).toEqual({
      contactId: 'c-1',
      changes: [{ id: 'sc-1', limit: 3 }],
    });
    expect((await app.inject('/contacts/anon-1/score-changes?limit=3')).json()).toEqual({
      contactId: 'anon-1',
      mergedInto: 'c-1',
      changes: [{ id: 'sc-1', limit: 3 }],
    });
    const sealing = await app.inject('/contacts/sealing/score-changes');
    expect(sealing.statusCode).toBe(503);
    expect(sealing.json().error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/being merged/) });
    await app.close();
  });

  it('answers 400 naming the parameter for bad limits, percentages, repeated or combined parameters', async () => {
    const app = build();
    const boardCases: [string, string][] = [
      ['?limit=0', 'query.limit'],
      ['?limit=1001', 'query.limit'],
      ['?limit=2.5', 'query.limit'],
      ['?limit=', 'query.limit'],
      ['?limit=1&limit=2', 'query.limit'],
      ['?top=abc', 'query.top'],
      ['?top=101%25', 'query.top'],
      ['?top=0', 'query.top'],
      ['?top=20%25&limit=3', 'query.top'],
      ['?top=10%25&top=20%25', 'query.top'],
    ];
    const cases: [string, string][] = [
      // both leaderboards refuse the same mistakes with the same paths
      ...boardCases.flatMap(([query, path]): [string, string][] => [
        [`/leaderboard${query}`, path],
        [`/accounts${query}`, path],
      ]),
      ['/leaderboard?score=matrix', 'query.score'],
      ['/leaderboard?score=', 'query.score'],
      ['/leaderboard?score=fit&score=engagement', 'query.score'],
      ['/contacts/c-1/score-changes?limit=0', 'query.limit'],
      [`/contacts/${'x'.repeat(129)}`, 'params.contactId'],
    ];
    for (const [url, path] of cases) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('INVALID_REQUEST');
      expect(res.json().error.details[0].path, url).toBe(path);
    }
    await app.close();
  });

  it('serves the top N and the top percentage of the leaderboard', async () => {
    const app = build();
    expect((await app.inject('/leaderboard')).json().contacts).toHaveLength(20); // the default limit (the fake ignores the total)
    expect((await app.inject('/leaderboard?limit=3')).json().contacts.map((c: { rank: number }) => c.rank)).toEqual([1, 2, 3]);
    const top = (await app.inject('/leaderboard?top=20%25')).json();
    expect(top.top).toBe('20%');
    expect(top.contacts).toHaveLength(2); // 20 % of 10 contacts
    expect((await app.inject('/leaderboard?top=15')).json().contacts).toHaveLength(2); // ceil(1.5)
    await app.close();
  });

  it("ranks the grid's first score by default, and the score ?score names", async () => {
    const app = build();
    const first = (await app.inject('/leaderboard?limit=2')).json();
    expect(first).toMatchObject({ scoreId: 'engagement', total: 10 });
    expect(first.contacts.map((c: { contactId: string }) => c.contactId)).toEqual(['engagement-0', 'engagement-1']);
    // ?top takes the share of that score's board
    const fit = (await app.inject('/leaderboard?score=fit&top=50%25')).json();
    expect(fit).toMatchObject({ scoreId: 'fit', top: '50%', total: 4 });
    expect(fit.contacts.map((c: { contactId: string }) => c.contactId)).toEqual(['fit-0', 'fit-1']);
    const unknown = (await app.inject('/leaderboard?score=nope')).json();
    expect(unknown.error.message).toBe('the grid has no score "nope"; its scores are "engagement", "fit"');
    await app.close();
  });
});

describe('the account leaderboard', () => {
  it('pages as the contact leaderboard does: top N (default 20, at most 1000) or the top percentage', async () => {
    const app = build();
    const board = (await app.inject('/accounts')).json();
    expect(board.total).toBe(8);
    expect(board.accounts).toHaveLength(20); // the default limit (the fake ignores the total)
    expect((await app.inject('/accounts?limit=1000')).json().accounts).toHaveLength(1000);
    expect((await app.inject('/accounts?limit=2')).json()).toEqual({
      total: 8,
      accounts: [
        { rank: 1, accountId: 'a-0', score: 900 },
        { rank: 2, accountId: 'a-1', score: 899 },
      ],
    });
    const top = (await app.inject('/accounts?top=20%25')).json();
    expect(top.top).toBe('20%');
    expect(top.accounts).toHaveLength(2); // ceil(20 % of 8 accounts)
    expect((await app.inject('/accounts?top=100')).json().accounts).toHaveLength(8);
    // the account route is still there beside it
    expect((await app.inject('/accounts/acme')).json()).toEqual(accountView);
    await app.close();
  });

  it('is not mounted without account reading, like /accounts/{id}', async () => {
    const app = createReadApiApp({
      reader,
      metrics: new ReadApiMetrics(),
      readiness: new Readiness(),
      logger: pino({ level: 'silent' }),
    });
    for (const url of ['/accounts', '/accounts/acme']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
    await app.close();
  });
});

describe('read API keys', () => {
  const KEY = 'read-key-0123456789abcdef';
  const secured = () =>
    createReadApiApp({
      reader,
      accounts,
      metrics: new ReadApiMetrics(),
      readiness: new Readiness(),
      logger: pino({ level: 'silent' }),
      apiKeys: [KEY],
    });

  it('refuses the data routes without a known key (401 with the header path), answers with one', async () => {
    const app = secured();
    for (const url of [
      '/contacts/c-1',
      '/contacts/c-1/score-changes',
      '/leaderboard',
      '/accounts',
      '/accounts/acme',
      '/no-such-route',
    ]) {
      const refused = await app.inject(url);
      expect(refused.statusCode, url).toBe(401);
      expect(refused.json().error).toMatchObject({ code: 'UNAUTHORIZED', details: [{ path: 'headers.authorization' }] });
      expect((await app.inject({ url, headers: { authorization: 'Bearer wrong-key-0123456789abc' } })).statusCode, url).toBe(401);
    }
    expect((await app.inject({ url: '/contacts/c-1', headers: { authorization: `Bearer ${KEY}` } })).json()).toEqual(view);
    expect((await app.inject({ url: '/leaderboard', headers: { 'x-api-key': KEY } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/accounts', headers: { 'x-api-key': KEY } })).statusCode).toBe(200);
    await app.close();
  });

  it('keeps /healthz, /readyz and /metrics open for probes and Prometheus', async () => {
    const app = secured();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    await app.close();
  });
});
