/**
 * Replay on the in-place path (replay-events.ts: one WorkingState per contact, `applyInPlace`)
 * against replay as it was, through the reference `applyEvent` with a state decode/encode per
 * event (kept below, verbatim but for its name): on generated NDJSON histories of several
 * contacts with duplicates, re-sends after the recent ids forgot them, out-of-order and
 * out-of-window times, future events, property updates and removals, contacts with more events
 * than `dedupe.recent`, blank and bad lines, both give the same result: scores, breakdowns,
 * crossings (with their sequence, score and cause), duplicates and bad lines.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  decodeState,
  emptyState,
  encodeState,
  replayEvents,
  scoreAt,
  type BadLine,
  type CompiledGrid,
  type LeadEvent,
  type ReplayCrossing,
  type ReplayResult,
  type ValidationIssue,
} from '../src/index.js';
import { isAccountEventLine, parseAccountEvent } from '../src/account-event.js';
import { AccountRollup } from '../src/account-rollup.js';
import { IdentityRoots } from '../src/identity-roots.js';
import { parseJsonEvent } from '../src/lead-event.js';
import { mergeContacts } from '../src/merge-contacts.js';
import { CONTACT_MERGED, mergedFromOf } from '../src/merge-event.js';
import type { AnyCause, ThresholdCrossing } from '../src/score-change.js';
import { STARTER_GRID_FILE, gridFromYaml } from './support/starter-grid.js';

const NOW = Date.parse('2026-03-10T15:00:00Z');
const DAY = 86_400_000;
const STARTER = readFileSync(STARTER_GRID_FILE, 'utf8');

/** Replay before the in-place path: applyEvent and the state codec per event. */
async function referenceReplay(
  compiled: CompiledGrid,
  lines: Iterable<string>,
  now: number,
  onBadLine: (bad: BadLine) => void,
): Promise<ReplayResult> {
  const empty = encodeState(emptyState());
  const rollup = compiled.accounts === null ? null : new AccountRollup(compiled, compiled.accounts, now);
  const contacts = new Map<string, Entry>();
  const roots = new IdentityRoots();
  let merges = 0;
  const badLines: BadLine[] = [];
  let events = 0;
  let duplicates = 0;
  let lineNumber = 0;
  const bad = (errors: readonly ValidationIssue[]): void => {
    const entry = { line: lineNumber, errors };
    badLines.push(entry);
    onBadLine(entry);
  };
  for (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      bad([{ path: '', message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` }]);
      continue;
    }
    if (isAccountEventLine(raw)) {
      const account = parseAccountEvent(raw, now, true);
      if (!account.ok) {
        bad(account.errors);
        continue;
      }
      events += 1;
      if (rollup !== null && rollup.accountEvent(account.event).duplicate) duplicates += 1;
      continue;
    }
    const parsed = parseJsonEvent(raw, now);
    if (!parsed.ok) {
      bad(parsed.errors);
      continue;
    }
    events += 1;
    let event = parsed.event;
    if (event.type === CONTACT_MERGED) {
      const outcome = referenceMerge(compiled, contacts, roots, event, now, empty, rollup);
      if (outcome === 'merged') merges += 1;
      else if (outcome === 'duplicate') duplicates += 1;
      continue;
    }
    const root = roots.resolve(event.contactId);
    if (root !== event.contactId) event = { ...event, contactId: root };
    let contact = contacts.get(root);
    if (contact === undefined) {
      contact = { state: empty, crossings: undefined };
      contacts.set(root, contact);
    }
    const evaluation = applyEvent(compiled, decodeState(contact.state), event, now);
    if (evaluation.duplicate) duplicates += 1;
    if (evaluation.stateChanged) contact.state = encodeState(evaluation.state);
    rollup?.contactEvaluated(event, evaluation);
    record(contact, crossingsOf(evaluation));
  }
  const ids = [...contacts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    contacts: ids.map((contactId) => {
      const { state, crossings = [], mergedInto } = contacts.get(contactId) as Entry;
      if (mergedInto !== undefined) {
        return { contactId, score: 0, contributions: [], crossings, mergedInto: roots.resolve(contactId) };
      }
      const { score, contributions, scores, grade } = scoreAt(compiled, decodeState(state), now);
      return {
        contactId,
        score,
        contributions: contributions.filter((c) => c.count !== 0 || c.points !== 0),
        crossings,
        ...(compiled.multiScore && { scores }),
        ...(grade !== null && { grade }),
      };
    }),
    accounts: rollup?.result() ?? [],
    events,
    duplicates,
    merges,
    badLines,
  };
}

interface Entry {
  state: string;
  crossings: ReplayCrossing[] | undefined;
  mergedInto?: string;
}

/** The crossings of every output of an evaluation (each score's, then the grade's `qualified`). */
function crossingsOf(evaluation: {
  readonly outputs: readonly { readonly thresholdCrossings: readonly ThresholdCrossing<AnyCause>[] }[];
  readonly gradeChange: { readonly crossing: ThresholdCrossing<AnyCause> | null } | null;
}): ThresholdCrossing<AnyCause>[] {
  const all = evaluation.outputs.flatMap((output) => output.thresholdCrossings);
  if (evaluation.gradeChange?.crossing) all.push(evaluation.gradeChange.crossing);
  return all;
}

function record(entry: Entry, crossings: readonly ThresholdCrossing<AnyCause>[]): void {
  for (const crossing of crossings) {
    (entry.crossings ??= []).push({
      ...(crossing.scoreId !== undefined && { scoreId: crossing.scoreId }),
      threshold: crossing.threshold,
      at: crossing.at,
      direction: crossing.direction,
      score: crossing.score,
      sequence: crossing.sequence,
      cause: crossing.cause,
    });
  }
}

/** A contact_merged as replay applied it before the in-place path: the encoded states decoded, merged, encoded. */
function referenceMerge(
  compiled: CompiledGrid,
  contacts: Map<string, Entry>,
  roots: IdentityRoots,
  event: LeadEvent,
  now: number,
  empty: string,
  rollup: AccountRollup | null,
): 'merged' | 'duplicate' | 'same-root' {
  const source = roots.resolve(mergedFromOf(event) as string);
  const target = roots.resolve(event.contactId);
  if (source === target) return 'same-root';
  const entry = (id: string): Entry => {
    let found = contacts.get(id);
    if (found === undefined) {
      found = { state: empty, crossings: undefined };
      contacts.set(id, found);
    }
    return found;
  };
  const s = entry(source);
  const t = entry(target);
  const result = mergeContacts(compiled, {
    event,
    source: { contactId: source, state: decodeState(s.state) },
    target: { contactId: target, state: decodeState(t.state) },
    now,
  });
  if (result.duplicate) return 'duplicate';
  roots.merge(source, target);
  if (result.target.stateChanged) t.state = encodeState(result.target.state);
  record(t, crossingsOf(result.target));
  s.state = encodeState(result.source.state);
  record(s, crossingsOf(result.source));
  s.mergedInto = target;
  rollup?.contactsMerged(source, target, event, result.target.score, result.target.output?.id ?? null);
  return 'merged';
}

/**
 * The starter grid with a given `dedupe.recent`, one with two thresholds, a short window, a
 * decaying rule and a baseline, and the latter with an accounts section (members' score changes feed account scores).
 */
function grids(recent: number): CompiledGrid[] {
  const starter = gridFromYaml(`${STARTER}\ndedupe: { recent: ${recent} }\n`);
  const otherYaml = `
name: other
version: 1
dedupe: { recent: ${recent} }
thresholds: [{ name: warm, at: 30 }, { name: hot, at: 70 }]
rules:
  - { id: opened, on: email_opened, within: 3d, points: 30 }
  - { id: webinars, on: webinar_attended, points: 40, limit: 100, decay: { every: 2d, by: 50% } }
  - { id: viewed, on: page_viewed, where: { path: /pricing }, tiers: [{ atLeast: 1, points: 20 }, { atLeast: 3, points: 60 }] }
  - { id: sent, on: email_sent, points: 0 }
  - { id: quiet, when: { all: [{ rule: sent, gte: 2 }, { rule: opened, eq: 0 }] }, points: -15 }
  - { id: no-phone, property: phone, exists: false, points: 10 }
  - { id: buyer, property: persona, equals: buyer, points: 25 }
`;
  const other = gridFromYaml(otherYaml);
  const withAccounts = gridFromYaml(`${otherYaml.replace('name: other', 'name: with-accounts')}
accounts:
  key: company
  aggregate: { top: 2 }
  rules:
    - { id: big, property: employees, gte: 100, points: 40 }
  thresholds: [{ name: MQA, at: 100 }]
`);
  // two scores over the same rules (one in both), a bounded score, and a matrix whose `qualified` crosses
  const twoScores = gridFromYaml(`${otherYaml.replace('name: other', 'name: two-scores').replace(/^thresholds: .*$/m, '')}
scores:
  - id: engagement
    rules: [opened, webinars, viewed, sent, quiet]
    thresholds: [{ name: warm, at: 30 }, { name: hot, at: 70 }]
  - id: fit
    rules: [no-phone, buyer, viewed]
    bounds: { max: 40 }
    thresholds: [{ name: good-fit, at: 30 }]
matrix:
  rows: { score: fit, bands: [{ name: A, at: 30 }, { name: B }] }
  columns: { score: engagement, bands: [{ name: '1', at: 70 }, { name: '2', at: 30 }, { name: '3' }] }
  qualified: [A1, A2]
`);
  return [starter, other, withAccounts, twoScores];
}

const TYPES = [
  'page_viewed',
  'email_sent',
  'email_opened',
  'email_unsubscribed',
  'asset_downloaded',
  'webinar_attended',
  'demo_requested',
  'form_submitted',
  'contact_updated',
  'unknown_type',
];

const lineSpec = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      id: fc.integer({ min: 0, max: 40 }), // a small pool: duplicates, and re-sends after the ring forgot them
      contact: fc.integer({ min: 0, max: 3 }),
      type: fc.constantFrom(...TYPES),
      ageMs: fc.integer({ min: -2 * DAY, max: 200 * DAY }), // future (some beyond the 24 h allowed), windows, expired
      path: fc.constantFrom('/pricing', '/solutions', '/blog'),
      velocity: fc.constantFrom('low', 'high'),
      formType: fc.constantFrom('contact', 'newsletter'),
      phone: fc.constantFrom('+33 1', null, undefined),
      company: fc.constantFrom('acme', 'globex', null, undefined),
      persona: fc.constantFrom('buyer', 'job_seeker', undefined),
      epochMs: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', 'not json', '[]', '{"eventId": 3}', '{"type": "Bad"}') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
      .map(([id, into, from]) =>
        JSON.stringify({
          eventId: `m-${id}`,
          contactId: `c-${into}`,
          type: 'contact_merged',
          occurredAt: new Date(NOW - id * 60_000).toISOString(),
          properties: { mergedFrom: `c-${from}` }, // the same id both sides: a bad line
        }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom('acme', 'globex'), fc.constantFrom(10, 500, null))
      .map(([id, accountId, employees]) =>
        JSON.stringify({
          eventId: `a-${id}`,
          type: 'account_updated',
          accountId,
          occurredAt: new Date(NOW - id * 60_000).toISOString(),
          properties: { employees },
        }),
      ),
  },
);

type LineSpec = typeof lineSpec extends fc.Arbitrary<infer T> ? T : never;

/** NDJSON lines; the same event id always names the same event (a re-send), whatever the spec says later. */
function toLines(specs: readonly LineSpec[]): string[] {
  const first = new Map<number, string>();
  return specs.map((spec) => {
    if (typeof spec === 'string') return spec;
    const known = first.get(spec.id);
    if (known !== undefined) return known;
    const properties: Record<string, string | null> = {};
    if (spec.type === 'contact_updated') {
      if (spec.phone !== undefined) properties['phone'] = spec.phone;
      if (spec.persona !== undefined) properties['persona'] = spec.persona;
      if (spec.company !== undefined) properties['company'] = spec.company;
    } else if (spec.type === 'form_submitted') properties['formType'] = spec.formType;
    else {
      properties['path'] = spec.path;
      properties['velocity'] = spec.velocity;
    }
    const occurredAt = NOW - spec.ageMs - spec.id * 1000;
    const line = JSON.stringify({
      eventId: `e-${spec.id}`,
      contactId: `c-${spec.contact}`,
      type: spec.type,
      occurredAt: spec.epochMs ? occurredAt : new Date(occurredAt).toISOString(),
      properties,
    });
    first.set(spec.id, line);
    return line;
  });
}

async function both(compiled: CompiledGrid, lines: string[]): Promise<[ReplayResult, ReplayResult, BadLine[], BadLine[]]> {
  const seenNew: BadLine[] = [];
  const seenOld: BadLine[] = [];
  const got = await replayEvents(compiled, lines, NOW, { onBadLine: (b) => seenNew.push(b) });
  const expected = await referenceReplay(compiled, lines, NOW, (b) => seenOld.push(b));
  return [got, expected, seenNew, seenOld];
}

describe('replay on the in-place path against replay through applyEvent and the codec', () => {
  it('gives the same result on generated histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 3, 32, 40), fc.array(lineSpec, { maxLength: 120 }), async (recent, specs) => {
        for (const compiled of grids(recent)) {
          const [got, expected, seenNew, seenOld] = await both(compiled, toLines(specs));
          expect(got).toEqual(expected);
          expect(seenNew).toEqual(seenOld);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a contact with far more events than dedupe.recent, crossing thresholds up and down', async () => {
    // Opens come and go out of a 3-day window; pricing views reach the tiers; re-sends of old ids count again.
    const lines: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      const type = ['email_opened', 'page_viewed', 'email_sent', 'contact_updated'][i % 4] as string;
      const properties =
        type === 'contact_updated'
          ? { phone: i % 8 === 3 ? null : '+1', persona: 'buyer', company: i % 3 === 0 ? 'acme' : 'globex' }
          : { path: '/pricing' };
      lines.push(
        JSON.stringify({
          eventId: `e-${i % 100}`,
          contactId: `c-${i % 2}`,
          type,
          occurredAt: NOW - ((i * 7919) % 6) * DAY,
          properties,
        }),
      );
      if (i % 10 === 9) lines.push(lines[lines.length - 1] as string); // an immediate re-send: a duplicate
    }
    // dedupe.recent 40: a ring beyond what a working state reserves at first (32), evicting too.
    for (const compiled of [...grids(4), ...grids(40)]) {
      const [got, expected] = await both(compiled, lines);
      expect(got).toEqual(expected);
      expect(got.duplicates).toBeGreaterThan(0);
      expect(got.contacts.some((c) => c.crossings.length > 1)).toBe(compiled.name !== 'starter');
      expect(got.accounts.length > 0).toBe(compiled.name === 'with-accounts');
    }
  });
});
