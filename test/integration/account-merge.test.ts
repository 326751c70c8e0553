import { afterAll, describe, expect, it } from 'vitest';
import type { AccountMemberChangeValue, ContactMergedValue } from '@leadscore/contracts';
import { decodeMemberRecord } from '@leadscore/accounts';
import { KeyLayout } from '@leadscore/redis-layout';
import {
  accountsAgainstReplay,
  accountScenarioEvents,
  produceAccountEvents,
  produceMemberChanges,
  staleMemberChanges,
  startAccountsStack,
  waitForAccountsCaughtUp,
  type RawAccountEvent,
} from '../support/account-harness.js';
import { produceEvents, TopicCollector, waitForCollectorAtEnd, type RawEvent } from '../support/streams.js';
import { testRedis } from '../support/test-context.js';

const HOUR = 3_600_000;

/**
 * Identity merges into contacts of companies (docs/identity.md, docs/accounts.md), all sent at
 * once over 6 partitions, so merges race with both sides' events:
 * - anon-1 (no company, the pricing and solutions pages) merged into ann (acme.com);
 * - fay-crm (globex.io, a later key than fay's acme.com) merged into fay: fay-crm leaves
 *   globex.io and fay moves there;
 * - gus-old (globex.io, an older key than gus's acme.com) merged into gus: gus-old leaves
 *   globex.io, gus stays;
 * - cem-dup merged into cem, both of globex.io;
 * - anon-3 merged into bob (acme.com), then a demo and a company (initech.io) under anon-3's id:
 *   both count for bob, who moves;
 * - a chain: anon-4 into anon-5 (initech.io, older than dan's key), anon-5 into dan (globex.io).
 */
function history(t0: number): { contact: RawEvent[]; account: RawAccountEvent[] } {
  const { at, key, view, demo, merge } = accountScenarioEvents(t0);
  return {
    contact: [
      key('u-ann', 'ann', 1, 'acme.com'),
      key('u-bob', 'bob', 1, 'acme.com', false),
      key('u-fay', 'fay', 1, 'acme.com'),
      key('u-gus', 'gus', 3, 'acme.com'),
      key('u-cem', 'cem', 1, 'globex.io', false),
      key('u-dan', 'dan', 1, 'globex.io'),
      key('u-fay-crm', 'fay-crm', 5, 'globex.io', false),
      key('u-gus-old', 'gus-old', 1, 'globex.io'),
      key('u-cem-dup', 'cem-dup', 1, 'globex.io'),
      key('u-anon-5', 'anon-5', 0.5, 'initech.io'),
      demo('d-ann', 'ann', 2),
      view('p-a1', 'anon-1', 2, '/pricing'),
      view('p-a2', 'anon-1', 2.5, '/solutions'),
      view('p-fay', 'fay', 2, '/pricing'),
      demo('d-fay-crm', 'fay-crm', 2),
      demo('d-gus', 'gus', 2),
      view('p-gus-old', 'gus-old', 2, '/pricing'),
      demo('d-cem', 'cem', 2),
      view('p-cem-dup', 'cem-dup', 2, '/pricing'),
      view('p-bob', 'bob', 3, '/pricing'),
      view('p-a3', 'anon-3', 2, '/solutions'),
      view('p-a4', 'anon-4', 2, '/pricing'),
      view('p-dan', 'dan', 3, '/solutions'),
      merge('m-1', 'ann', 4, 'anon-1'),
      merge('m-2', 'fay', 6, 'fay-crm'),
      merge('m-3', 'gus', 6, 'gus-old'),
      merge('m-4', 'cem', 6, 'cem-dup'),
      merge('m-5', 'bob', 6, 'anon-3'),
      merge('m-6', 'anon-5', 5, 'anon-4'),
      merge('m-7', 'dan', 6, 'anon-5'),
      demo('d-a3', 'anon-3', 7), // under the merged-away id: bob's
      key('u-anon-3', 'anon-3', 8, 'initech.io'), // bob's company now
      view('p-a4-late', 'anon-4', 8, '/blog'), // matches no rule
    ],
    account: [
      { eventId: 'a-1', accountId: 'acme.com', occurredAt: at(9), properties: { employees: 5000, industry: 'software' } },
    ],
  };
}

