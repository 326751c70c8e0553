/**
 * Identity merges (docs/identity.md): the roots forest, the union of two states, the outputs of
 * a merge, the validation of `contact_merged`, and replay in file order; property-based where
 * the spec states an invariance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IdentityRoots,
  emptyState,
  mergeContacts,
  parseEvent,
  replayEvents,
  unionStates,
  applyEvent,
  type CompiledGrid,
  type ContactState,
  type LeadEvent,
} from '../src/index.js';
import { recentKey } from '../src/hash.js';
import { accountGrid } from './support/account-grid.js';
import { gridFromYaml } from './support/starter-grid.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

const GRID = gridFromYaml(`
name: merge-test
version: 1
dedupe: { recent: 16 }
thresholds:
  - { name: MQL, at: 1000 }
  - { name: SQL, at: 2000 }
rules:
  - id: pages
    on: page_viewed
    tiers: [{ atLeast: 1, points: 300 }, { atLeast: 3, points: 900 }]
  - id: downloads
    on: asset_downloaded
    within: 3d
    points: 200
    limit: 800
  - id: webinar
    on: webinar_attended
    points: 700
    limit: 700
    decay: { every: 2d, by: 50% }
  - id: engaged
    when: { all: [{ rule: pages, gte: 2 }, { rule: downloads, gte: 1 }] }
    points: 100
  - id: phone
    property: phone
    exists: true
    points: 150
  - id: persona
    property: persona
    equals: buyer
    points: 250
`);

type Raw = { eventId: string; contactId: string; type: string; occurredAt: number; properties?: Record<string, unknown> };

const merge = (eventId: string, target: string, source: string, occurredAt = NOW - DAY): Raw => ({
  eventId,
  contactId: target,
  type: 'contact_merged',
  occurredAt,
  properties: { mergedFrom: source },
});

async function replay(events: readonly Raw[], grid: CompiledGrid = GRID) {
  return replayEvents(
    grid,
    events.map((e) => JSON.stringify(e)),
    NOW,
  );
}

async function scores(events: readonly Raw[]): Promise<Record<string, number | string>> {
  const result = await replay(events);
  expect(result.badLines).toEqual([]);
  return Object.fromEntries(result.contacts.map((c) => [c.contactId, c.mergedInto === undefined ? c.score : `→${c.mergedInto}`]));
}

function applyAll(events: readonly LeadEvent[], contactId: string, start: ContactState = emptyState()): ContactState {
  let state = start;
  for (const e of events) state = applyEvent(GRID, state, { ...e, contactId }, NOW).state;
  return state;
}

// ---------------------------------------------------------------- random behaviour
const behaviour = (prefix: string, contactId: string): fc.Arbitrary<LeadEvent[]> =>
  fc
    .array(
      fc.record({
        kind: fc.constantFrom('page', 'download', 'webinar', 'phone', 'persona', 'other'),
        daysAgo: fc.integer({ min: 0, max: 5 }),
        minute: fc.integer({ min: 0, max: 3 }),
        value: fc.constantFrom('buyer', 'student', null),
      }),
      { maxLength: 10 },
    )
    .map((specs) =>
      specs.map((spec, i): LeadEvent => {
        const occurredAt = NOW - spec.daysAgo * DAY - spec.minute * 60_000;
        const base = { eventId: `${prefix}-${i}`, contactId, occurredAt };
        switch (spec.kind) {
          case 'page':
            return { ...base, type: 'page_viewed', properties: {} };
          case 'download':
            return { ...base, type: 'asset_downloaded', properties: {} };
          case 'webinar':
            return { ...base, type: 'webinar_attended', properties: {} };
          case 'phone':
            return { ...base, type: 'contact_updated', properties: { phone: spec.value === null ? null : '+1' } };
          case 'persona':
            return { ...base, type: 'contact_updated', properties: { persona: spec.value } };
          default:
            return { ...base, type: 'email_opened', properties: {} };
        }
      }),
    );

/** One interleaving of two lists, each kept in its own order. */
const interleaving = <T>(a: readonly T[], b: readonly T[]): fc.Arbitrary<T[]> =>
  fc.array(fc.boolean(), { minLength: a.length + b.length, maxLength: a.length + b.length }).map((picks) => {
    const out: T[] = [];
    let i = 0;
    let j = 0;
    for (const fromA of picks) {
      if ((fromA && i < a.length) || j >= b.length) out.push(a[i++] as T);
      else out.push(b[j++] as T);
    }
    return out;
  });

