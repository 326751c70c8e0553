import { afterAll, describe, expect, it } from 'vitest';
import type { AccountMemberChangeValue, AccountThresholdCrossedValue, DeadLetterValue } from '@leadscore/contracts';
import {
  accountsAgainstReplay,
  accountScenarioEvents,
  collectAccountScoreChanges,
  lastEmittedScores,
  produceAccountEvents,
  produceMemberChanges,
  staleMemberChanges,
  startAccountsStack,
  waitForAccountsCaughtUp,
  type RawAccountEvent,
} from '../support/account-harness.js';
import { produceEvents, TopicCollector, waitForCollectorAtEnd, type RawEvent } from '../support/streams.js';

const HOUR = 3_600_000;

/**
 * People of two companies, through a real scorer and the account service (two OS processes):
 * - acme.com: ann (1000), bob (500), fay (1500, then moves to globex.io: A → B) and eve (1000,
 *   scored while at globex.io, then moves to acme.com: B → A); an account_updated (5000
 *   employees, software: +500) makes it cross MQA (2000), a redelivered copy changes nothing;
 * - globex.io: cem (1000), dan (500), then fay.
 * Bad account_updated events (an empty accountId, a payload that is not Avro) are dead-lettered.
 */
function history(t0: number): { contact: RawEvent[]; account: RawAccountEvent[] } {
  const { at, key, view, demo } = accountScenarioEvents(t0);
  return {
    contact: [
      key('u-ann', 'ann', 1, 'acme.com'),
      key('u-bob', 'bob', 1, 'acme.com', false), // on contact-updates: both topics carry the key
      key('u-fay', 'fay', 1, 'acme.com'),
      key('u-cem', 'cem', 1, 'globex.io'),
      key('u-dan', 'dan', 1, 'globex.io', false),
      key('u-eve', 'eve', 1, 'globex.io'),
      view('p-1', 'ann', 2, '/pricing'),
      view('p-2', 'ann', 3, '/solutions'),
      view('p-3', 'bob', 3, '/pricing'),
      demo('d-1', 'fay', 3),
      view('p-4', 'fay', 4, '/pricing'),
      demo('d-2', 'cem', 4),
      view('p-5', 'dan', 4, '/pricing'),
      demo('d-3', 'eve', 5),
      key('u-fay-2', 'fay', 6, 'globex.io'), // A → B
      key('u-eve-2', 'eve', 7, 'acme.com', false), // B → A
      view('p-6', 'eve', 8, '/blog'), // matches no rule
      key('u-cem-old', 'cem', 0, 'acme.com'), // older than the key cem has: no move
    ],
    account: [
      { eventId: 'a-1', accountId: 'acme.com', occurredAt: at(9), properties: { employees: 5000, industry: 'software' } },
      { eventId: 'a-1', accountId: 'acme.com', occurredAt: at(9), properties: { employees: 5000, industry: 'software' } },
      { eventId: 'a-2', accountId: 'globex.io', occurredAt: at(9), properties: { employees: 40 } },
    ],
  };
}

