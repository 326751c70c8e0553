import { afterAll, describe, expect, it } from 'vitest';
import {
  ALL_SCRIPTS,
  IDENTITY_ROOTS,
  LINK_IDENTITY,
  SEAL_CONTACT,
  SETTLE_PENDING,
  IdentityReader,
  APPLY_CROSSING,
  CLAIM_DUE_CONTACTS,
  CLEAR_OUTBOX,
  COMMIT_ACCOUNT,
  COMMIT_STATE,
  KeyLayout,
  loadScript,
  MARK_GRID_QUEUED,
  PROJECT_ACCOUNT_SCORES,
  PROJECT_LEADERBOARD,
  PROJECT_SCORE_CHANGE,
  PublishedGridStore,
  StageReader,
  SWITCH_GRID,
} from '@leadscore/redis-layout';
import { testContext, testRedis } from '../support/test-context.js';

describe('every Lua script through the loader, against the real Redis', () => {
  const ctx = testContext();
  const redis = testRedis();
  const keys = new KeyLayout(ctx.uniqueName('layout'));
  const contactId = 'c-1';
  afterAll(async () => {
    await Promise.all(
      [
        ...keys.contactKeys(contactId),
        ...keys.accountKeys('acme.com'),
        keys.decayIndex(),
        keys.gridRecord(),
        keys.consoleGrid(),
        keys.consoleAudit(),
        keys.identityParents(),
        keys.identityPending(),
        keys.leaderboard(),
        keys.leaderboardSequences(),
        keys.accountLeaderboard(),
        keys.accountLeaderboardSequences(),
      ].map((key) => redis.del(key)),
    ).catch(() => undefined);
    await redis.quit();
  });

  it('runs each script once: compare-and-set, outbox, lease, grid switch, stage crossing, projection', async () => {
    const state: [string, string] = [keys.contactState(contactId), keys.outbox(contactId)];
    const commitState = loadScript(redis, COMMIT_STATE);
    expect(await commitState(state, '', 'v1', 'owed')).toBe(1);
    expect(await commitState(state, '', 'v2', '')).toBe(0); // the state is no longer ''
    expect(await redis.get(keys.contactState(contactId))).toBe('v1');

    const clearOutbox = loadScript(redis, CLEAR_OUTBOX);
    expect(await clearOutbox([keys.outbox(contactId)], 'other')).toBe(0);
    expect(await clearOutbox([keys.outbox(contactId)], 'owed')).toBe(1);
    expect(await redis.exists(keys.outbox(contactId))).toBe(0);

    await redis.zadd(keys.decayIndex(), 100, contactId, 5_000, 'c-later');
    expect(await loadScript(redis, CLAIM_DUE_CONTACTS)([keys.decayIndex()], 1_000, 10, 60_000)).toEqual([contactId]);
    expect(await redis.zscore(keys.decayIndex(), contactId)).toBe('61000'); // leased until now + lease

    const switchGrid = loadScript(redis, SWITCH_GRID);
    expect(await switchGrid([keys.gridRecord()], 'fp-1', 'starter', 1, '{"v":1}', 1_000, '0')).toEqual(['switched', '', 1]);
    expect(await loadScript(redis, MARK_GRID_QUEUED)([keys.gridRecord()], 'fp-1')).toBe(1);
    expect(await switchGrid([keys.gridRecord()], 'fp-1', 'starter', 1, '{"v":1}', 2_000, '0')).toEqual(['same', '', 1]);
    // adopt-only never switches another grid in; a switch increments the generation
    expect(await switchGrid([keys.gridRecord()], 'fp-2', 'starter', 2, '{"v":2}', 3_000, '1')).toEqual(['other', '', 1]);
    expect(await switchGrid([keys.gridRecord()], 'fp-2', 'starter', 2, '{"v":2}', 3_000, '0')).toEqual([
      'switched',
      '{"v":1}',
      2,
    ]);

    const crossing = [
      'x-1',
      'UP',
      'MARKETING_QUALIFIED',
      'SUBSCRIBER,LEAD,MARKETING_QUALIFIED',
      'change-1',
      3_000,
      'MQL',
      1200,
      100,
      'threshold MQL crossed up',
    ] as const;
    const applyCrossing = loadScript(redis, APPLY_CROSSING);
    const [moved, entry] = await applyCrossing([keys.stage(contactId), keys.stageHistory(contactId)], ...crossing);
    expect(moved).toBe(1);
    expect(JSON.parse(entry)).toMatchObject({ crossingId: 'x-1', outcome: 'moved', to: 'MARKETING_QUALIFIED' });
    expect((await applyCrossing([keys.stage(contactId), keys.stageHistory(contactId)], ...crossing))[0]).toBe(2); // redelivery
    const stages = new StageReader(redis, keys);
    expect(await stages.readStage(contactId)).toMatchObject({
      stage: 'MARKETING_QUALIFIED',
      changeId: 'change-1',
      causeId: 'x-1',
    });
    expect(await stages.readHistory(contactId)).toHaveLength(1);

    // a publish lands only over the version its draft was made from
    const published = new PublishedGridStore(redis, keys);
    const grid = (version: number) => ({ version, yaml: `version: ${version}`, publishedAt: version, publishedBy: 'ed' });
    const audit = (version: number) => ({ by: 'ed', at: version, oldVersion: version - 1, newVersion: version, gridName: 'g' });
    expect(await published.publish(grid(2), audit(2), null)).toBe(true);
    expect(await published.publish(grid(3), audit(3), null)).toBe(false); // another came first
    expect(await published.publish(grid(3), audit(3), 2)).toBe(true);
    expect(await published.current()).toMatchObject({ version: 3 });
    expect((await published.audit(10)).map((e) => e.newVersion)).toEqual([3, 2]);

    const project = loadScript(redis, PROJECT_SCORE_CHANGE);
    const projection: [string, string] = [keys.recentChanges(contactId), keys.projection(contactId)];
    const [scoreField, fitField] = [keys.projectionScoreField('score'), keys.projectionScoreField('fit')];
    expect(await project([keys.recentChanges('c-none'), keys.projection('c-none')], 0, 5, '{}', 10, scoreField)).toEqual([
      0,
      null,
      null,
    ]);
    expect(await project(projection, 1, 1200, '{"id":"sc-1"}', 10, scoreField)).toEqual([1, '1200', '1']);
    expect(await project(projection, 1, 999, '{"id":"sc-1"}', 10, scoreField)).toEqual([0, '1200', '1']); // not above the last sequence
    // several scores share the contact's one sequence; each keeps its own latest value
    expect(await project(projection, 1, 40, '{"id":"sc-1"}', 10, fitField)).toEqual([0, null, null]); // fit has none yet
    expect(await project(projection, 2, 40, '{"id":"sc-2"}', 10, fitField)).toEqual([1, '40', '2']);
    expect(await project(projection, 2, 1300, '{"id":"sc-2"}', 10, scoreField)).toEqual([0, '1200', '2']);
    expect(await redis.lrange(keys.recentChanges(contactId), 0, -1)).toEqual(['{"id":"sc-2"}', '{"id":"sc-1"}']);
    expect(await redis.hgetall(keys.projection(contactId))).toEqual({ sequence: '2', score: '1200', 'score:fit': '40' });

    // the contact leaderboard moves only to a higher sequence, and a contact unlisted as merged away stays off
    const projectBoard = loadScript(redis, PROJECT_LEADERBOARD);
    const contactBoard: [string, string] = [keys.leaderboard(), keys.leaderboardSequences()];
    await redis.zadd(keys.leaderboard(), 70, 'c-before'); // written before the sequences were recorded
    expect(await projectBoard(contactBoard, 'c-1', 5, 100, 'c-2', 1, 300, 'c-before', 1, 80)).toEqual([3, 0]);
    expect(await projectBoard(contactBoard, 'c-1', 6, 200, 'c-1', 5, 100, 'c-2', 1, 300)).toEqual([1, 0]); // older, redelivered
    expect(await projectBoard(contactBoard, 'c-2', 'merged', '', 'c-gone', 'merged', '')).toEqual([0, 1]);
    expect(await projectBoard(contactBoard, 'c-2', 9, 900, 'c-gone', 1, 10)).toEqual([0, 0]); // never listed again
    expect(await redis.zrevrange(keys.leaderboard(), 0, -1, 'WITHSCORES')).toEqual(['c-1', '200', 'c-before', '80']);
    expect(await redis.hgetall(keys.leaderboardSequences())).toEqual({
      'c-1': '6',
      'c-2': 'merged',
      'c-before': '1',
      'c-gone': 'merged',
    });
    // another score's board is its own pair of keys
    expect(keys.leaderboard('fit')).not.toBe(keys.leaderboard());
    expect(await projectBoard([keys.leaderboard('fit'), keys.leaderboardSequences('fit')], 'c-2', 1, 40)).toEqual([1, 0]);
    expect(await redis.zrevrange(keys.leaderboard('fit'), 0, -1, 'WITHSCORES')).toEqual(['c-2', '40']);

    // identity: a link moves what is pending; linking one tree twice, either way, links nothing (no cycle)
    const link = loadScript(redis, LINK_IDENTITY);
    const forest: [string, string] = [keys.identityParents(), keys.identityPending()];
    expect(await link(forest, 'anon-1', 'c-2', 'm-1', '1000')).toEqual(['anon-1', 'c-2', 1]);
    expect(await link(forest, 'c-2', 'c-3', 'm-2', '2000')).toEqual(['c-2', 'c-3', 1]);
    expect(await link(forest, 'c-3', 'anon-1', 'm-3', '3000')).toEqual(['c-3', 'c-3', 0]);
    expect(await new IdentityReader(redis, keys).rootOf('anon-1')).toBe('c-3');
    const roots = loadScript(redis, IDENTITY_ROOTS);
    expect(await roots([keys.identityParents()], 'anon-1', 'c-2', 'c-3', 'c-9')).toEqual(['c-3', 'c-3', 'c-3', 'c-9']);
    const pendingAt = async (root: string) => JSON.parse((await redis.hget(keys.identityPending(), root)) ?? '[]') as unknown[];
    expect(await pendingAt('c-3')).toEqual([
      { id: 'anon-1', cause: 'm-1', at: '1000' },
      { id: 'c-2', cause: 'm-2', at: '2000' },
    ]);
    expect(await pendingAt('c-2')).toEqual([]);
    // a seal keeps the last state and returns it with the outbox, the same however often
    const seal = loadScript(redis, SEAL_CONTACT);
    expect(await seal(state)).toEqual(['M|v1', '']);
    expect(await seal(state)).toEqual(['M|v1', '']);
    expect(await commitState(state, 'v1', 'v3', '')).toBe(0); // the owner's next compare-and-set fails
    expect(await loadScript(redis, SETTLE_PENDING)([keys.identityPending()], 'c-3', 'anon-1')).toBe(1);
    expect(await pendingAt('c-3')).toEqual([{ id: 'c-2', cause: 'm-2', at: '2000' }]);

    // an account's header is compared and set with its changed member fields and its outbox
    const commitAccount = loadScript(redis, COMMIT_ACCOUNT);
    const account: [string, string, string] = [
      keys.accountHeader('acme.com'),
      keys.accountMembers('acme.com'),
      keys.accountOutbox('acme.com'),
    ];
    expect(await commitAccount(account, '', 'h1', 'owed', 'ann', '1:500', 'bob', '1:200')).toBe(1);
    expect(await commitAccount(account, 'h1', 'h2', '', 'ann', '2:-')).toBe(1);
    expect(await commitAccount(account, 'h1', 'h3', 'x', 'bob', '9:9')).toBe(0); // the header moved on
    expect(await redis.hgetall(keys.accountMembers('acme.com'))).toEqual({ ann: '2:-', bob: '1:200' });
    expect([await redis.get(keys.accountHeader('acme.com')), await redis.exists(keys.accountOutbox('acme.com'))]).toEqual([
      'h2',
      0,
    ]);

    // the account leaderboard takes a chunk in one call: per account only a higher sequence moves it
    const projectAccounts = loadScript(redis, PROJECT_ACCOUNT_SCORES);
    const board: [string, string] = [keys.accountLeaderboard(), keys.accountLeaderboardSequences()];
    expect(await projectAccounts(board, 'acme.com', 2, 900, 'globex.io', 1, 400)).toBe(2);
    expect(await projectAccounts(board, 'acme.com', 2, 900, 'acme.com', 1, 100, 'globex.io', 3, 1200)).toBe(1); // a redelivery, an older one
    expect(await projectAccounts(board, 'acme.com', 3, 50)).toBe(1); // scores go down too
    expect(await redis.zrevrange(keys.accountLeaderboard(), 0, -1, 'WITHSCORES')).toEqual([
      'globex.io',
      '1200',
      'acme.com',
      '50',
    ]);
    expect(await redis.hgetall(keys.accountLeaderboardSequences())).toEqual({ 'acme.com': '3', 'globex.io': '3' });

    // every script ran under its content-hashed name
    const defined = ALL_SCRIPTS.filter((script) => script.commandName in redis).map((script) => script.file);
    expect(defined.sort()).toEqual(ALL_SCRIPTS.map((script) => script.file).sort());
  });
});
