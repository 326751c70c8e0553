import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { describe, expect, it } from 'vitest';
import {
  contactRows,
  eventTypeGrid,
  featureColumns,
  learnGrid,
  parseOutcomes,
  readEventHistory,
  syntheticHistory,
} from '../src/index.js';

const grid = loadGrid(
  `name: t
version: 1
rules:
  - { id: pricing, on: page_viewed, where: { path: /pricing }, points: 100, limit: 100 }
  - { id: opens, on: email_opened, within: 7d, points: 10 }
  - { id: demo, on: demo_requested, points: 0 }
  - { id: asked, when: { rule: demo, gte: 1 }, points: 500 }
`,
  't.yaml',
);
const event = (id: string, contactId: string, type: string, at: string, properties = {}) =>
  JSON.stringify({ eventId: id, contactId, type, occurredAt: at, properties });

describe('per-contact features through the engine', () => {
  it('converters are scored at convertedAt from earlier events only; others at --at', async () => {
    const lines = [
      event('1', 'a', 'page_viewed', '2026-01-01T00:00:00Z', { path: '/pricing' }),
      event('2', 'a', 'page_viewed', '2026-01-02T00:00:00Z', { path: '/pricing' }),
      event('3', 'a', 'demo_requested', '2026-01-10T00:00:00Z'),
      event('3', 'a', 'demo_requested', '2026-01-10T00:00:00Z'),
      event('4', 'a', 'email_opened', '2026-01-09T00:00:00Z'),
      event('5', 'b', 'demo_requested', '2026-01-20T00:00:00Z'),
      event('6', 'b', 'email_opened', '2026-01-01T00:00:00Z'),
      'not json',
      event('7', 'zzz', 'email_opened', '2026-01-01T00:00:00Z'),
    ];
    const history = await readEventHistory(lines, Date.parse('2026-02-01T00:00:00Z'), 'e.ndjson');
    expect(history.badLines.map((b) => b.line)).toEqual([8]);
    const { outcomes } = parseOutcomes('contactId,converted,convertedAt\na,1,2026-01-10T00:00:00Z\nb,0,\nnobody,0,\n', 'o.csv');
    const result = contactRows(grid, history, outcomes, Date.parse('2026-02-01T00:00:00Z'), 'o.csv');
    const [a, b] = result.rows;
    // a: the demo request at convertedAt itself does not count; the open of 9 Jan is within 7 days of 10 Jan
    expect(a).toMatchObject({
      contactId: 'a',
      score: 110,
      features: [2, 1, 0, 0],
      evaluatedAt: Date.parse('2026-01-10T00:00:00Z'),
    });
    // b: at 1 Feb the open of 1 Jan is out of the 7-day window; the demo request holds the condition
    expect(b).toMatchObject({ contactId: 'b', score: 500, features: [0, 0, 1, 1] });
    expect(result.unknownContacts).toEqual([
      { file: 'o.csv', line: 4, message: expect.stringMatching(/^contact "nobody" has no events/) },
    ]);
    expect(result).toMatchObject({ eventsAfterCutoff: 2, unlabelledContacts: 1, unlabelledEvents: 1 });
  });

  it('merges in file order: an anonymous history counts for its known contact, as replay counts it; a merge after the cut-off does not', async () => {
    const merge = (id: string, target: string, source: string, at: string) =>
      JSON.stringify({
        eventId: id,
        contactId: target,
        type: 'contact_merged',
        occurredAt: at,
        properties: { mergedFrom: source },
      });
    const lines = [
      event('1', 'anon-a', 'page_viewed', '2026-01-01T00:00:00Z', { path: '/pricing' }),
      event('2', 'anon-a', 'demo_requested', '2026-01-02T00:00:00Z'),
      event('3', 'a', 'email_opened', '2026-01-28T00:00:00Z'),
      merge('m1', 'a', 'anon-a', '2026-01-03T00:00:00Z'),
      event('4', 'anon-a', 'email_opened', '2026-01-29T00:00:00Z'), // after the merge: a's
      event('5', 'anon-b', 'demo_requested', '2026-01-02T00:00:00Z'),
      merge('m2', 'b', 'anon-b', '2026-01-20T00:00:00Z'), // after b converted
      event('6', 'b', 'page_viewed', '2026-01-05T00:00:00Z', { path: '/pricing' }),
      event('7', 'anon-c', 'page_viewed', '2026-01-05T00:00:00Z', { path: '/pricing' }),
      merge('m3', 'c', 'anon-c', '2026-01-06T00:00:00Z'),
      merge('m4', 'anon-c', 'c', '2026-01-07T00:00:00Z'), // one tree already: nothing
    ];
    const at = Date.parse('2026-02-01T00:00:00Z');
    const history = await readEventHistory(lines, at, 'e.ndjson');
    expect(Object.fromEntries(history.mergedInto ?? [])).toEqual({ 'anon-a': 'a', 'anon-b': 'b', 'anon-c': 'c' });
    const { outcomes } = parseOutcomes(
      'contactId,converted,convertedAt\na,0,\nb,1,2026-01-10T00:00:00Z\nanon-c,0,\nc,0,\n',
      'o.csv',
    );
    const result = contactRows(grid, history, outcomes, at, 'o.csv');
    const byId = Object.fromEntries(result.rows.map((r) => [r.contactId, r]));
    // a: pricing 100, the demo request 500, two opens within 7 days of 1 Feb: 620, as replay says
    expect(byId['a']).toMatchObject({ score: 620, features: [1, 2, 1, 1], events: 4 }); // merges are not counted as events
    const replayed = await replayEvents(compileGrid(grid), lines, at);
    expect(replayed.contacts.find((c) => c.contactId === 'a')?.score).toBe(620);
    // b converted on 10 Jan; the merge of 20 Jan was not known then: only b's own page view counts
    expect(byId['b']).toMatchObject({ score: 100, features: [1, 0, 0, 0], events: 1 });
    // an outcome row naming a merged-away id stands for its root; the root's own row is then a repeat
    expect(byId['c']).toMatchObject({ score: 100, events: 1 });
    expect(result.rows.map((r) => r.contactId)).toEqual(['a', 'b', 'c']);
    expect(result.unknownContacts).toEqual([
      { file: 'o.csv', line: 5, message: expect.stringMatching(/is one contact with the one of line 4 \(merged into "c"\)/) },
    ]);
    expect(result).toMatchObject({ eventsAfterCutoff: 1, unlabelledContacts: 0 });
    // merges are not behaviour: the learned grid has no rule for them
    const types = [...history.byContact.values()].flatMap((list) => list.map((e) => e.type));
    expect(types).toContain('contact_merged');
    expect(eventTypeGrid(types).rules.map((r) => ('on' in r ? r.on : undefined))).not.toContain('contact_merged');
  });

  it("features count with the grid's dedupe.recent: a re-send beyond it counts again, as in the scorer", async () => {
    const small = loadGrid(
      `name: t\nversion: 1\ndedupe: { recent: 1 }\nrules:\n  - { id: opens, on: email_opened, points: 10 }\n`,
    );
    const lines = ['1', '2', '1'].map((id, i) => event(id, 'a', 'email_opened', `2026-01-0${i + 1}T00:00:00Z`));
    const history = await readEventHistory(lines, Date.parse('2026-02-01T00:00:00Z'), 'e.ndjson');
    const { outcomes } = parseOutcomes('contactId,converted,convertedAt\na,0,\n', 'o.csv');
    const [a] = contactRows(small, history, outcomes, Date.parse('2026-02-01T00:00:00Z'), 'o.csv').rows;
    expect(a).toMatchObject({ score: 30, features: [3] });
  });

  it('count levels become columns only with enough contacts on each side', () => {
    const features = [0, 1, 2, 3].flatMap((n) => Array.from({ length: 6 }, (_, i) => [n, 0, 0, i % 2]));
    expect(featureColumns(grid, features, { minSupport: 5 }).map((c) => `${c.ruleId}>=${c.level}`)).toEqual([
      'pricing>=1',
      'pricing>=2',
      'pricing>=3',
      'asked>=1',
    ]);
  });

  it('a counter read by a condition is kept (0 points) even when it has no weight of its own', async () => {
    const history = syntheticHistory({ seed: 5, contacts: 400, end: Date.parse('2026-03-01T00:00:00Z') });
    const events = await readEventHistory(
      history.events.map((e) => JSON.stringify(e)),
      Date.parse('2026-03-01T00:00:00Z'),
      'e',
    );
    const outcomes = history.outcomes.map((o, i) => ({ ...o, line: i + 2 }));
    const rows = contactRows(grid, events, outcomes, Date.parse('2026-03-01T00:00:00Z'), 'o.csv');
    const report = learnGrid(grid, 'grid', rows.rows, { seed: 1 });
    const ids = report.proposedGrid.rules.map((r) => r.id);
    // demo ≥ 1 and asked are the same column: learned once, on the rule that gives points
    expect(report.rules.map((r) => `${r.ruleId}:${r.status}`)).toEqual([
      'pricing:scored',
      'opens:scored',
      'demo:counter',
      'asked:scored',
    ]);
    expect(report.rules.find((r) => r.ruleId === 'demo')?.explanation).toMatch(/Fires exactly when asked does/);
    expect(ids).toEqual(['pricing', 'opens', 'demo', 'asked']);
    loadGrid(report.proposedYaml, 'p.yaml');
  });
});
