import { afterAll, describe, expect, it } from 'vitest';
import {
  accountsAgainstReplay,
  accountScenarioEvents,
  collectAccountScoreChanges,
  lastEmittedScores,
  produceAccountEvents,
  startAccountsStack,
  waitForAccountsCaughtUp,
} from '../support/account-harness.js';
import { produceEvents, waitForCollectorAtEnd, type RawEvent } from '../support/streams.js';

const HOUR = 3_600_000;
const GRID = new URL('../support/grids/accounts-two-scores.yaml', import.meta.url).pathname;

/**
 * A grid with two scores and an `accounts` section whose `from` is engagement (docs/accounts.md):
 * through a real scorer and the account service, each company's score is the top 3 of its
 * members' engagement, never their fit; the stored accounts equal replay's.
 */
describe('the account service with several scores per contact (real scorer, Kafka, registry, Redis)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('rolls up the score accounts.from names, as replay does', { timeout: 180_000 }, async () => {
    const { topics, codec, kafka, keyPrefix, scorerGroup, producer, accounts } = await startAccountsStack(
      'accounts-scores',
      2,
      cleanup,
      GRID,
    );
    const changes = await collectAccountScoreChanges(kafka, codec, topics);
    cleanup.push(() => changes.stop());
    const now = Date.now();
    const { at, key, view, demo } = accountScenarioEvents(now - 24 * HOUR);
    const phone = (eventId: string, contactId: string, h: number): RawEvent => ({
      eventId,
      contactId,
      type: 'contact_updated',
      occurredAt: at(h),
      properties: { phone: '+1 555 0100' },
      onBehaviouralTopic: true,
    });
    const contact = [
      key('u-ann', 'ann', 1, 'acme.com'),
      key('u-bob', 'bob', 1, 'acme.com'),
      phone('f-ann', 'ann', 2), // fit 300: not rolled up
      view('p-1', 'ann', 3, '/pricing'), // engagement 500
      demo('d-1', 'bob', 3), // engagement 1000 and fit 1000
      phone('f-bob', 'bob', 4),
    ];
    const account = [{ eventId: 'a-1', accountId: 'acme.com', occurredAt: at(5), properties: { employees: 5000 } }];
    await produceEvents(producer, codec, topics, contact);
    await produceAccountEvents(kafka, codec, topics, account);
    await waitForAccountsCaughtUp(kafka, topics, keyPrefix, scorerGroup);

    const { expected, withEmitted, stored } = await accountsAgainstReplay(keyPrefix, contact, account, now, GRID);
    expect(expected).toEqual(new Map([['acme.com', { score: 500 + 1000 + 300, members: 2 }]]));
    expect(await stored()).toEqual(withEmitted);
    await waitForCollectorAtEnd(kafka, changes, topics.accountScoreChanged);
    expect(lastEmittedScores(changes.items)).toEqual(new Map([['acme.com', 1800]]));
    // the fit score changes were read and skipped
    expect(await accounts.metrics()).toMatch(/leadscore_accounts_contact_events_skipped_total\{reason="other-score"\} [1-9]/);
  });
});
