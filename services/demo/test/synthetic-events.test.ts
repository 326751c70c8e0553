import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { generateEvents, syntheticEvents, type GeneratedEvent } from '../src/synthetic-events.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const DAY = 86_400_000;
const STARTER = loadGrid(readFileSync(new URL('../../../deploy/grids/starter.yaml', import.meta.url), 'utf8'));

describe('generateEvents', () => {
  const events = generateEvents({ seed: 7, contacts: 300, now: NOW });

  it('is deterministic for a seed, and the seed matters', () => {
    expect(generateEvents({ seed: 7, contacts: 300, now: NOW })).toEqual(events);
    const other = generateEvents({ seed: 8, contacts: 300, now: NOW });
    expect(other.map((e) => e.type)).not.toEqual(events.map((e) => e.type));
  });

  it('gives the requested number of events, 40 per contact by default', () => {
    expect(events).toHaveLength(12_000);
    expect(generateEvents({ seed: 1, contacts: 10, events: 123, now: NOW })).toHaveLength(123);
  });

  it('never dates an event in the future, nor before the time range', () => {
    const days = 10;
    const ranged = generateEvents({ seed: 3, contacts: 50, now: NOW, days });
    expect(Math.max(...ranged.map((e) => e.occurredAt))).toBeLessThanOrEqual(NOW);
    expect(Math.min(...ranged.map((e) => e.occurredAt))).toBeGreaterThanOrEqual(NOW - days * DAY);
    expect(ranged.every((e) => Number.isInteger(e.occurredAt))).toBe(true);
  });

  it('re-sends some events exactly, as platforms do (about 2 %)', () => {
    const byId = new Map<string, GeneratedEvent>();
    let duplicates = 0;
    for (const event of events) {
      const first = byId.get(event.eventId);
      if (first) {
        duplicates += 1;
        expect(event).toEqual(first);
      } else byId.set(event.eventId, event);
    }
    expect(duplicates / events.length).toBeGreaterThan(0.01);
    expect(duplicates / events.length).toBeLessThan(0.03);
  });

  it("starts every contact's story with a contact_updated profile (persona, jobTitle, country)", () => {
    const seen = new Set<string>();
    for (const event of events) {
      if (seen.has(event.contactId) || event.contactId.startsWith('anon-')) continue;
      seen.add(event.contactId);
      expect(event.type).toBe('contact_updated');
      expect(Object.keys(event.properties)).toEqual(expect.arrayContaining(['persona', 'jobTitle', 'country']));
    }
    expect(seen.size).toBe(300);
  });

  it('has anonymous visitors who view key pages, sign up, are merged into their contact and become MQLs by it', async () => {
    const merges = events.filter((e) => e.type === 'contact_merged');
    expect(merges.length).toBeGreaterThan(20);
    for (const merge of merges) {
      const anonymousId = merge.properties['mergedFrom'] as string;
      const before = events.slice(0, events.indexOf(merge));
      const visits = before.filter((e) => e.contactId === anonymousId);
      // re-sends aside (the stream's duplicates), two key pages, and nothing new under the cookie id after the merge
      expect([...new Map(visits.map((e) => [e.eventId, e.properties['path']])).values()]).toEqual(['/pricing', '/solutions']);
      expect(before.some((e) => e.contactId === merge.contactId && e.type === 'contact_updated')).toBe(true);
      const ids = new Set(visits.map((e) => e.eventId));
      expect(events.slice(events.indexOf(merge)).filter((e) => e.contactId === anonymousId && !ids.has(e.eventId))).toEqual([]);
    }
    const result = await replayEvents(
      compileGrid(STARTER),
      events.map((e) => JSON.stringify(e)),
      NOW,
    );
    const byId = new Map(result.contacts.map((c) => [c.contactId, c]));
    const mqlByMerge = merges.filter((m) =>
      byId
        .get(m.contactId)!
        .crossings.some((x) => x.direction === 'up' && x.cause.kind === 'merge' && x.cause.eventId === m.eventId),
    );
    expect(mqlByMerge.length).toBeGreaterThan(merges.length / 2);
    expect(merges.every((m) => byId.get(m.properties['mergedFrom'] as string)?.mergedInto === m.contactId)).toBe(true);
  });

  it('exercises every rule of the starter grid, with a realistic share of MQLs and no bad events', async () => {
    const grid = compileGrid(STARTER);
    const result = await replayEvents(
      grid,
      events.map((e) => JSON.stringify(e)),
      NOW,
    );
    expect(result.badLines).toEqual([]);
    expect(result.duplicates).toBeGreaterThan(0);
    const exercised = new Set(result.contacts.flatMap((c) => c.contributions.filter((r) => r.count > 0).map((r) => r.ruleId)));
    expect([...exercised].sort()).toEqual(STARTER.rules.map((r) => r.id).sort());
    const known = result.contacts.filter((c) => c.mergedInto === undefined);
    const mqls = known.filter((c) => c.crossings.some((x) => x.direction === 'up')).length;
    expect(mqls / known.length).toBeGreaterThan(0.1);
    expect(mqls / known.length).toBeLessThan(0.6);
  });

  it('uses the event types and properties the starter grid reads', () => {
    const has = (type: string, key?: string, value?: unknown) =>
      events.some(
        (e) =>
          e.type === type && (key === undefined || (value === undefined ? key in e.properties : e.properties[key] === value)),
      );
    expect(
      has('page_viewed', 'path', '/pricing') &&
        has('page_viewed', 'path', '/solutions') &&
        has('page_viewed', 'path', '/careers'),
    ).toBe(true);
    expect(has('asset_downloaded', 'velocity', 'high') && has('asset_downloaded', 'velocity', 'low')).toBe(true);
    expect(
      has('form_submitted', 'formType', 'contact') &&
        has('form_submitted', 'formType', 'demo') &&
        has('form_submitted', 'formType', 'newsletter'),
    ).toBe(true);
    for (const type of [
      'webinar_registered',
      'webinar_attended',
      'demo_requested',
      'email_sent',
      'email_opened',
      'email_clicked',
      'email_unsubscribed',
    ]) {
      expect(has(type), type).toBe(true);
    }
    expect(has('contact_updated', 'phone') && has('contact_updated', 'persona', 'job_seeker')).toBe(true);
  });
});

describe('syntheticEvents', () => {
  it('is lazy and fast enough for benchmarks (100k events well under a second or two)', () => {
    const stream = syntheticEvents({ seed: 1, contacts: 1000, events: 1e9, now: NOW });
    expect(stream.next().value?.type).toBe('contact_updated');
    const started = performance.now();
    let n = 0;
    for (const _ of syntheticEvents({ seed: 2, contacts: 10_000, events: 100_000, now: NOW })) n += 1;
    expect(n).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rejects options that cannot make a stream', () => {
    expect(() => generateEvents({ seed: 1, contacts: 0, now: NOW })).toThrow(RangeError);
    expect(() => generateEvents({ seed: 1, contacts: 5, now: NOW, days: 0 })).toThrow(/days/);
  });
});
