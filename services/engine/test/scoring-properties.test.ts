/**
 * Property-based tests: the engine against a tiny independent model of docs/scoring-contract.md §3, on random
 * grids and random event histories; order and duplicate independence; UTC-day windows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  applyEvent,
  compileGrid,
  decodeState,
  emptyState,
  encodeState,
  nextExpiryAt,
  reevaluate,
  scoreAt,
  validateGrid,
  gradeOf,
  type Condition,
  type ContactState,
  type Grid,
  type LeadEvent,
  type Rule,
} from '../src/index.js';
import { cyrb53, toBase64Digits } from '../src/hash.js';

const NOW = Date.parse('2026-03-10T15:00:00Z');
const TYPES = ['page_viewed', 'asset_downloaded', 'email_opened'] as const;
const TAGS = ['a', 'b', 'c'] as const;

// ---------------------------------------------------------------- random grids
type ModelCounting = {
  id: string;
  on: string[];
  tag?: string[];
  within?: number;
  points?: number;
  limit?: number;
  tiers?: { atLeast: number; points: number }[];
  decay?: { every: number; by: number };
};

const countingRule = (id: string) =>
  fc
    .record({
      on: fc.subarray([...TYPES], { minLength: 1 }),
      tag: fc.option(fc.subarray([...TAGS], { minLength: 1 }), { nil: undefined }),
      within: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined, freq: 2 }),
      // kept only on a points rule without a window (the grid refuses it elsewhere)
      decay: fc.option(
        fc.record({
          every: fc.integer({ min: 1, max: 3 }),
          by: fc.oneof(fc.constantFrom(30, 50, 100), fc.integer({ min: 1, max: 100 })),
        }),
        { nil: undefined },
      ),
      scoring: fc.oneof(
        fc.record({
          points: fc.integer({ min: -300, max: 300 }),
          limit: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
        }),
        fc
          .uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
          .chain((levels) =>
            fc.tuple(
              ...levels
                .sort((a, b) => a - b)
                .map((atLeast) => fc.integer({ min: -500, max: 1000 }).map((points) => ({ atLeast, points }))),
            ),
          )
          .map((tiers) => ({ tiers })),
      ),
    })
    .map(({ on, tag, within, decay, scoring }): ModelCounting => ({
      id,
      on,
      ...(tag && { tag }),
      ...(within && { within }),
      ...scoring,
      ...(decay && within === undefined && 'points' in scoring && { decay }),
    }));

const condition = (ids: string[]): fc.Arbitrary<Condition> =>
  fc.letrec<{ c: Condition }>((tie) => ({
    c: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .record({
          rule: fc.constantFrom(...ids),
          op: fc.constantFrom('eq', 'gte', 'gt', 'lte', 'lt'),
          k: fc.integer({ min: 0, max: 4 }),
        })
        .map(({ rule, op, k }) => ({ rule, [op]: k }) as Condition),
      fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      tie('c').map((not) => ({ not })),
    ),
  })).c;

const propertyTest = fc.oneof(
  fc.record({ exists: fc.boolean() }),
  fc.record({ equals: fc.constantFrom('x', 'y', 1) }),
  fc.record({ gte: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ in: fc.subarray(['x', 'y', 'z'], { minLength: 1 }) }),
  fc.record({ notIn: fc.subarray(['x', 'y'], { minLength: 1 }) }),
);

const randomGrid: fc.Arbitrary<Grid> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => countingRule(`r${i}`))))
  .chain((counting) =>
    fc.record({
      counting: fc.constant(counting),
      // a condition cannot read a decaying rule
      conditions: counting.some((r) => r.decay === undefined)
        ? fc.array(
            fc.record({
              when: condition(counting.filter((r) => r.decay === undefined).map((r) => r.id)),
              points: fc.integer({ min: -200, max: 200 }),
            }),
            { maxLength: 2 },
          )
        : fc.constant<{ when: Condition; points: number }[]>([]),
      properties: fc.array(
        fc.record({ property: fc.constantFrom('p', 'q'), test: propertyTest, points: fc.integer({ min: -200, max: 200 }) }),
        { maxLength: 2 },
      ),
      bounds: fc.option(fc.record({ min: fc.integer({ min: -800, max: -1 }), max: fc.integer({ min: 1, max: 1500 }) }), {
        nil: undefined,
      }),
      thresholds: fc
        .uniqueArray(fc.integer({ min: -500, max: 2000 }), { maxLength: 3 })
        .map((ats) => ats.sort((a, b) => a - b).map((at, i) => ({ name: `T${i}`, at }))),
    }),
  )
  .map(({ counting, conditions, properties, bounds, thresholds }) => {
    const rules: Rule[] = [
      ...counting.map(({ id, on, tag, within, points, limit, tiers, decay }) => ({
        id,
        on,
        ...(tag && { where: { tag: tag.length === 1 ? (tag[0] as string) : { in: tag } } }),
        ...(within !== undefined && { within: `${within}d` }),
        ...(points !== undefined && { points }),
        ...(limit !== undefined && { limit }),
        ...(tiers !== undefined && { tiers }),
        ...(decay !== undefined && { decay: { every: `${decay.every}d`, by: `${decay.by}%` } }),
      })),
      ...conditions.map((c, i) => ({ id: `cond${i}`, when: c.when, points: c.points })),
      ...properties.map((p, i) => ({ id: `prop${i}`, property: p.property, ...p.test, points: p.points })),
    ];
    return { name: 'random', version: 1, ...(bounds && { bounds }), thresholds, rules };
  });

// ---------------------------------------------------------------- random histories
const behaviour = fc.record({
  type: fc.constantFrom(...TYPES),
  tag: fc.option(fc.constantFrom(...TAGS), { nil: undefined }),
  // from 8 days before NOW's day to NOW + 20 h
  occurredAt: fc.integer({ min: NOW - 8 * DAY_MS, max: NOW + 20 * 3600_000 }),
});
const update = fc.record({
  type: fc.constant('contact_updated'),
  props: fc.dictionary(fc.constantFrom('p', 'q', 'other'), fc.constantFrom('x', 'y', 'z', 1, 2, 3, null), { maxKeys: 2 }),
  // few distinct instants so that ties on occurredAt happen
  occurredAt: fc.constantFrom(NOW - 3 * DAY_MS, NOW - DAY_MS, NOW - 1000),
});
const history: fc.Arbitrary<LeadEvent[]> = fc.array(fc.oneof(behaviour, update), { minLength: 0, maxLength: 25 }).map((specs) =>
  specs.map((s, i): LeadEvent => ({
    eventId: `ev-${String(i).padStart(3, '0')}`,
    contactId: 'c',
    type: s.type,
    occurredAt: s.occurredAt,
    properties: 'props' in s ? s.props : s.tag === undefined ? {} : { tag: s.tag },
  })),
);

/** A history with shuffled order and random duplicate deliveries. */
const reorderedWithDuplicates = (events: LeadEvent[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.array(fc.nat(), { maxLength: 10 }),
    )
    .map(([shuffled, picks]) => {
      const out = [...shuffled];
      for (const pick of picks)
        if (events.length > 0) out.splice(pick % (out.length + 1), 0, events[pick % events.length] as LeadEvent);
      return out;
    });

// ---------------------------------------------------------------- the independent model
const day = (ms: number): number => Math.floor(ms / DAY_MS);

function modelScore(grid: Grid, events: readonly LeadEvent[], now: number): number {
  const distinct = new Map<string, LeadEvent>();
  for (const e of events) if (!distinct.has(e.eventId)) distinct.set(e.eventId, e);
  const all = [...distinct.values()];
  const counts = new Map<string, number>();
  let total = 0;
  for (const rule of grid.rules) {
    if (!('on' in rule)) continue;
    const types = ([] as string[]).concat(rule.on);
    const whereTag = rule.where?.['tag'];
    const tags =
      whereTag === undefined ? undefined : typeof whereTag === 'object' ? (whereTag.in as string[]) : [whereTag as string];
    const window = rule.within === undefined ? undefined : Number(rule.within.slice(0, -1));
    const matching = all.filter(
      (e) =>
        types.includes(e.type) &&
        (tags === undefined || tags.includes(e.properties['tag'] as string)) &&
        (window === undefined || day(e.occurredAt) > day(now) - window),
    );
    const n = matching.length;
    counts.set(rule.id, n);
    if (rule.decay) {
      // each event worth floor(|P| × (1 − by)^k), k whole periods since its day (none before it)
      const every = Number(rule.decay.every.slice(0, -1));
      const kept = BigInt(100 - Number(rule.decay.by.slice(0, -1)));
      const p = rule.points ?? 0;
      let sum = 0;
      for (const e of matching) {
        const k = BigInt(Math.max(0, Math.floor((day(now) - day(e.occurredAt)) / every)));
        sum += Number((BigInt(Math.abs(p)) * kept ** k) / 100n ** k);
      }
      total += Math.sign(p) * Math.min(sum, rule.limit === undefined ? Infinity : Math.abs(rule.limit));
    } else if (rule.tiers) {
      total += [...rule.tiers].reverse().find((t) => t.atLeast <= n)?.points ?? 0;
    } else {
      const p = rule.points ?? 0;
      total += Math.sign(p) * Math.min(Math.abs(p) * n, rule.limit === undefined ? Infinity : Math.abs(rule.limit));
    }
  }
  const holds = (c: Condition): boolean => {
    if ('all' in c) return c.all.every(holds);
    if ('any' in c) return c.any.some(holds);
    if ('not' in c) return !holds(c.not);
    const n = counts.get(c.rule) ?? 0;
    if (c.eq !== undefined) return n === c.eq;
    if (c.gte !== undefined) return n >= c.gte;
    if (c.gt !== undefined) return n > c.gt;
    if (c.lte !== undefined) return n <= c.lte;
    return n < (c.lt as number);
  };
  const latest = (name: string) => {
    let best: LeadEvent | undefined;
    for (const e of all) {
      if (e.type !== 'contact_updated' || !Object.hasOwn(e.properties, name)) continue;
      if (!best || e.occurredAt > best.occurredAt || (e.occurredAt === best.occurredAt && e.eventId > best.eventId)) best = e;
    }
    return best?.properties[name] ?? null;
  };
  for (const rule of grid.rules) {
    if ('when' in rule) total += holds(rule.when) ? rule.points : 0;
    if ('property' in rule) {
      const v = latest(rule.property);
      let ok: boolean;
      if (v === null) ok = rule.exists === false || rule.notIn !== undefined;
      else if (rule.exists !== undefined) ok = rule.exists;
      else if (rule.equals !== undefined) ok = String(v) === String(rule.equals);
      else if (rule.gte !== undefined)
        ok = typeof v === 'number' ? v >= rule.gte : typeof v === 'string' && v.trim() !== '' && Number(v) >= rule.gte;
      else if (rule.in !== undefined) ok = rule.in.map(String).includes(String(v));
      else ok = !(rule.notIn ?? []).map(String).includes(String(v));
      total += ok ? rule.points : 0;
    }
  }
  return Math.min(grid.bounds?.max ?? Infinity, Math.max(grid.bounds?.min ?? -Infinity, total));
}

function fold(
  grid: ReturnType<typeof compileGrid>,
  events: readonly LeadEvent[],
  now: number,
  start: ContactState = emptyState(),
): ContactState {
  return events.reduce((state, e) => applyEvent(grid, state, e, now).state, start);
}

/** What scores: not the sequence, nor the recent ids (in arrival order by definition). */
const scoringPart = (state: ContactState): string => encodeState({ ...state, sequence: 0, recent: [] });

/** Matching (docs/scoring-contract.md §3), from the grid file alone: some counting rule's on + where, or a contact_updated a property rule reads. */
function modelMatching(grid: Grid, e: LeadEvent): boolean {
  return grid.rules.some((rule) => {
    if ('property' in rule) return e.type === 'contact_updated' && Object.hasOwn(e.properties, rule.property);
    if (!('on' in rule) || !([] as string[]).concat(rule.on).includes(e.type)) return false;
    const whereTag = rule.where?.['tag'];
    if (whereTag === undefined) return true;
    const tags = typeof whereTag === 'object' ? (whereTag.in as string[]) : [whereTag as string];
    return tags.includes(e.properties['tag'] as string);
  });
}

/**
 * A history shuffled, with duplicate deliveries each placed after at most `recent − 1` other
 * matching events of its original: still among the contact's last `recent` matching ids.
 */
const shuffledWithNearDuplicates = (grid: Grid, events: LeadEvent[], recent: number) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.array(fc.tuple(fc.nat(), fc.nat(recent - 1)), { maxLength: 12 }),
    )
    .map(([shuffled, picks]) => {
      const after = shuffled.map((): LeadEvent[] => []);
      for (const [pick, gap] of picks) {
        if (shuffled.length === 0) break;
        const original = pick % shuffled.length;
        let at = original;
        for (let seen = 0, i = original + 1; i < shuffled.length && seen < gap; i += 1) {
          if (!modelMatching(grid, shuffled[i] as LeadEvent)) continue;
          seen += 1;
          at = i;
        }
        after[at]?.push(shuffled[original] as LeadEvent);
      }
      return shuffled.flatMap((e, i) => [e, ...(after[i] as LeadEvent[])]);
    });

