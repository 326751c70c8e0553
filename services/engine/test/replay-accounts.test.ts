import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayEvents } from '../src/index.js';
import { accountGrid } from './support/account-grid.js';
import { EXAMPLES_DIR, gridFromYaml } from './support/starter-grid.js';

const NOW = Date.parse('2026-03-10T00:00:00Z');

describe('replay with an accounts section', () => {
  it('prints the example file: membership from contact_updated, scores from the contacts, account_updated in file order', async () => {
    const compiled = gridFromYaml(readFileSync(`${EXAMPLES_DIR}accounts.yaml`, 'utf8'));
    const lines = readFileSync(`${EXAMPLES_DIR}accounts-example.ndjson`, 'utf8').split('\n');
    const result = await replayEvents(compiled, lines, NOW);
    expect(result.badLines).toEqual([]);
    expect(result.events).toBe(10);
    expect(result.duplicates).toBe(1); // the redelivered a-1
    expect(result.contacts.map((c) => [c.contactId, c.score])).toEqual([
      ['ann', 1000],
      ['bob', 500],
      ['cem', 1000],
    ]);
    expect(result.accounts).toEqual([
      {
        accountId: 'acme.com',
        score: 3000,
        aggregate: 2500,
        members: 3,
        topMembers: [
          { contactId: 'ann', score: 1000 },
          { contactId: 'cem', score: 1000 },
          { contactId: 'bob', score: 500 },
        ],
        contributions: [
          { ruleId: 'enterprise', label: '1000+ employees', count: 1, points: 300 },
          { ruleId: 'target-industry', label: 'target-industry', count: 1, points: 200 },
        ],
        crossings: [
          {
            threshold: 'MQA',
            at: 2000,
            direction: 'up',
            score: 2000,
            sequence: 4,
            cause: { kind: 'account-event', eventId: 'a-1' },
          },
        ],
      },
      // cem moved to acme.com: globex.io holds nothing of it any more.
      { accountId: 'globex.io', score: 0, aggregate: 0, members: 0, topMembers: [], contributions: [], crossings: [] },
    ]);
  });

  it('reports a bad account_updated with its line and field, and ignores account lines without an accounts section', async () => {
    const compiled = gridFromYaml('name: plain\nversion: 1\nrules: [ { id: demo, on: demo_requested, points: 10 } ]\n');
    const result = await replayEvents(
      compiled,
      [
        '{"eventId":"a-1","accountId":"acme.com","type":"account_updated","occurredAt":"2026-03-01T00:00:00Z","properties":{"employees":5}}',
        '{"eventId":"a-2","type":"account_updated","occurredAt":"2026-03-01T00:00:00Z"}',
      ],
      NOW,
    );
    expect(result.accounts).toEqual([]);
    expect(result.events).toBe(1);
    expect(result.badLines).toEqual([{ line: 2, errors: [{ path: 'accountId', message: 'is required but missing' }] }]);
  });

  it('final account scores equal the aggregate of the final member scores and the final account properties (any file)', async () => {
    const contacts = ['c-0', 'c-1', 'c-2', 'c-3', 'c-4'];
    const domains = ['a.com', 'b.com', 'c.com'];
    const line = fc.oneof(
      fc.record({
        kind: fc.constant('activity' as const),
        contactId: fc.constantFrom(...contacts),
        type: fc.constantFrom('demo_requested', 'page_viewed'),
        id: fc.integer({ min: 0, max: 12 }),
        day: fc.integer({ min: 1, max: 9 }),
      }),
      fc.record({
        kind: fc.constant('member' as const),
        contactId: fc.constantFrom(...contacts),
        domain: fc.option(fc.constantFrom(...domains), { nil: null }),
        id: fc.integer({ min: 0, max: 12 }),
        day: fc.integer({ min: 1, max: 9 }),
      }),
      fc.record({
        kind: fc.constant('account' as const),
        accountId: fc.constantFrom(...domains),
        employees: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
        id: fc.integer({ min: 0, max: 12 }),
        day: fc.integer({ min: 1, max: 9 }),
      }),
    );
    const aggregates = fc.constantFrom({ top: 2 }, { sum: 'all' as const }, { max: true as const });
    await fc.assert(
      fc.asyncProperty(aggregates, fc.array(line, { maxLength: 30 }), async (aggregate, file) => {
        const compiled = accountGrid(aggregate, { bounds: { min: -10000, max: 3000 } });
        const occurredAt = (day: number) => `2026-03-0${day}T00:00:00Z`;
        const text = file.map((l) =>
          JSON.stringify(
            l.kind === 'activity'
              ? { eventId: `e-${l.id}`, contactId: l.contactId, type: l.type, occurredAt: occurredAt(l.day) }
              : l.kind === 'member'
                ? {
                    eventId: `m-${l.id}`,
                    contactId: l.contactId,
                    type: 'contact_updated',
                    occurredAt: occurredAt(l.day),
                    properties: { companyDomain: l.domain },
                  }
                : {
                    eventId: `a-${l.id}`,
                    accountId: l.accountId,
                    type: 'account_updated',
                    occurredAt: occurredAt(l.day),
                    properties: { employees: l.employees },
                  },
          ),
        );
        const result = await replayEvents(compiled, text, NOW);
        // The model: each contact's final account (latest occurredAt, then larger eventId), its final
        // score from the contact replay, each account's final employees the same way.
        const latest = <T>(entries: { at: string; id: string; value: T }[]): T | undefined =>
          entries.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0)).at(-1)?.value;
        const memberships = new Map<string, { at: string; id: string; value: string | null }[]>();
        const employees = new Map<string, { at: string; id: string; value: number | null }[]>();
        for (const l of file) {
          if (l.kind === 'member') {
            const list = memberships.get(l.contactId) ?? [];
            if (!list.some((e) => e.id === `m-${l.id}` && e.at === occurredAt(l.day))) {
              list.push({ at: occurredAt(l.day), id: `m-${l.id}`, value: l.domain });
            }
            memberships.set(l.contactId, list);
          } else if (l.kind === 'account') {
            // A repeated account event id is a duplicate (the ring holds more ids than the file has lines).
            const list = employees.get(l.accountId) ?? [];
            if (!list.some((e) => e.id === `a-${l.id}`))
              list.push({ at: occurredAt(l.day), id: `a-${l.id}`, value: l.employees });
            employees.set(l.accountId, list);
          }
        }
        const scoreOf = new Map(result.contacts.map((c) => [c.contactId, c.score]));
        for (const account of result.accounts) {
          const members = [...memberships]
            .filter(([, list]) => latest(list) === account.accountId)
            .map(([contactId]) => scoreOf.get(contactId) ?? 0);
          const expectedAggregate =
            'sum' in aggregate
              ? members.reduce((a, b) => a + b, 0)
              : members
                  .filter((s) => s > 0)
                  .sort((a, b) => b - a)
                  .slice(0, 'top' in aggregate ? aggregate.top : 1)
                  .reduce((a, b) => a + b, 0);
          const big = (latest(employees.get(account.accountId) ?? []) ?? 0) >= 1000 ? 300 : 0;
          expect(account.members).toBe(members.length);
          expect(account.aggregate).toBe(expectedAggregate);
          expect(account.score).toBe(Math.min(3000, Math.max(-10000, expectedAggregate + big)));
        }
      }),
      { numRuns: 400 },
    );
  });
});