const asRaw = (e: LeadEvent | Raw): Raw => ({ ...e, properties: { ...e.properties } });

describe('identity roots', () => {
  it('resolve an id to itself until merged, then to the root of what it was merged into; chains resolve', () => {
    const roots = new IdentityRoots();
    expect(roots.resolve('a')).toBe('a');
    expect(roots.merge('a', 'b')).toEqual({ merged: true, source: 'a', target: 'b' });
    expect(roots.merge('b', 'c')).toEqual({ merged: true, source: 'b', target: 'c' });
    expect(roots.resolve('a')).toBe('c');
    expect(roots.mergedInto('a')).toBe('c');
    expect(roots.mergedInto('c')).toBeUndefined();
    // a merge within one tree, either way round, and a repeated merge: no-ops
    expect(roots.merge('a', 'c')).toEqual({ merged: false, root: 'c' });
    expect(roots.merge('c', 'a')).toEqual({ merged: false, root: 'c' });
    expect(roots.merge('a', 'b')).toEqual({ merged: false, root: 'c' });
    // merging into an id of a tree joins its root: d's tree now ends at c
    expect(roots.merge('d', 'a')).toEqual({ merged: true, source: 'd', target: 'c' });
    expect(Object.fromEntries(roots.aliases())).toEqual({ a: 'c', b: 'c', d: 'c' });
  });

  it('never make a cycle, whatever the merges: every id resolves, and merged ids share a root', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })), { maxLength: 30 }),
        (pairs) => {
          const roots = new IdentityRoots();
          // an independent model: sets of ids that were ever merged together (union-find by relabelling)
          const group = new Map<number, number>();
          for (let i = 0; i < 8; i += 1) group.set(i, i);
          for (const [s, t] of pairs) {
            roots.merge(`id${s}`, `id${t}`);
            const gs = group.get(s) as number;
            const gt = group.get(t) as number;
            for (const [k, g] of group) if (g === gs) group.set(k, gt);
          }
          for (let i = 0; i < 8; i += 1) {
            for (let j = 0; j < 8; j += 1) {
              expect(roots.resolve(`id${i}`) === roots.resolve(`id${j}`)).toBe(group.get(i) === group.get(j));
            }
            const root = roots.resolve(`id${i}`);
            expect(roots.resolve(root)).toBe(root);
          }
        },
      ),
    );
  });
});

describe('contact_merged validation', () => {
  const base = { eventId: 'm-1', contactId: 'c-42', type: 'contact_merged', occurredAt: '2026-03-01T10:05:00Z' };

  it('accepts a merge naming another contact', () => {
    const parsed = parseEvent({ ...base, properties: { mergedFrom: 'anon-7f3a' } }, NOW);
    expect(parsed.ok).toBe(true);
  });

  it('refuses a merge without mergedFrom, with a mergedFrom that is not an id, or naming its own contact', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /is required for a contact_merged event/],
      [{}, /is required for a contact_merged event/],
      [{ mergedFrom: null }, /is required/],
      [{ mergedFrom: 42 }, /must be a contact id/],
      [{ mergedFrom: '' }, /must be a contact id/],
      [{ mergedFrom: 'x'.repeat(129) }, /must be a contact id .*got a string of 129 characters/],
      [{ mergedFrom: ['c-42'] }, /got a list/],
      [{ mergedFrom: 'c-42' }, /must differ from contactId/],
    ];
    for (const [properties, message] of cases) {
      const parsed = parseEvent({ ...base, properties }, NOW);
      expect(parsed.ok, JSON.stringify(properties)).toBe(false);
      if (!parsed.ok) {
        expect(parsed.errors).toHaveLength(1);
        expect(parsed.errors[0]).toMatchObject({ path: 'properties.mergedFrom', message: expect.stringMatching(message) });
        // messages reach dead letters: they never carry the ids themselves
        expect(parsed.errors[0]!.message).not.toMatch(/c-42|xxx/);
      }
    }
  });

  it('leaves other event types alone: mergedFrom is an ordinary property there', () => {
    expect(parseEvent({ ...base, type: 'page_viewed', properties: { mergedFrom: 'c-42' } }, NOW).ok).toBe(true);
    expect(parseEvent({ ...base, type: 'page_viewed' }, NOW).ok).toBe(true);
  });
});