describe('the account service (real scorer, Kafka, registry, Redis)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it(
    "ends with replay's account scores, moves both ways included; MQA crossed; bad account_updated dead-lettered; stale member changes change nothing",
    {
      timeout: 240_000,
    },
    async () => {
      const { topics, codec, kafka, keyPrefix, scorerGroup, accounts, producer } = await startAccountsStack(
        'accounts',
        3,
        cleanup,
      );
      const changes = await collectAccountScoreChanges(kafka, codec, topics);
      const crossings = await new TopicCollector<AccountThresholdCrossedValue>(
        kafka,
        codec,
        'accountThresholdCrossed',
        topics.accountThresholdCrossed,
      ).start();
      const memberChanges = await new TopicCollector<AccountMemberChangeValue>(
        kafka,
        codec,
        'accountMembers',
        topics.accountMembers,
      ).start();
      const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
      cleanup.push(
        () => changes.stop(),
        () => crossings.stop(),
        () => memberChanges.stop(),
        () => deadLetters.stop(),
      );

      const now = Date.now();
      const { contact, account } = history(now - 2 * 24 * HOUR);
      // in two steps, so the moves come after the scores they move (the account scores end the same
      // either way; the stale member changes below then carry fay's 1500)
      const moveAt = contact.findIndex((e) => e.eventId === 'u-fay-2');
      await produceEvents(producer, codec, topics, contact.slice(0, moveAt));
      await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);
      await produceEvents(producer, codec, topics, contact.slice(moveAt));
      await produceAccountEvents(kafka, codec, topics, [
        ...account,
        { eventId: 'a-bad', accountId: '', occurredAt: now - HOUR, properties: { employees: 10 } },
        { key: 'acme.com', raw: Buffer.from('not avro at all') },
      ]);
      await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);

      const { replayed, expected, withEmitted, stored } = await accountsAgainstReplay(keyPrefix, contact, account, now);
      // the scenario is what it says: both accounts cross MQA, fay and eve moved
      expect(expected).toEqual(
        new Map([
          ['acme.com', { score: 3000, members: 3 }],
          ['globex.io', { score: 3000, members: 3 }],
        ]),
      );
      expect(await stored()).toEqual(withEmitted);

      await waitForCollectorAtEnd(kafka, changes, topics.accountScoreChanged);
      expect(lastEmittedScores(changes.items)).toEqual(new Map([...expected].map(([id, a]) => [id, a.score])));
      // per account, sequences only increase in the order they were produced
      for (const id of expected.keys()) {
        const sequences = changes.items.filter((c) => c.value.accountId === id).map((c) => c.value.sequence);
        expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
        expect(changes.items.filter((c) => c.value.accountId === id).every((c) => c.key === id)).toBe(true);
      }
      // each move is a LEAVE of the old account and a JOIN of the new one with one member sequence
      // (whether it moves a score depends on whether the contact's score-changed came first)
      await waitForCollectorAtEnd(kafka, memberChanges, topics.accountMembers);
      for (const [contactId, eventId, from, to] of [
        ['fay', 'u-fay-2', 'acme.com', 'globex.io'],
        ['eve', 'u-eve-2', 'globex.io', 'acme.com'],
      ] as const) {
        const move = memberChanges.items.map((m) => m.value).filter((v) => v.contactId === contactId && v.eventId === eventId);
        expect(move.map((v) => [v.kind, v.accountId]).sort()).toEqual([
          ['JOIN', to],
          ['LEAVE', from],
        ]);
        expect(move[0]!.memberSequence).toBe(move[1]!.memberSequence);
      }

      await waitForCollectorAtEnd(kafka, crossings, topics.accountThresholdCrossed);
      const mqa = crossings.items.filter((c) => c.value.accountId === 'acme.com' && c.value.threshold === 'MQA');
      expect(mqa.length).toBeGreaterThanOrEqual(1);
      expect(mqa.at(-1)!.value).toMatchObject({ direction: 'UP', at: 2000 });
      // replay's crossings of acme.com end above MQA too
      expect(replayed.find((a) => a.accountId === 'acme.com')!.crossings.at(-1)).toMatchObject({
        threshold: 'MQA',
        direction: 'up',
      });

      await deadLetters.waitFor((items) => items.length >= 2, 30_000, 'the two bad account_updated');
      expect(deadLetters.items.map((d) => [d.value.failedBy, d.value.reason, d.value.sourceTopic]).sort()).toEqual([
        ['accounts', 'INVALID_EVENT', topics.accountUpdates],
        ['accounts', 'UNDECODABLE', topics.accountUpdates],
      ]);
      expect(deadLetters.items.find((d) => d.value.reason === 'INVALID_EVENT')!.value.message).toContain('accountId');
      expect(accounts.running).toBe(true);
      const metrics = await accounts.metrics();
      expect(metrics).toMatch(/leadscore_accounts_dead_lettered_total\{stage="accounts"\} 2\n/);
      expect(metrics).toMatch(/leadscore_accounts_member_changes_total\{kind="LEAVE"\} 2\n/);
      // both groups report their lag under one gauge, told apart by stage; caught up, it is 0
      const lagOf = (stage: string, topic: string) =>
        new RegExp(
          `leadscore_accounts_consumer_lag\\{stage="${stage}",topic="${topic.replaceAll('.', '\\.')}",partition="\\d+"\\} 0\n`,
        );
      expect(metrics).toMatch(lagOf('members', topics.scoreChanged));
      expect(metrics).toMatch(lagOf('accounts', topics.accountMembers));

      // A zombie's late produce (or any redelivery): every member change that is not its contact's
      // last for its account, sent again as it was. Each is older than what the account applied for
      // that contact, so nothing changes; applied again, fay's 1500 would re-enter acme.com and eve's
      // 1000 globex.io.
      const stale = staleMemberChanges(memberChanges.items);
      expect(
        stale.some((v) => v.contactId === 'fay' && v.accountId === 'acme.com' && v.kind === 'SCORE' && v.score === 1500),
      ).toBe(true);
      await produceMemberChanges(kafka, codec, topics, stale);
      await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);
      expect(await stored()).toEqual(withEmitted);
    },
  );
});