describe('the account service follows identity merges (real scorer, Kafka, registry, Redis)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it(
    "ends with replay's account scores: merged-away contacts leave, roots take the later key, later events of a merged id count for its root; redelivery changes nothing",
    {
      timeout: 240_000,
    },
    async () => {
      const { topics, codec, kafka, keyPrefix, scorerGroup, accounts, producer } = await startAccountsStack(
        'accounts-merge',
        6,
        cleanup,
      );
      const memberChanges = await new TopicCollector<AccountMemberChangeValue>(
        kafka,
        codec,
        'accountMembers',
        topics.accountMembers,
      ).start();
      const merged = await new TopicCollector<ContactMergedValue>(kafka, codec, 'contactMerged', topics.contactMerged).start();
      cleanup.push(
        () => memberChanges.stop(),
        () => merged.stop(),
      );

      const now = Date.now();
      const { contact, account } = history(now - 2 * 24 * HOUR);
      await produceEvents(producer, codec, topics, contact);
      await produceAccountEvents(kafka, codec, topics, account);
      await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);

      const { replayed, expected, withEmitted, stored } = await accountsAgainstReplay(keyPrefix, contact, account, now);
      // the scenario is what it says: ann and gus in acme.com; fay, cem and dan in globex.io; bob in initech.io
      expect(new Map([...expected].map(([id, a]) => [id, a.members]))).toEqual(
        new Map([
          ['acme.com', 2],
          ['globex.io', 3],
          ['initech.io', 1],
        ]),
      );
      expect(replayed.find((a) => a.accountId === 'initech.io')!.topMembers).toEqual([{ contactId: 'bob', score: 2000 }]);
      expect(await stored()).toEqual(withEmitted);

      // What each contact last asserted to each account it was ever sent to. Every merged-away id
      // has left them all; anon-1 never had a company. A merged-away id whose company reached the
      // members stage before its merge joined it and left at the merge (LEAVE with the merge's
      // id); one whose company came after never joined, and its key went to its root (so fay may
      // move with either eventId): the same accounts either way.
      await waitForCollectorAtEnd(kafka, memberChanges, topics.accountMembers);
      const last = new Map<string, AccountMemberChangeValue>();
      for (const { value } of memberChanges.items) {
        const pair = `${value.accountId}/${value.contactId}`;
        if ((last.get(pair)?.memberSequence ?? 0) < value.memberSequence) last.set(pair, value);
      }
      const lastOf = (contactId: string) => [...last.values()].filter((v) => v.contactId === contactId);
      for (const id of ['anon-1', 'fay-crm', 'gus-old', 'cem-dup', 'anon-3', 'anon-4', 'anon-5']) {
        expect(lastOf(id).every((v) => v.kind === 'LEAVE')).toBe(true);
      }
      expect(lastOf('anon-1')).toEqual([]);
      expect(
        lastOf('fay')
          .map((v) => [v.accountId, v.kind === 'LEAVE'])
          .sort(),
      ).toEqual([
        ['acme.com', true],
        ['globex.io', false],
      ]);
      // gus kept his company, with his merged score (his demo and gus-old's pricing page)
      expect(lastOf('gus').map((v) => [v.accountId, v.kind !== 'LEAVE', v.score])).toEqual([['acme.com', true, 1500]]);
      // the member records: merged-away ids point at their root and belong to no account
      const keys = new KeyLayout(keyPrefix);
      const record = async (id: string) => decodeMemberRecord((await testRedis().get(keys.memberRecord(id))) ?? '');
      for (const [id, root] of [
        ['anon-1', 'ann'],
        ['fay-crm', 'fay'],
        ['gus-old', 'gus'],
        ['cem-dup', 'cem'],
        ['anon-3', 'bob'],
        ['anon-5', 'dan'],
      ] as const) {
        expect((await record(id)).mergedInto).toBe(root);
      }
      expect(['anon-5', 'dan']).toContain((await record('anon-4')).mergedInto);
      for (const root of ['ann', 'fay', 'gus', 'cem', 'bob', 'dan']) expect((await record(root)).held).toBeNull();
      expect(await accounts.metrics()).not.toMatch(/leadscore_accounts_dead_lettered_total\{stage="members"\} [1-9]/);

      // Redelivery: every contact-merged again, and every member change that is not its contact's
      // last for its account: nothing changes.
      await waitForCollectorAtEnd(kafka, merged, topics.contactMerged);
      expect(merged.items.length).toBeGreaterThanOrEqual(7);
      await producer.send({
        topic: topics.contactMerged,
        acks: -1,
        messages: await Promise.all(
          merged.items.map(async (m) => ({
            key: m.key,
            value: await codec.encode('contactMerged', m.value),
            headers: m.headers,
          })),
        ),
      });
      const stale = staleMemberChanges(memberChanges.items);
      await produceMemberChanges(kafka, codec, topics, stale);
      await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);
      expect(await stored()).toEqual(withEmitted);
    },
  );
});