describe('the union of two states', () => {
  it('adds all-time and day counts, keeps the later property, and puts the source ring before the target ring', () => {
    const at = (d: number) => NOW - d * DAY;
    const s = applyAll(
      [
        { eventId: 's1', contactId: 's', type: 'page_viewed', occurredAt: at(1), properties: {} },
        { eventId: 's2', contactId: 's', type: 'asset_downloaded', occurredAt: at(1), properties: {} },
        { eventId: 's3', contactId: 's', type: 'contact_updated', occurredAt: at(0), properties: { phone: '+1' } },
        { eventId: 's4', contactId: 's', type: 'contact_updated', occurredAt: at(3), properties: { persona: 'buyer' } },
      ],
      's',
    );
    const t = applyAll(
      [
        { eventId: 't1', contactId: 't', type: 'page_viewed', occurredAt: at(2), properties: {} },
        { eventId: 't2', contactId: 't', type: 'asset_downloaded', occurredAt: at(1), properties: {} },
        { eventId: 't3', contactId: 't', type: 'asset_downloaded', occurredAt: at(2), properties: {} },
        { eventId: 't4', contactId: 't', type: 'contact_updated', occurredAt: at(1), properties: { phone: null } },
        { eventId: 't5', contactId: 't', type: 'contact_updated', occurredAt: at(2), properties: { persona: 'student' } },
      ],
      't',
    );
    const union = unionStates(GRID, s, t, NOW);
    const pages = GRID.rules[0]!.kind === 'counting' ? GRID.rules[0]!.counter.key : '';
    const downloads = GRID.rules[1]!.kind === 'counting' ? GRID.rules[1]!.counter.key : '';
    expect(union.counters.get(pages)).toEqual({ kind: 'total', count: 2 });
    const days = union.counters.get(downloads);
    expect(days?.kind === 'daily' && Object.fromEntries(days.days)).toEqual({
      [Math.floor(at(1) / DAY)]: 2,
      [Math.floor(at(2) / DAY)]: 1,
    });
    expect(union.properties.get('phone')).toMatchObject({ value: '+1', eventId: 's3' }); // s's is later
    expect(union.properties.get('persona')).toMatchObject({ value: 'student', eventId: 't5' }); // t's is later
    expect(union.recent).toEqual([...s.recent, ...t.recent]);
    expect({ sequence: union.sequence, score: union.score }).toEqual({ sequence: t.sequence, score: t.score });
  });

  it('keeps the last N recent ids, an id in both rings taking two places', () => {
    const pages = (prefix: string, n: number): LeadEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        eventId: `${prefix}${i}`,
        contactId: 'x',
        type: 'page_viewed',
        occurredAt: NOW,
        properties: {},
      }));
    const shared = { eventId: 'both', contactId: 'x', type: 'page_viewed', occurredAt: NOW, properties: {} };
    const s = applyAll([...pages('s', 10), shared], 's');
    const t = applyAll([...pages('t', 9), shared], 't');
    const union = unionStates(GRID, s, t, NOW);
    expect(union.recent).toHaveLength(16);
    expect(union.recent).toEqual([...s.recent, ...t.recent].slice(-16));
    expect(union.recent.filter((k) => k === recentKey('both'))).toHaveLength(2);
  });
});

