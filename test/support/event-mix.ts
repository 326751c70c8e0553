import { SeededRandom } from '@leadscore/seeded-random';
import type { RawEvent } from './streams.js';

const DAY = 86_400_000;

/** A seeded `[0, 1)` source, so a failing run can be reproduced from its seed. */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

type Template = (r: () => number) => Pick<RawEvent, 'type' | 'properties'>;

// Weighted so that many contacts cross MQL and some cross back down (unsubscribe, job seeker).
const TEMPLATES: [number, Template][] = [
  [
    30,
    (r) => ({ type: 'page_viewed', properties: { path: ['/pricing', '/solutions', '/blog', '/careers'][Math.floor(r() * 4)]! } }),
  ],
  [
    10,
    (r) => ({
      type: 'asset_downloaded',
      properties: { velocity: r() < 0.4 ? 'high' : 'low', assetId: `a${Math.floor(r() * 20)}` },
    }),
  ],
  [6, () => ({ type: 'webinar_registered', properties: {} })],
  [4, () => ({ type: 'webinar_attended', properties: {} })],
  [3, () => ({ type: 'demo_requested', properties: {} })],
  [4, (r) => ({ type: 'form_submitted', properties: { formType: r() < 0.5 ? 'contact' : 'newsletter' } })],
  [15, () => ({ type: 'email_sent', properties: {} })],
  [10, () => ({ type: 'email_opened', properties: {} })],
  [6, () => ({ type: 'email_unsubscribed', properties: {} })],
  [
    6,
    (r): Pick<RawEvent, 'type' | 'properties'> => {
      const properties: Record<string, string | null> = {};
      if (r() < 0.5) properties['phone'] = r() < 0.8 ? '+1 555 0100' : null;
      else properties['persona'] = r() < 0.3 ? 'job_seeker' : 'buyer';
      return { type: 'contact_updated', properties };
    },
  ],
];
const TOTAL_WEIGHT = TEMPLATES.reduce((sum, [w]) => sum + w, 0);

/**
 * A seeded mix of starter-grid events for `contacts` contacts, timestamps within the `days`
 * before `now`, with ~2 % exact re-sends of earlier events (duplicates by eventId).
 */
export function eventMix(options: { seed: number; contacts: number; events: number; now: number; days?: number }): RawEvent[] {
  const r = seededRandom(options.seed);
  const days = options.days ?? 20;
  const out: RawEvent[] = [];
  for (let i = 0; i < options.events; i += 1) {
    if (out.length > 10 && r() < 0.02) {
      out.push(out[Math.floor(r() * out.length)]!);
      continue;
    }
    let pick = r() * TOTAL_WEIGHT;
    let template = TEMPLATES[0]![1];
    for (const [weight, t] of TEMPLATES) {
      if ((pick -= weight) < 0) {
        template = t;
        break;
      }
    }
    out.push({
      eventId: `e${options.seed}-${i}`,
      contactId: `c${Math.floor(r() * options.contacts)}`,
      occurredAt: options.now - Math.floor(r() * days * DAY) - 1,
      ...template(r),
    });
  }
  return out;
}

/** The events as NDJSON lines (occurredAt as epoch ms), the input of `leadscore replay`. */
export function toNdjsonLines(events: readonly RawEvent[]): string[] {
  return events.map((e) => JSON.stringify({ ...e, properties: e.properties ?? {} }));
}

/**
 * A seeded history of known contacts (`c<i>`) and anonymous visitors (`anon<i>`) that become
 * known: each visitor's events, then a `contact_merged` of the visitor into a known contact (as
 * the Segment door sends for an `identify`), with some of the visitor's events still arriving
 * after it (another tab, a late beacon); and chains, known contacts merged into lower-numbered
 * known contacts. Every id is merged away at most once and merges only go one way (a visitor
 * into a known contact, a known contact into a lower-numbered one), so the roots do not depend
 * on the order in which the merges of different partitions arrive; the final scores then must
 * not either. Every event is on the behavioural topic.
 */
export function mergeMix(options: { seed: number; contacts: number; events: number; now: number; chains?: number }): RawEvent[] {
  const r = seededRandom(options.seed);
  const base = eventMix({ seed: options.seed, contacts: options.contacts, events: options.events, now: options.now, days: 10 });
  const visitors = Math.floor(options.contacts / 2);
  // about half of the visitors' events are made under their anonymous id; a re-send of an
  // event (the mix's duplicates) keeps the id it was first sent under, as a platform's would
  const idOf = new Map<string, string>();
  const out: RawEvent[] = base.map((e) => {
    const n = Number(e.contactId.slice(1));
    let id = idOf.get(e.eventId);
    if (id === undefined) {
      id = n < visitors && r() < 0.5 ? `anon${n}` : e.contactId;
      idOf.set(e.eventId, id);
    }
    return { ...e, contactId: id };
  });
  // each visitor merged into its known contact at a random point of the history
  const merges: { at: number; event: RawEvent }[] = [];
  for (let n = 0; n < visitors; n += 1) {
    merges.push({
      at: Math.floor(r() * out.length),
      event: {
        eventId: `merge-anon${n}`,
        contactId: `c${n}`,
        type: 'contact_merged',
        occurredAt: options.now - 1000,
        properties: { mergedFrom: `anon${n}` },
      },
    });
  }
  // chains: c<k> (k ≥ 1) merged into c<j>, j < k, each c<k> at most once
  const chained = new Set<number>();
  for (let i = 0; i < (options.chains ?? Math.floor(visitors / 10)); i += 1) {
    const k = 1 + Math.floor(r() * (options.contacts - 1));
    if (chained.has(k)) continue;
    chained.add(k);
    const j = Math.floor(r() * k);
    merges.push({
      at: Math.floor(r() * out.length),
      event: {
        eventId: `merge-c${k}`,
        contactId: `c${j}`,
        type: 'contact_merged',
        occurredAt: options.now - 1000,
        properties: { mergedFrom: `c${k}` },
      },
    });
  }
  merges.sort((a, b) => b.at - a.at);
  for (const { at, event } of merges) out.splice(at, 0, event);
  return out.map((e) => ({ ...e, onBehaviouralTopic: true }));
}