/**
 * The state format v1 as the engine wrote it before the bounded memory, built from the events
 * the way that engine counted them: per stored counter, counts and the 9-character ids of the
 * events counted (forgotten once an all-time counter saturated); windowed ids by day.
 */
function v1StateText(compiled: ReturnType<typeof compileGrid>, events: readonly LeadEvent[], now: number): string {
  const totals = new Map<string, { count: number; ids: string[] }>();
  const dailies = new Map<string, Map<number, string[]>>();
  const properties = new Map<string, LeadEvent>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const id = toBase64Digits(cyrb53(e.eventId), 9);
    for (const counter of compiled.countersByType.get(e.type) ?? []) {
      if (!counter.matches(e)) continue;
      if (counter.windowDays === null) {
        const total = totals.get(counter.key) ?? { count: 0, ids: [] };
        if (total.count >= counter.saturation) continue;
        total.count += 1;
        total.ids = total.count >= counter.saturation ? [] : [...total.ids, id];
        totals.set(counter.key, total);
      } else if (day(e.occurredAt) > day(now) - counter.windowDays) {
        const days = dailies.get(counter.key) ?? new Map<number, string[]>();
        days.set(day(e.occurredAt), [...(days.get(day(e.occurredAt)) ?? []), id]);
        dailies.set(counter.key, days);
      }
    }
    if (e.type !== 'contact_updated') continue;
    for (const name of Object.keys(e.properties)) {
      const best = properties.get(name);
      if (!compiled.propertyRules.has(name)) continue;
      if (!best || e.occurredAt > best.occurredAt || (e.occurredAt === best.occurredAt && e.eventId > best.eventId))
        properties.set(name, e);
    }
  }
  const counters = [
    ...[...totals].map(
      ([key, t]) => `${key}=${t.count.toString(36)}${t.ids.length > 0 ? `:${[...t.ids].sort().join(',')}` : ''}`,
    ),
    ...[...dailies].map(
      ([key, days]) =>
        `${key}@${[...days]
          .sort(([a], [b]) => a - b)
          .map(([d, ids]) => `${d.toString(36)}:${[...ids].sort().join(',')}`)
          .join('/')}`,
    ),
  ].sort();
  const value = (v: unknown): string =>
    v === null ? 'z' : typeof v === 'boolean' ? (v ? 't' : 'f') : typeof v === 'number' ? `n${v}` : `s${String(v)}`;
  const groups = [...properties].map(
    ([name, e]) => `${e.occurredAt.toString(36)}~${e.eventId}~${name}=${value(e.properties[name] ?? null)}`,
  );
  return ['1', '0', '0', '', counters.join(';'), groups.join(';')].join('|');
}