describe('the outputs of a merge', () => {
  it('t: a MERGE score change continuing its sequence with its crossings; s: a drop to 0 with its crossings down', () => {
    const s = applyAll(
      [
        { eventId: 's1', contactId: 's', type: 'webinar_attended', occurredAt: NOW - DAY, properties: {} },
        { eventId: 's2', contactId: 's', type: 'page_viewed', occurredAt: NOW - DAY, properties: {} },
      ],
      's',
    ); // 700 + 300 = 1000: MQL
    const t = applyAll(
      [
        { eventId: 't1', contactId: 't', type: 'page_viewed', occurredAt: NOW - DAY, properties: {} },
        { eventId: 't2', contactId: 't', type: 'contact_updated', occurredAt: NOW - DAY, properties: { phone: '+1' } },
      ],
      't',
    ); // 300 + 150 = 450
    expect([s.score, s.sequence, t.score, t.sequence]).toEqual([1000, 2, 450, 2]);
    const event = parseEvent(merge('m-1', 't', 's'), NOW);
    if (!event.ok) throw new Error('bad merge');
    const result = mergeContacts(GRID, {
      event: event.event,
      source: { contactId: 's', state: s },
      target: { contactId: 't', state: t },
      now: NOW,
    });
    expect(result.duplicate).toBe(false);
    const out = result.target.output!;
    // pages 2 → 300 (tier 1), webinar 700, phone 150: 1150
    expect(out).toMatchObject({
      contactId: 't',
      previousScore: 450,
      score: 1150,
      sequence: 3,
      cause: { kind: 'merge', eventId: 'm-1' },
    });
    expect(out.thresholdCrossings.map((x) => [x.threshold, x.direction, x.sequence, x.cause.kind])).toEqual([
      ['MQL', 'up', 3, 'merge'],
    ]);
    expect(result.target.state).toMatchObject({ score: 1150, sequence: 3 });
    const dropped = result.source.output!;
    expect(dropped).toMatchObject({
      contactId: 's',
      previousScore: 1000,
      score: 0,
      delta: -1000,
      sequence: 3,
      cause: { kind: 'merge', eventId: 'm-1' },
    });
    expect(dropped.thresholdCrossings.map((x) => [x.threshold, x.direction])).toEqual([['MQL', 'down']]);
    expect(dropped.changedContributions.map((c) => [c.ruleId, c.previousPoints, c.points])).toEqual([
      ['pages', 300, 0],
      ['webinar', 700, 0],
    ]);
    expect(result.source.state).toMatchObject({ score: 0, sequence: 3 });
    expect(result.source.state.counters.size).toBe(0);
    // deterministic ids: the same merge gives the same outputs
    const again = mergeContacts(GRID, {
      event: event.event,
      source: { contactId: 's', state: s },
      target: { contactId: 't', state: t },
      now: NOW,
    });
    expect(again.target.output!.id).toBe(out.id);
    expect(again.source.output!.id).toBe(dropped.id);
    expect(out.id).not.toBe(dropped.id);
  });

  it('emits nothing for s when its score was 0, and is a duplicate when the merge id is in the target ring', () => {
    const t = applyAll([{ eventId: 'dup', contactId: 't', type: 'page_viewed', occurredAt: NOW, properties: {} }], 't');
    const ok = parseEvent(merge('m-2', 't', 's'), NOW);
    const dup = parseEvent(merge('dup', 't', 's'), NOW);
    if (!ok.ok || !dup.ok) throw new Error('bad merge');
    const s = applyAll([{ eventId: 'o', contactId: 's', type: 'email_opened', occurredAt: NOW, properties: {} }], 's');
    const result = mergeContacts(GRID, {
      event: ok.event,
      source: { contactId: 's', state: s },
      target: { contactId: 't', state: t },
      now: NOW,
    });
    expect(result.source.output).toBeNull();
    expect(result.target.output).toBeNull(); // s added nothing that scores
    expect(result.target.state.recent).toEqual(t.recent); // the merge enters no ring
    const duplicate = mergeContacts(GRID, {
      event: dup.event,
      source: { contactId: 's', state: s },
      target: { contactId: 't', state: t },
      now: NOW,
    });
    expect(duplicate.duplicate).toBe(true);
    expect(duplicate.target.state).toBe(t);
    expect(() =>
      mergeContacts(GRID, {
        event: ok.event,
        source: { contactId: 't', state: t },
        target: { contactId: 't', state: t },
        now: NOW,
      }),
    ).toThrow(RangeError);
  });
});

describe('replay with merges (file order)', () => {
  it('counts the anonymous history for the known contact, lists the merged id with its root, and routes later events to the root', async () => {
    const result = await replay([
      { eventId: 'a1', contactId: 'anon-1', type: 'webinar_attended', occurredAt: NOW - DAY },
      { eventId: 'a2', contactId: 'anon-1', type: 'page_viewed', occurredAt: NOW - DAY },
      { eventId: 'c1', contactId: 'c-42', type: 'page_viewed', occurredAt: NOW - DAY },
      merge('m-1', 'c-42', 'anon-1'),
      { eventId: 'a3', contactId: 'anon-1', type: 'page_viewed', occurredAt: NOW }, // after the merge: counts for c-42
      merge('m-1', 'c-42', 'anon-1'), // redelivered: nothing
      merge('m-9', 'anon-1', 'c-42'), // the other way round, same tree: nothing
    ]);
    expect(result.merges).toBe(1);
    const byId = Object.fromEntries(result.contacts.map((c) => [c.contactId, c]));
    expect(byId['c-42']).toMatchObject({ score: 700 + 900 });
    expect(byId['c-42']!.mergedInto).toBeUndefined();
    expect(byId['anon-1']).toMatchObject({ score: 0, mergedInto: 'c-42', contributions: [] });
    expect(byId['anon-1']!.crossings.map((x) => [x.threshold, x.direction, x.cause])).toEqual([
      ['MQL', 'up', { kind: 'event', eventId: 'a2' }],
      ['MQL', 'down', { kind: 'merge', eventId: 'm-1' }],
    ]);
    expect(byId['c-42']!.crossings.map((x) => [x.threshold, x.direction, x.cause])).toEqual([
      ['MQL', 'up', { kind: 'merge', eventId: 'm-1' }],
    ]);
  });

  it('with accounts: the merged-away contact leaves its account, the target takes the later account key and its new score', async () => {
    const compiled = accountGrid({ top: 3 });
    const updated = (eventId: string, contactId: string, domain: string, daysAgo: number): Raw => ({
      eventId,
      contactId,
      type: 'contact_updated',
      occurredAt: NOW - daysAgo * DAY,
      properties: { companyDomain: domain },
    });
    const members = async (events: Raw[]) =>
      (await replay(events, compiled)).accounts.map((a) => [a.accountId, a.members, a.aggregate, a.topMembers]);
    const anonymous: Raw[] = [
      { eventId: 'd1', contactId: 'anon-1', type: 'demo_requested', occurredAt: NOW - DAY },
      updated('u1', 'anon-1', 'acme.com', 1),
      updated('u2', 'c-42', 'globex.io', 3),
    ];
    // anon-1's key is the later one: c-42 moves to acme.com with the merged score
    expect(await members([...anonymous, merge('m-1', 'c-42', 'anon-1')])).toEqual([
      ['acme.com', 1, 1000, [{ contactId: 'c-42', score: 1000 }]],
      ['globex.io', 0, 0, []],
    ]);
    // c-42's key is the later one: it stays in globex.io, now with the merged score; acme.com loses anon-1
    expect(await members([...anonymous, updated('u3', 'c-42', 'globex.io', 0), merge('m-1', 'c-42', 'anon-1')])).toEqual([
      ['acme.com', 0, 0, []],
      ['globex.io', 1, 1000, [{ contactId: 'c-42', score: 1000 }]],
    ]);
  });

  it('resolves chains: A into B, then B into C, and A’s later events count for C', async () => {
    const out = await scores([
      { eventId: 'a1', contactId: 'A', type: 'webinar_attended', occurredAt: NOW },
      { eventId: 'b1', contactId: 'B', type: 'page_viewed', occurredAt: NOW },
      merge('m-1', 'B', 'A'),
      { eventId: 'c1', contactId: 'C', type: 'contact_updated', occurredAt: NOW, properties: { phone: '+1' } },
      merge('m-2', 'C', 'B'),
      { eventId: 'a2', contactId: 'A', type: 'page_viewed', occurredAt: NOW },
      merge('m-3', 'A', 'C'), // one tree already
    ]);
    expect(out).toEqual({ A: '→C', B: '→C', C: 700 + 300 + 150 });
  });

  it('reports a bad merge as a bad line and scores the rest', async () => {
    const result = await replay([
      { eventId: 'e1', contactId: 'c-1', type: 'page_viewed', occurredAt: NOW },
      { eventId: 'm1', contactId: 'c-1', type: 'contact_merged', occurredAt: NOW, properties: {} },
      { eventId: 'm2', contactId: 'c-1', type: 'contact_merged', occurredAt: NOW, properties: { mergedFrom: 'c-1' } },
    ]);
    expect(result.badLines.map((b) => [b.line, b.errors[0]!.path])).toEqual([
      [2, 'properties.mergedFrom'],
      [3, 'properties.mergedFrom'],
    ]);
    expect(result.contacts.map((c) => [c.contactId, c.score])).toEqual([['c-1', 300]]);
  });

  const pair = fc.tuple(behaviour('s', 's'), behaviour('t', 't'), behaviour('x', 's'), behaviour('y', 't'));

  it('final scores do not depend on how s’s and t’s events interleave before and after the merge', async () => {
    await fc.assert(
      fc.asyncProperty(
        pair.chain(([sBefore, tBefore, sAfter, tAfter]) =>
          fc.tuple(
            interleaving(sBefore, tBefore),
            interleaving(sBefore, tBefore),
            interleaving(sAfter, tAfter),
            interleaving(sAfter, tAfter),
          ),
        ),
        async ([before1, before2, after1, after2]) => {
          const m = merge('m-1', 't', 's');
          const one = await scores([...before1, m, ...after1].map(asRaw));
          const two = await scores([...before2, m, ...after2].map(asRaw));
          expect(two).toEqual(one);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with distinct event ids, the union scores as if s’s events had been t’s all along', async () => {
    await fc.assert(
      fc.asyncProperty(pair, fc.boolean(), async ([sBefore, tBefore, sAfter, tAfter], sFirst) => {
        const before = sFirst ? [...sBefore, ...tBefore] : [...tBefore, ...sBefore];
        const merged = await scores([...before, merge('m-1', 't', 's'), ...sAfter, ...tAfter].map(asRaw));
        const direct = applyAll([...before, ...sAfter, ...tAfter], 't');
        const directScore = (await replay([...before, ...sAfter, ...tAfter].map((e) => asRaw({ ...e, contactId: 't' }))))
          .contacts;
        expect(merged['t'] ?? 0).toBe(directScore[0]?.score ?? 0);
        // and the state itself: the same counts and properties (the rings differ in order only)
        const s = applyAll(sBefore, 's');
        const t = applyAll(tBefore, 't');
        const union = applyAll([...sAfter, ...tAfter], 't', unionStates(GRID, s, t, NOW));
        expect(union.counters).toEqual(direct.counters);
        expect(union.properties).toEqual(direct.properties);
      }),
      { numRuns: 150 },
    );
  });

  it('a chain A → B → C gives C what applying every event to C gives; repeated merges change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(behaviour('a', 'A'), behaviour('b', 'B'), behaviour('c', 'C')),
        fc.array(fc.constantFrom('AB', 'BC', 'AC', 'CA', 'BA'), { maxLength: 4 }),
        async ([a, b, c], repeats) => {
          const chain = [...a, ...b, merge('m-1', 'B', 'A'), ...c, merge('m-2', 'C', 'B')].map(asRaw);
          const once = await scores(chain);
          const direct = await replay([...a, ...b, ...c].map((e) => asRaw({ ...e, contactId: 'C' })));
          expect(once['C'] ?? 0).toBe(direct.contacts[0]?.score ?? 0);
          const again = repeats.map((r, i) => merge(`r-${i}`, r[1] as string, r[0] as string));
          const repeated = await scores([...chain, ...again, merge('m-1', 'B', 'A')]);
          expect(repeated).toEqual(once);
        },
      ),
      { numRuns: 100 },
    );
  });
});