function withoutDecay(rule: Rule): Rule {
  if (!('decay' in rule)) return rule;
  const { decay, ...rest } = rule;
  return decay === undefined ? rule : rest;
}

describe('scoring properties (fast-check)', () => {
  it('random grids are valid', () => {
    fc.assert(
      fc.property(randomGrid, (grid) => {
        expect(validateGrid(grid)).toMatchObject({ ok: true });
      }),
    );
  });

  it('tier, limit, window, condition and property semantics match the independent model', () => {
    fc.assert(
      fc.property(randomGrid, history, (grid, events) => {
        const compiled = compileGrid(grid);
        const state = fold(compiled, events, NOW);
        expect(scoreAt(compiled, state, NOW).score).toBe(modelScore(grid, events, NOW));
        // Once a contact has had an event, the last emitted score is the score.
        if (events.length > 0) expect(state.score).toBe(modelScore(grid, events, NOW));
      }),
      { numRuns: 400 },
    );
  });

  it('final score and state do not depend on event order or duplicate deliveries', () => {
    fc.assert(
      fc.property(
        randomGrid,
        history.chain((events) => fc.tuple(fc.constant(events), reorderedWithDuplicates(events))),
        (grid, [events, reordered]) => {
          const compiled = compileGrid(grid);
          const a = fold(compiled, events, NOW);
          const b = fold(compiled, reordered, NOW);
          expect(scoreAt(compiled, b, NOW).score).toBe(scoreAt(compiled, a, NOW).score);
          expect(scoringPart(b)).toBe(scoringPart(a));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('replaying the same events again (a crash and redelivery) changes nothing and emits nothing', () => {
    fc.assert(
      fc.property(randomGrid, history, (grid, events) => {
        const compiled = compileGrid(grid);
        const state = fold(compiled, events, NOW);
        let again = state;
        for (const e of events) {
          const evaluation = applyEvent(compiled, again, e, NOW);
          expect(evaluation.output).toBeNull();
          again = evaluation.state;
        }
        expect(encodeState(again)).toBe(encodeState(state));
      }),
      { numRuns: 200 },
    );
  });

  it('sequences strictly increase and previousScore is the last emitted score', () => {
    fc.assert(
      fc.property(randomGrid, history, (grid, events) => {
        const compiled = compileGrid(grid);
        let state = emptyState();
        let last = 0;
        let sequence = 0;
        for (const e of events) {
          const { output, state: next } = applyEvent(compiled, state, e, NOW);
          state = next;
          if (output === null) continue;
          expect(output.sequence).toBe(sequence + 1);
          expect(output.previousScore).toBe(last);
          expect(output.delta).toBe(output.score - last);
          for (const x of output.thresholdCrossings) {
            if (x.direction === 'up') expect(last < x.at && x.at <= output.score).toBe(true);
            else expect(output.score < x.at && x.at <= last).toBe(true);
          }
          sequence = output.sequence;
          last = output.score;
        }
      }),
    );
  });

  it('windows expire exactly at UTC midnight: counted at 23:59:59.999, gone at 00:00:00.000', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 20_000, max: 21_000 }),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.integer({ min: 1, max: 50 }),
        (windowDays, eventDay, timeOfDay, points) => {
          const compiled = compileGrid({
            name: 'w',
            version: 1,
            rules: [{ id: 'opens', on: 'email_opened', within: `${windowDays}d`, points }],
          });
          const occurredAt = eventDay * DAY_MS + timeOfDay;
          const e: LeadEvent = { eventId: 'e', contactId: 'c', type: 'email_opened', occurredAt, properties: {} };
          const state = applyEvent(compiled, emptyState(), e, occurredAt).state;
          const boundary = (eventDay + windowDays) * DAY_MS;
          expect(scoreAt(compiled, state, boundary - 1).score).toBe(points);
          expect(scoreAt(compiled, state, boundary).score).toBe(0);
          expect(nextExpiryAt(compiled, state, occurredAt)).toBe(boundary);
          expect(nextExpiryAt(compiled, state, boundary - 1)).toBe(boundary);
          expect(reevaluate(compiled, 'c', state, boundary - 1, { kind: 'decay' }).output).toBeNull();
          expect(reevaluate(compiled, 'c', state, boundary, { kind: 'decay' }).output?.score).toBe(0);
        },
      ),
    );
  });

  it('decay emissions agree with scoring the same history at a later time', () => {
    fc.assert(
      fc.property(randomGrid, history, fc.integer({ min: 1, max: 8 }), (grid, events, laterDays) => {
        const compiled = compileGrid(grid);
        const state = fold(compiled, events, NOW);
        const later = NOW + laterDays * DAY_MS;
        const decayed = reevaluate(compiled, 'c', state, later, { kind: 'decay' });
        expect(decayed.score).toBe(modelScore(grid, events, later));
      }),
      { numRuns: 200 },
    );
  });
  it('the score cannot change between the instants nextExpiryAt names: no window end or decay step is missed', () => {
    fc.assert(
      fc.property(
        randomGrid,
        history,
        fc.array(fc.integer({ min: 1, max: DAY_MS * 3 }), { minLength: 1, maxLength: 4 }),
        (grid, events, offsets) => {
          const compiled = compileGrid(grid);
          let state = fold(compiled, events, NOW);
          let at = NOW;
          for (let step = 0; step < 12; step += 1) {
            const next = nextExpiryAt(compiled, state, at);
            const score = modelScore(grid, events, at);
            // instants before the next expiry (or anywhere later when there is none) score the same
            for (const offset of offsets) {
              const t = next === null ? at + offset * 40 : Math.min(next - 1, at + offset);
              expect(modelScore(grid, events, t)).toBe(score);
            }
            if (next === null) break;
            expect(next).toBeGreaterThan(at);
            state = reevaluate(compiled, 'c', state, next, { kind: 'decay' }).state;
            expect(scoreAt(compiled, state, next).score).toBe(modelScore(grid, events, next));
            at = next;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with dedupe.recent N: any order, and duplicates each within N matching events of its original, give the model score', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(randomGrid, fc.integer({ min: 1, max: 6 }), history)
          .chain(([grid, recent, events]) =>
            fc.tuple(
              fc.constant<Grid>({ ...grid, dedupe: { recent } }),
              fc.constant(events),
              shuffledWithNearDuplicates(grid, events, recent),
            ),
          ),
        ([grid, events, delivered]) => {
          const compiled = compileGrid(grid);
          const state = fold(compiled, delivered, NOW);
          expect(scoreAt(compiled, state, NOW).score).toBe(modelScore(grid, events, NOW));
          expect(scoringPart(state)).toBe(scoringPart(fold(compiled, events, NOW)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a re-sent event counts again once N more matching events arrived after it, not before', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 50 }),
        (recent, others, points) => {
          const compiled = compileGrid({
            name: 'r',
            version: 1,
            dedupe: { recent },
            rules: [{ id: 'views', on: 'page_viewed', points }],
          });
          const view = (eventId: string): LeadEvent => ({
            eventId,
            contactId: 'c',
            type: 'page_viewed',
            occurredAt: NOW,
            properties: {},
          });
          const noise: LeadEvent = { eventId: 'noise', contactId: 'c', type: 'email_opened', occurredAt: NOW, properties: {} };
          const between = Array.from({ length: others }, (_, i) => view(`v${i}`));
          const state = fold(compiled, [view('x'), ...between.flatMap((e) => [e, noise]), view('x')], NOW);
          const counted = 1 + others + (others >= recent ? 1 : 0);
          expect(scoreAt(compiled, state, NOW).score).toBe(points * counted);
          expect(state.recent.length).toBe(Math.min(recent, counted));
        },
      ),
    );
  });

  it('v1 states (per-counter ids) decode to the same score, and their events stay duplicates', () => {
    // v1 was written before rules could decay: its grids have none
    const gridsOfV1 = randomGrid.map((grid) => ({ ...grid, rules: grid.rules.map(withoutDecay) }));
    fc.assert(
      fc.property(gridsOfV1, history, (grid, events) => {
        const compiled = compileGrid(grid);
        const v1 = decodeState(v1StateText(compiled, events, NOW));
        expect(scoreAt(compiled, v1, NOW).score).toBe(modelScore(grid, events, NOW));
        const again = fold(compiled, events, NOW, v1);
        expect(scoreAt(compiled, again, NOW).score).toBe(modelScore(grid, events, NOW));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- several scores
type Placement = 'a' | 'a-group' | 'b' | 'both' | 'none';
const optionalBounds = fc.option(fc.record({ min: fc.integer({ min: -400, max: -1 }), max: fc.integer({ min: 1, max: 900 }) }), {
  nil: undefined,
});
const thresholdsOf = (prefix: string) =>
  fc
    .uniqueArray(fc.integer({ min: -300, max: 1200 }), { maxLength: 2 })
    .map((ats) => ats.sort((a, b) => a - b).map((at, i) => ({ name: `${prefix}${i}`, at })));
const bandsOf = (names: readonly [string, string, string]) =>
  fc
    .uniqueArray(fc.integer({ min: -200, max: 800 }), { minLength: 1, maxLength: 2 })
    .map((ats) => [...ats.sort((a, b) => b - a).map((at, i) => ({ name: names[i] as string, at })), { name: names[2] }]);

/**
 * A random grid's rules shared out between two scores `a` and `b` (directly, through a group of
 * `a`, in both, or in none), each with its bounds and thresholds, and a matrix b × a.
 */
const randomScoredGrid: fc.Arbitrary<Grid> = randomGrid.chain((grid) =>
  fc
    .record({
      placements: fc.array(fc.constantFrom<Placement>('a', 'a-group', 'b', 'both', 'none'), {
        minLength: grid.rules.length,
        maxLength: grid.rules.length,
      }),
      groupBounds: optionalBounds,
      boundsA: optionalBounds,
      boundsB: optionalBounds,
      thresholdsA: thresholdsOf('A'),
      thresholdsB: thresholdsOf('B'),
      rows: bandsOf(['H', 'M', 'L']),
      columns: bandsOf(['1', '2', '3']),
      picks: fc.array(fc.nat(8), { minLength: 1, maxLength: 3 }),
    })
    .map(({ placements, groupBounds, boundsA, boundsB, thresholdsA, thresholdsB, rows, columns, picks }) => {
      const cells = rows.flatMap((row) => columns.map((column) => `${row.name}${column.name}`));
      const qualified = [...new Set(picks.map((pick) => cells[pick % cells.length] as string))];
      const ids = (...wanted: Placement[]) =>
        grid.rules.filter((_, i) => wanted.includes(placements[i] as Placement)).map((r) => r.id);
      const direct = (list: string[]) => (list.length === 0 ? {} : { rules: list });
      const grouped = ids('a-group');
      // a score adds up at least one rule
      const aRules = ids('a', 'both');
      if (aRules.length === 0 && grouped.length === 0) aRules.push((grid.rules[0] as Rule).id);
      const bRules = ids('b', 'both');
      if (bRules.length === 0) bRules.push((grid.rules[grid.rules.length - 1] as Rule).id);
      const { bounds: _bounds, thresholds: _thresholds, ...rest } = grid;
      return {
        ...rest,
        scores: [
          {
            id: 'a',
            ...direct(aRules),
            ...(grouped.length > 0 && { groups: [{ id: 'g', rules: grouped, ...(groupBounds && { bounds: groupBounds }) }] }),
            ...(boundsA && { bounds: boundsA }),
            thresholds: thresholdsA,
          },
          { id: 'b', ...direct(bRules), ...(boundsB && { bounds: boundsB }), thresholds: thresholdsB },
        ],
        matrix: { rows: { score: 'b', bands: rows }, columns: { score: 'a', bands: columns }, qualified },
      } as Grid;
    }),
);

/** A score's value computed here from the rules' points: its group clamped, its rules, clamped. */
function composed(grid: Grid, scoreIndex: number, points: ReadonlyMap<string, number>): number {
  const score = (grid.scores ?? [])[scoreIndex] as NonNullable<Grid['scores']>[number];
  const clampTo = (b: { min?: number; max?: number } | undefined, n: number) =>
    Math.min(b?.max ?? Infinity, Math.max(b?.min ?? -Infinity, n));
  const sum = (ids: readonly string[] | undefined) => (ids ?? []).reduce((t, id) => t + (points.get(id) ?? 0), 0);
  const groups = (score.groups ?? []).reduce((t, g) => t + clampTo(g.bounds, sum(g.rules)), 0);
  return clampTo(score.bounds, groups + sum(score.rules));
}

describe('several scores (fast-check)', () => {
  it('random scored grids are valid', () => {
    fc.assert(
      fc.property(randomScoredGrid, (grid) => {
        expect(validateGrid(grid)).toMatchObject({ ok: true });
      }),
    );
  });

  it('each score is its groups and rules, whatever the order and the duplicate deliveries; the rules agree with the model', () => {
    fc.assert(
      fc.property(
        randomScoredGrid,
        history.chain((events) => fc.tuple(fc.constant(events), reorderedWithDuplicates(events))),
        (grid, [events, reordered]) => {
          const compiled = compileGrid(grid);
          const a = fold(compiled, events, NOW);
          const b = fold(compiled, reordered, NOW);
          const scored = scoreAt(compiled, a, NOW);
          expect(scoreAt(compiled, b, NOW).scores).toEqual(scored.scores);
          expect(scoringPart(b)).toBe(scoringPart(a));
          const points = new Map(scored.contributions.map((c) => [c.ruleId, c.points]));
          // every rule's points as the model gives them alone (a one-score grid of the same rules)
          const oneScore = compileGrid({ ...grid, scores: undefined, matrix: undefined } as Grid);
          expect(scoreAt(oneScore, fold(oneScore, events, NOW), NOW).contributions).toEqual(scored.contributions);
          expect(scored.scores.map((s) => s.score)).toEqual([composed(grid, 0, points), composed(grid, 1, points)]);
          // once a contact has had an event, every last emitted value is its score
          if (events.length > 0)
            expect([a.score, a.scores?.get('a') ?? 0, a.scores?.get('b') ?? 0]).toEqual([
              0,
              ...scored.scores.map((s) => s.score),
            ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('replaying the same events again changes nothing and emits nothing, for every score and the grade', () => {
    fc.assert(
      fc.property(randomScoredGrid, history, (grid, events) => {
        const compiled = compileGrid(grid);
        const state = fold(compiled, events, NOW);
        let again = state;
        for (const e of events) {
          const evaluation = applyEvent(compiled, again, e, NOW);
          expect(evaluation.outputs).toEqual([]);
          expect(evaluation.gradeChange).toBeNull();
          again = evaluation.state;
        }
        expect(encodeState(again)).toBe(encodeState(state));
      }),
      { numRuns: 200 },
    );
  });

  it("one sequence per contact through score and grade changes; each previousScore is its own score's last; crossings are exact", () => {
    fc.assert(
      fc.property(randomScoredGrid, history, (grid, events) => {
        const compiled = compileGrid(grid);
        const matrix = grid.matrix as NonNullable<Grid['matrix']>;
        let state = emptyState();
        const last = new Map([
          ['a', 0],
          ['b', 0],
        ]);
        let grade = gradeOf(compiled.matrix as NonNullable<typeof compiled.matrix>, [0, 0]);
        let sequence = 0;
        for (const e of events) {
          const evaluation = applyEvent(compiled, state, e, NOW);
          state = evaluation.state;
          for (const output of evaluation.outputs) {
            const id = output.scoreId as string;
            expect(output.sequence).toBe(sequence + 1);
            expect(output.previousScore).toBe(last.get(id));
            for (const x of output.thresholdCrossings) {
              expect(x.scoreId).toBe(id);
              if (x.direction === 'up') expect(output.previousScore < x.at && x.at <= output.score).toBe(true);
              else expect(output.score < x.at && x.at <= output.previousScore).toBe(true);
            }
            sequence = output.sequence;
            last.set(id, output.score);
          }
          const change = evaluation.gradeChange;
          if (change !== null) {
            expect(change.sequence).toBe(sequence + 1);
            expect(change.previousGrade).toBe(grade.grade);
            expect(change.qualified).toBe(matrix.qualified.includes(change.grade));
            expect(change.crossing?.direction ?? null).toBe(
              grade.qualified === change.qualified ? null : change.qualified ? 'up' : 'down',
            );
            sequence = change.sequence;
            grade = { ...grade, grade: change.grade, qualified: change.qualified };
          }
          // the grade is always the cell of the last emitted scores
          expect(grade.grade).toBe(
            gradeOf(compiled.matrix as NonNullable<typeof compiled.matrix>, [last.get('a') as number, last.get('b') as number])
              .grade,
          );
          expect(state.sequence).toBe(sequence);
        }
      }),
    );
  });
});
